"""Plotly figures built from analysis results; the notebooks and `kb report` use them.

palette      the one set of colours (categories, barrier statuses, severities) and the house style
causal_web   one incident's causal web, layered from the impact outwards, filtered when big
clusters     recurring-cluster table, co-occurrence network, theme x quarter heatmap, drill-down
traceability Sankeys from incidents through findings and follow-up to the roadmap; untraced items
trends       loop metrics by quarter
data         chart data no analysis module provides (catalogue queries cypher/charts_*.cypher)
export       HTML always; PNG/SVG through kaleido and a Chrome/Chromium
"""
