"""Loop-metric trends by quarter: repeat rate, time to insight, time to remediation, roadmap contribution."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from kb.charts.palette import METRIC, SLIDE, rgba, style

PANELS: tuple[tuple[str, str, str, str | None, str, str], ...] = (
    # column, panel title, y axis, optional p90 column, colour key, the column holding n
    (
        "repeat_rate",
        "Repeat rate: incidents that repeat an earlier one",
        "share of incidents",
        None,
        "repeat_rate",
        "incidents",
    ),
    (
        "tti_median_days",
        "Time to insight: resolved → analysis published",
        "days",
        "tti_p90_days",
        "time_to_insight",
        "gated_incidents",
    ),
    (
        "ttr_median_days",
        "Time to remediation: published → last work item closed",
        "days",
        None,
        "time_to_remediation",
        "remediated",
    ),
    (
        "roadmap_traced_share",
        "Roadmap contribution: items traced to incidents",
        "share of roadmap items",
        None,
        "roadmap_contribution",
        "roadmap_items",
    ),
)
SHARES = ("repeat_rate", "roadmap_traced_share")
SMALL_N = 5  # a share or median over fewer than this is drawn hollow


def _n(value: object) -> str:
    return "–" if value is None or pd.isna(value) else f"{int(value)}"  # type: ignore[call-overload]


def loop_trends_figure(
    metrics: pd.DataFrame, *, quarter: str | None = None, title: str = "Is the learning loop closing?"
) -> go.Figure:
    """Four panels from `kb.analysis.metrics.loop_metrics` (the "all" row is dropped); `quarter` is shaded.

    Every quarter's tick carries its sample size n (incidents, incidents with an analysis,
    remediated analyses, roadmap items); a point over fewer than SMALL_N is hollow.
    """
    df = metrics[metrics["period"] != "all"].copy()
    if quarter is not None:
        df = df[df["period"] <= quarter]
    periods = df["period"].tolist()
    fig = make_subplots(
        rows=2, cols=2, subplot_titles=[p[1] for p in PANELS], vertical_spacing=0.24, horizontal_spacing=0.09
    )
    for i, (column, _, axis, p90, key, n_col) in enumerate(PANELS):
        row, col = i // 2 + 1, i % 2 + 1
        colour = METRIC[key]
        values = pd.to_numeric(df[column], errors="coerce")
        ns = pd.to_numeric(df[n_col], errors="coerce")
        text = [("" if pd.isna(v) else f"{v:.0%}" if column in SHARES else f"{v:.1f}") for v in values]
        fig.add_trace(
            go.Scatter(
                x=periods,
                y=values,
                mode="lines+markers+text",
                name="median" if p90 else "value",
                line={"color": colour, "width": 2.5},
                marker={
                    "size": 9,
                    "color": ["white" if (pd.isna(n) or n < SMALL_N) else colour for n in ns],
                    "line": {"color": colour, "width": 2},
                },
                text=text,
                textposition="top center",
                textfont={"size": 11, "color": colour},
                showlegend=False,
                hovertemplate="%{x}: %{y:.2f}<extra>" + column + "</extra>",
            ),
            row=row,
            col=col,
        )
        if p90:
            fig.add_trace(
                go.Scatter(
                    x=periods,
                    y=pd.to_numeric(df[p90], errors="coerce"),
                    mode="lines",
                    line={"color": rgba(colour, 0.7), "dash": "dash", "width": 1.5},
                    showlegend=False,
                    hovertemplate="%{x}: p90 %{y:.1f} days<extra></extra>",
                ),
                row=row,
                col=col,
            )
        top = pd.concat([values, pd.to_numeric(df[p90], errors="coerce") if p90 else values]).max()
        fig.update_yaxes(
            title_text=axis,
            row=row,
            col=col,
            rangemode="tozero",
            tickformat=".0%" if column in SHARES else None,
            range=[0, 1.18] if column in SHARES else [0, 1.2 * float(top)] if pd.notna(top) else None,
        )
        fig.update_xaxes(
            type="category",
            row=row,
            col=col,
            tickvals=periods,
            tickfont={"size": 10},
            ticktext=[f"{p}<br>n={_n(n)}" for p, n in zip(periods, ns, strict=True)],
        )
        if values.isna().all():  # e.g. imported post-mortems: no published analysis, no work item
            fig.add_annotation(
                text="no data in these quarters",
                showarrow=False,
                font={"size": 13, "color": "#777"},
                x=0.5,
                y=0.5,
                xref=f"x{i + 1 if i else ''} domain",
                yref=f"y{i + 1 if i else ''} domain",
            )
        if quarter and quarter in periods:
            fig.add_vrect(
                x0=periods.index(quarter) - 0.4,
                x1=periods.index(quarter) + 0.4,
                fillcolor="rgba(0,0,0,0.06)",
                line_width=0,
                row=row,
                col=col,
            )
    # The legend explains the encodings (a grey key, so it reads for every panel's colour).
    for name, line, marker in (
        ("median (time panels) or share", {"color": "#555", "width": 2.5}, {"size": 9, "color": "#555"}),
        (
            f"n < {SMALL_N}: read with care",
            {"color": "#555", "width": 2.5},
            {"size": 9, "color": "white", "line": {"color": "#555", "width": 2}},
        ),
        ("90th percentile (time to insight)", {"color": "#888", "width": 1.5, "dash": "dash"}, None),
    ):
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines+markers" if marker else "lines",
                name=name,
                line=line,
                marker=marker or {},
                showlegend=True,
                hoverinfo="skip",
            )
        )
    first, last = (periods[0], periods[-1]) if periods else ("", "")
    style(
        fig,
        title,
        subtitle=f"loop metrics per quarter, {first} to {last}"
        + (f"; the review quarter {quarter} is shaded" if quarter in periods else "")
        + ".<br>Incidents are bucketed by start, analyses by publication; n under each quarter "
        "is the sample the share or median is over.",
        width=SLIDE[0],
        height=SLIDE[1],
    )
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.06, "xanchor": "left", "x": 0.0, "font": {"size": 12}},
        margin={"t": 150, "b": 40, "l": 70, "r": 20},
    )
    fig.update_annotations(font={"size": 14})
    return fig


def trends_table(metrics: pd.DataFrame, quarter: str | None = None) -> pd.DataFrame:
    """The figures behind `loop_trends_figure`: each value with its n, per quarter."""
    df = metrics[metrics["period"] != "all"]
    if quarter is not None:
        df = df[df["period"] <= quarter]
    cols = [
        "period",
        "incidents",
        "repeats",
        "repeat_rate",
        "gated_incidents",
        "tti_median_days",
        "tti_p90_days",
        "remediated",
        "ttr_median_days",
        "roadmap_items",
        "roadmap_traced_share",
    ]
    out = df[cols].copy()
    for c in ("repeat_rate", "roadmap_traced_share"):
        out[c] = [None if pd.isna(v) else f"{v:.0%}" for v in out[c]]
    for c in ("tti_median_days", "tti_p90_days", "ttr_median_days"):
        out[c] = [None if pd.isna(v) else round(float(v), 1) for v in out[c]]
    return out.reset_index(drop=True)
