"""Plotly figures built from analysis results; the notebooks and `kb report` use them.

palette      the one set of colours (categories, barrier statuses, severities), the house style, the slide size
causal_web   one incident's causal web, layered from the impact outwards, ids + a numbered key when small
clusters     recurring-cluster table, co-occurrence network, theme x quarter heatmap, drill-down
traceability Sankeys from incidents through findings and follow-up to the roadmap; untraced items
sankey       the alluvial layout the traceability Sankeys are drawn with (labels beside bars, values on flows)
trends       loop metrics by quarter, with n per quarter
data         chart data no analysis module provides (catalogue queries cypher/charts_*.cypher)
section      Chart and ReportContext: what a report section returns and gets
page         the review as one self-contained HTML page
export       HTML, PNG/SVG through kaleido and a Chrome/Chromium, PDF through headless Chromium
"""
