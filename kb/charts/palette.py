"""The one palette: every chart colours a category, a barrier status or a severity the same way.

Colours come from the Okabe-Ito colour-blind-safe set, so technical / process /
organizational stay distinguishable for readers with a colour-vision deficiency.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

CATEGORY: dict[str, str] = {
    "technical": "#0072B2",  # blue
    "process": "#E69F00",  # orange
    "organizational": "#009E73",  # green
}
CATEGORY_UNKNOWN = "#999999"

BARRIER_STATUS: dict[str, str] = {
    "failed": "#D55E00",  # vermillion
    "missing": "#CC79A7",  # purple
    "bypassed": "#F0E442",  # yellow
    "held": "#56B4E9",  # sky blue
}

SEVERITY: dict[int, str] = {  # SEV1 is the worst: darkest red
    1: "#67000D",
    2: "#CB181D",
    3: "#FB6A4A",
    4: "#FCAE91",
    5: "#FEE5D9",
}

FINDING_STATUS: dict[str, str] = {
    "proposed": "#BBBBBB",
    "agreed": "#56B4E9",
    "done": "#009E73",
    "deferred": "#E69F00",
    "rejected": "#777777",
}

NODE_KIND: dict[str, str] = {
    "impact": "#B2182B",
    "incident": "#B2182B",
    "finding": "#6A3D9A",
    "work_item": "#1F78B4",
    "objective": "#33A02C",
    "roadmap": "#FF7F00",
    "theme": "#0072B2",
    "barrier": "#D55E00",
    "service": "#7F7F7F",
    "team": "#8C564B",
    "none": "#CCCCCC",
}

METRIC: dict[str, str] = {
    "repeat_rate": "#D55E00",
    "time_to_insight": "#0072B2",
    "time_to_remediation": "#E69F00",
    "roadmap_contribution": "#009E73",
}

SEQUENTIAL = "Blues"
"""Colour scale for counts (heatmaps)."""

FONT = "Inter, 'Helvetica Neue', Arial, sans-serif"


def category_colour(category: object) -> str:
    return CATEGORY.get(str(category), CATEGORY_UNKNOWN)


def severity_colour(severity: object) -> str:
    try:
        return SEVERITY[int(str(severity))]
    except (KeyError, ValueError):
        return CATEGORY_UNKNOWN


def severity_label(severity: object) -> str:
    try:
        return f"SEV{int(str(severity))}"
    except ValueError:
        return "SEV?"  # unknown: not stated in the document


def rgba(hex_colour: str, alpha: float) -> str:
    """'#RRGGBB' -> 'rgba(r,g,b,alpha)', for translucent links and bands."""
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def style(
    fig: go.Figure,
    title: str,
    *,
    subtitle: str | None = None,
    width: int | None = None,
    height: int | None = None,
    legend_title: str | None = None,
    **layout: Any,
) -> go.Figure:
    """The house look: white background, a title (and a grey subtitle), a legend title, roomy margins."""
    fig.update_layout(
        template="plotly_white",
        title={
            "text": f"<b>{title}</b>",
            "x": 0.01,
            "xanchor": "left",
            "y": 1.0,
            "yanchor": "top",
            "yref": "container",
            "pad": {"t": 14},
            "automargin": True,
            "font": {"size": 18},
        },
        font={"family": FONT, "size": 13, "color": "#222"},
        margin={"l": 70, "r": 30, "t": 90 if subtitle else 60, "b": 60},
        hoverlabel={"align": "left"},
        **layout,
    )
    if subtitle:
        fig.update_layout(title_subtitle_text=subtitle, title_subtitle_font={"size": 13, "color": "#555"})
    if legend_title:
        fig.update_layout(legend_title_text=legend_title)
    if width:
        fig.update_layout(width=width)
    if height:
        fig.update_layout(height=height)
    return fig


SLIDE: tuple[int, int] = (1280, 720)
"""Logical size of a chart meant for a 16:9 slide; exported at SLIDE_SCALE (2560 x 1440 pixels)."""
SLIDE_SCALE = 2.0
