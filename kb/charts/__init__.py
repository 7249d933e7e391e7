"""Plotly figures built from analysis results; the notebooks and `kb report` use them.

palette      the one set of colours (categories, barrier statuses, severities), the house style, the slide size
causal_web   one incident's causal web, layered from the impact outwards, ids + a numbered key when small
clusters     recurring-cluster table, co-occurrence network, theme x quarter heatmap, drill-down
traceability Sankeys from incidents through findings and follow-up to the roadmap; untraced items
sankey       the alluvial layout the traceability Sankeys are drawn with (labels beside bars, values on flows)
trends       loop metrics by quarter, with n per quarter
metrics      one incident's metric snapshots over its window, detection and mitigation marked
data         chart data no analysis module provides (catalogue queries cypher/charts_*.cypher)
section      Chart and ReportContext: what a report section returns and gets
page         the review as one self-contained HTML page
export       HTML, PNG/SVG through kaleido and a Chrome/Chromium, PDF through headless Chromium
"""

from __future__ import annotations

import importlib
from typing import Any

# The figure functions, reachable as kb.charts.NAME (part of the public API, kb.__all__);
# each module loads on first use, so `import kb.charts` does not load plotly.
_FIGURES: dict[str, str] = {
    "causal_web_figure": "causal_web",
    "cluster_table_figure": "clusters",
    "cooccurrence_figure": "clusters",
    "theme_heatmap_figure": "clusters",
    "cluster_incidents_figure": "clusters",
    "traceability_sankey": "traceability",
    "untraced_table_figure": "traceability",
    "loop_trends_figure": "trends",
    "metric_snapshots_figure": "metrics",
    "finding_followup": "data",
    "theme_quarter_counts": "data",
    "write_html": "export",
    "write_static": "export",
}
_MODULES = ("causal_web", "clusters", "data", "export", "metrics", "palette", "traceability", "trends")


def __getattr__(name: str) -> Any:
    if name in _FIGURES:
        return getattr(importlib.import_module(f"kb.charts.{_FIGURES[name]}"), name)
    if name in _MODULES:
        return importlib.import_module(f"kb.charts.{name}")
    raise AttributeError(f"module 'kb.charts' has no attribute {name!r}")
