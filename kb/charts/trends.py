"""Loop-metric trends by quarter: repeat rate, time to insight, time to remediation, roadmap contribution."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from kb.charts.palette import METRIC, rgba, style

PANELS: tuple[tuple[str, str, str, str | None, str], ...] = (
    # column, panel title, y axis, optional p90 column, colour key
    ("repeat_rate", "Repeat rate: incidents that repeat an earlier one", "share of incidents", None, "repeat_rate"),
    ("tti_median_days", "Time to insight: resolved → analysis published", "days (median; dashed: p90)",
     "tti_p90_days", "time_to_insight"),
    ("ttr_median_days", "Time to remediation: published → last work item closed", "days (median)", None,
     "time_to_remediation"),
    ("roadmap_traced_share", "Roadmap contribution: items traced to incidents", "share of roadmap items", None,
     "roadmap_contribution"),
)
SHARES = ("repeat_rate", "roadmap_traced_share")


def loop_trends_figure(metrics: pd.DataFrame, *, quarter: str | None = None,
                       title: str = "Is the learning loop closing?") -> go.Figure:
    """Four panels from `kb.analysis.metrics.loop_metrics` (the "all" row is dropped); `quarter` is framed."""
    df = metrics[metrics["period"] != "all"].copy()
    if quarter is not None:
        df = df[df["period"] <= quarter]
    periods = df["period"].tolist()
    fig = make_subplots(rows=2, cols=2, subplot_titles=[p[1] for p in PANELS], vertical_spacing=0.2,
                        horizontal_spacing=0.1)
    for i, (column, _, axis, p90, key) in enumerate(PANELS):
        row, col = i // 2 + 1, i % 2 + 1
        colour = METRIC[key]
        values = pd.to_numeric(df[column], errors="coerce")
        text = [("" if pd.isna(v) else f"{v:.0%}" if column in SHARES else f"{v:.1f}") for v in values]
        fig.add_trace(go.Scatter(x=periods, y=values, mode="lines+markers+text", name=axis.split(" (")[0],
                                 line={"color": colour, "width": 2.5}, marker={"size": 8}, text=text,
                                 textposition="top center", textfont={"size": 10, "color": colour},
                                 showlegend=False,
                                 hovertemplate="%{x}: %{y:.2f}<extra>" + column + "</extra>"), row=row, col=col)
        if p90:
            fig.add_trace(go.Scatter(x=periods, y=pd.to_numeric(df[p90], errors="coerce"), mode="lines",
                                     line={"color": rgba(colour, 0.6), "dash": "dash", "width": 1.5},
                                     showlegend=False, hovertemplate="%{x}: p90 %{y:.1f} days<extra></extra>"),
                          row=row, col=col)
        fig.update_yaxes(title_text=axis, row=row, col=col, rangemode="tozero",
                         tickformat=".0%" if column in SHARES else None,
                         range=[0, 1.15] if column in SHARES else None)
        fig.update_xaxes(title_text="quarter", type="category", row=row, col=col)
        if quarter and quarter in periods:
            fig.add_vrect(x0=periods.index(quarter) - 0.4, x1=periods.index(quarter) + 0.4,
                          fillcolor="rgba(0,0,0,0.06)", line_width=0, row=row, col=col)
    first, last = (periods[0], periods[-1]) if periods else ("", "")
    style(fig, title, subtitle=f"loop metrics per quarter, {first} to {last}"
                              + (f"; the review quarter {quarter} is shaded" if quarter in periods else "")
                              + ". Incidents are bucketed by start, analyses by publication.",
          width=1250, height=780)
    fig.update_annotations(font={"size": 14})
    return fig
