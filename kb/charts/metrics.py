"""An incident's metric snapshots drawn over the incident window, with detection and mitigation marked.

`metric_snapshots_figure(packet)` is one plotly figure, a row per snapshot (the series as
stored in MetricSnapshot.points, whoever filled them: a packet author, `kb capture metrics`,
the demo); `metric_sparkline(...)` is the same series as a line of text for the markdown review.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from kb.charts.palette import style
from kb.model import EventPacket, MetricSnapshot

MARKS = (("detected_at", "detected", "#d62728"), ("mitigated_at", "mitigated", "#2ca02c"))
"""The incident times drawn on every snapshot: field, label, colour."""
_BLOCKS = "▁▂▃▄▅▆▇█"


def marks(packet: EventPacket) -> list[tuple[str, datetime]]:
    """(label, time) of the incident's detection and mitigation, where the packet states them."""
    inc = packet.incident
    return [(label, value) for field, label, _ in MARKS if (value := getattr(inc, field)) is not None]


def window(packet: EventPacket, snapshot: MetricSnapshot) -> tuple[datetime, datetime]:
    """The span to draw: the series and the incident (start to resolution), whichever is wider."""
    times = [p.at for p in snapshot.points] + [packet.incident.started_at] + [t for _, t in marks(packet)]
    if packet.incident.resolved_at:
        times.append(packet.incident.resolved_at)
    lo, hi = min(times), max(times)
    return (lo, hi) if hi > lo else (lo - timedelta(minutes=5), hi + timedelta(minutes=5))


def metric_snapshots_figure(packet: EventPacket, *, height_per_metric: int = 260) -> go.Figure:
    """One row per metric snapshot: its series, with the incident's detection and mitigation as
    dashed vertical lines and the incident (start to resolution) shaded. No snapshots: an empty figure
    that says so."""
    snaps = packet.metrics
    rows = max(len(snaps), 1)
    titles = [f"{s.name} ({s.unit})" if s.unit else s.name for s in snaps] or ["no metric snapshots recorded"]
    fig = make_subplots(rows=rows, cols=1, subplot_titles=titles, vertical_spacing=min(0.12, 0.3 / rows))
    inc = packet.incident
    for row, snap in enumerate(snaps, start=1):
        points = sorted(snap.points, key=lambda p: p.at)
        fig.add_trace(
            go.Scatter(
                x=[p.at for p in points],
                y=[p.value for p in points],
                mode="lines+markers",
                name=snap.name,
                line={"color": "#1f77b4", "width": 2},
                hovertemplate="%{x|%Y-%m-%d %H:%M:%S} UTC<br>%{y}"
                + (f" {snap.unit}" if snap.unit else "")
                + "<extra></extra>",
                showlegend=False,
            ),
            row=row,
            col=1,
        )
        lo, hi = window(packet, snap)
        fig.update_xaxes(range=[lo, hi], row=row, col=1)
        end = inc.resolved_at or inc.mitigated_at
        if end is not None:
            fig.add_vrect(x0=inc.started_at, x1=end, fillcolor="#999999", opacity=0.12, line_width=0, row=row, col=1)
        for field, label, colour in MARKS:
            at = getattr(inc, field)
            if at is None:
                continue
            # A shape and an annotation, not add_vline(annotation_text=...): that one fails on date axes.
            fig.add_shape(
                type="line",
                x0=at,
                x1=at,
                y0=0,
                y1=1,
                yref="y domain" if row == 1 else f"y{row} domain",
                xref="x" if row == 1 else f"x{row}",
                line={"color": colour, "width": 1.5, "dash": "dash"},
            )
            fig.add_annotation(
                x=at,
                y=1,
                yref="y domain" if row == 1 else f"y{row} domain",
                xref="x" if row == 1 else f"x{row}",
                text=f"{label} {at:%H:%M}",
                showarrow=False,
                xanchor="left",
                yanchor="top",
                font={"color": colour, "size": 11},
            )
    style(
        fig,
        title=f"{inc.id}: metric snapshots over the incident",
        subtitle="shaded: start to resolution; dashed: detection and mitigation (UTC)",
        height=max(height_per_metric * rows + 120, 300),
    )
    return fig


def metric_sparkline(packet: EventPacket, snapshot: MetricSnapshot, width: int = 48) -> tuple[str, str]:
    """The series as a line of block characters over the window (linear between measurements,
    blank where nothing was measured), and a line under it with D at detection, M at mitigation."""
    points = sorted(snapshot.points, key=lambda p: p.at)
    lo, hi = window(packet, snapshot)
    step = (hi - lo) / (width - 1)

    def column(at: datetime) -> int:
        return min(width - 1, max(0, round((at - lo) / step)))

    values = [p.value for p in points]
    vmin, vmax = (min(values), max(values)) if values else (0.0, 0.0)

    def block(value: float) -> str:
        return _BLOCKS[0 if vmax == vmin else round((value - vmin) / (vmax - vmin) * (len(_BLOCKS) - 1))]

    cells = [" "] * width
    for a, b in zip(points, points[1:], strict=False):
        for c in range(column(a.at), column(b.at) + 1):
            t = lo + step * c
            share = 0.0 if b.at == a.at else min(1.0, max(0.0, (t - a.at) / (b.at - a.at)))
            cells[c] = block(a.value + (b.value - a.value) * share)
    for p in points:  # every measurement shows, even a lone one
        cells[column(p.at)] = block(p.value)
    under = [" "] * width
    for label, at in marks(packet):
        c = column(at)
        under[c] = ("D" if label == "detected" else "M") if under[c] == " " else "*"  # *: both in one column
    return "".join(cells).rstrip(), "".join(under).rstrip()
