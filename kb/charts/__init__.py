"""Plotly figures built from analysis results; the notebooks and `kb report` use them.

palette      the one set of colours (categories, barrier statuses, severities) and the house style
causal_web   one incident's causal web, layered from the impact outwards, filtered when big
clusters     recurring-cluster table, co-occurrence network, theme x quarter heatmap, drill-down
traceability Sankeys from incidents through findings and follow-up to the roadmap; untraced items
trends       loop metrics by quarter
data         chart data no analysis module provides (catalogue queries cypher/charts_*.cypher)
export       HTML always; PNG/SVG through kaleido and a Chrome/Chromium
"""

from __future__ import annotations

import importlib
from typing import Any

# The figure functions, reachable as kb.charts.NAME (part of the public API, kb.__all__);
# each module loads on first use, so `import kb.charts` does not load plotly.
_FIGURES: dict[str, str] = {
    "causal_web_figure": "causal_web", "cluster_table_figure": "clusters", "cooccurrence_figure": "clusters",
    "theme_heatmap_figure": "clusters", "cluster_incidents_figure": "clusters",
    "traceability_sankey": "traceability", "untraced_table_figure": "traceability",
    "loop_trends_figure": "trends", "finding_followup": "data", "theme_quarter_counts": "data",
    "write_html": "export", "write_static": "export",
}
_MODULES = ("causal_web", "clusters", "data", "export", "palette", "traceability", "trends")


def __getattr__(name: str) -> Any:
    if name in _FIGURES:
        return getattr(importlib.import_module(f"kb.charts.{_FIGURES[name]}"), name)
    if name in _MODULES:
        return importlib.import_module(f"kb.charts.{name}")
    raise AttributeError(f"module 'kb.charts' has no attribute {name!r}")
