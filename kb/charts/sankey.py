"""An alluvial (Sankey) diagram drawn with our own layout, so labels and values land where we put them.

plotly's go.Sankey places node labels over the flows and cannot print a flow's value,
and a long label is either cut or runs across the bands. Here every node is a bar; the
first column's labels sit left of it, the last column's right of it (wrapped, never
cut), a middle column's label sits in the gap above its bar on a white ground; every
flow thick enough to hold a number carries its value just after its source bar. The
axes are in pixels of the plot area (y grows downwards), so the layout arithmetic is
exact for a figure of the given size.
"""

from __future__ import annotations

import textwrap
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from kb.charts.palette import rgba

BAR_PX = 14
PAD_PX = 8
FONT_PX = 12
LINE_PX = 15  # line height of a label at FONT_PX
CHAR_EM = 0.58  # a generous average glyph width, in em, for fitting labels
VALUE_MIN_PX = 14  # a flow thinner than this carries no number (the tables have it)
MAX_UNIT_PX = 30  # at most this many pixels of band per unit of flow


@dataclass(frozen=True)
class Node:
    key: str
    label: str
    colour: str


def text_px(text: str, size: float = FONT_PX) -> float:
    """Estimated width of one line of text (no layout engine here: a generous per-glyph average)."""
    return len(text) * size * CHAR_EM


def wrap(text: str, chars: int) -> list[str]:
    return textwrap.wrap(" ".join(text.split()), max(8, chars)) or [""]


def fmt_value(v: float) -> str:
    return f"{v:.0f}" if abs(v - round(v)) < 0.05 else f"{v:.1f}"


def alluvial(
    columns: Sequence[Sequence[Node]],
    flows: Mapping[tuple[str, str], tuple[float, str]],
    *,
    column_titles: Sequence[str],
    width: int,
    height: int,
    margin_top: int = 120,
    unit: str = "findings",
    side_chars: int = 40,
    middle_chars: int = 20,
) -> go.Figure:
    """Draw `flows` ((source key, target key) -> (value, colour)) between `columns` of nodes.

    Node keys must be unique over all columns. Nodes without flow are dropped.
    """
    size: defaultdict[str, float] = defaultdict(float)
    size_in: defaultdict[str, float] = defaultdict(float)
    size_out: defaultdict[str, float] = defaultdict(float)
    for (a, b), (v, _) in flows.items():
        size_out[a] += v
        size_in[b] += v
    for key in set(size_in) | set(size_out):
        size[key] = max(size_in[key], size_out[key])
    cols = [[n for n in col if size[n.key] > 0] for col in columns]
    last = len(cols) - 1
    margin = {"l": 20, "r": 20, "t": margin_top, "b": 20}
    pw, ph = width - margin["l"] - margin["r"], height - margin["t"] - margin["b"]

    labels: dict[str, list[str]] = {}
    for c, col in enumerate(cols):
        chars = side_chars if c in (0, last) else middle_chars
        for n in col:
            labels[n.key] = wrap(f"{n.label}: {fmt_value(size[n.key])}", chars)
    left_px = max((text_px(line) for n in cols[0] for line in labels[n.key]), default=0) + 10
    right_px = max((text_px(line) for n in cols[last] for line in labels[n.key]), default=0) + 10
    xs = [left_px + (pw - left_px - right_px - BAR_PX) * c / max(1, last) for c in range(len(cols))]

    def label_px(c: int, key: str) -> float:
        return len(labels[key]) * LINE_PX

    def column_px(c: int, k: float) -> float:
        """Height a column needs at `k` pixels per unit of flow."""
        if c in (0, last):
            return sum(max(size[n.key] * k, label_px(c, n.key)) + PAD_PX for n in cols[c])
        return sum(size[n.key] * k + label_px(c, n.key) + 4 + PAD_PX for n in cols[c])

    lo, hi = 0.0, ph / max(1e-9, max(sum(size[n.key] for n in col) for col in cols if col))
    for _ in range(40):  # the largest scale at which every column fits
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if all(column_px(c, mid) <= ph for c in range(len(cols))) else (lo, mid)
    k = min(lo, MAX_UNIT_PX)  # a handful of findings should not fill the slide with bands

    top: dict[str, float] = {}  # y of a node bar's top edge
    centre: dict[str, float] = {}
    x_of: dict[str, float] = {}
    fig = go.Figure()
    for c, col in enumerate(cols):
        y = (ph - column_px(c, k) + PAD_PX) / 2
        for n in col:
            bar = size[n.key] * k
            if c in (0, last):
                slot = max(bar, label_px(c, n.key))
                top[n.key] = y + (slot - bar) / 2
                y += slot + PAD_PX
            else:
                top[n.key] = y + label_px(c, n.key) + 4
                y += bar + label_px(c, n.key) + 4 + PAD_PX
            centre[n.key] = top[n.key] + bar / 2
            x_of[n.key] = xs[c]
            fig.add_shape(
                type="rect",
                x0=xs[c],
                x1=xs[c] + BAR_PX,
                y0=top[n.key],
                y1=top[n.key] + max(bar, 1.5),
                xref="x",
                yref="y",
                fillcolor=n.colour,
                line={"color": "#555", "width": 0.5},
            )

    # Flows: at a node, stacked in the order of the other end's height (fewer crossings).
    out_at = dict(top)
    in_at = dict(top)
    order = sorted(flows, key=lambda ab: (centre.get(ab[0], 0), centre.get(ab[1], 0)))
    starts: dict[tuple[str, str], float] = {}
    for a, b in sorted(order, key=lambda ab: (ab[0], centre.get(ab[1], 0))):
        starts[(a, b)] = out_at[a]
        out_at[a] += flows[(a, b)][0] * k
    ends: dict[tuple[str, str], float] = {}
    for a, b in sorted(order, key=lambda ab: (ab[1], centre.get(ab[0], 0))):
        ends[(a, b)] = in_at[b]
        in_at[b] += flows[(a, b)][0] * k
    names = {n.key: n.label for col in cols for n in col}
    value_notes: list[dict[str, object]] = []
    for a, b in order:
        v, colour = flows[(a, b)]
        t = v * k
        x0, x1 = x_of[a] + BAR_PX, x_of[b]
        y0, y1 = starts[(a, b)], ends[(a, b)]
        steps = [i / 24 for i in range(25)]
        upper = [_bezier(x0, x1, y0, y1, s) for s in steps]
        lower = [_bezier(x0, x1, y0 + t, y1 + t, s) for s in reversed(steps)]
        pts = upper + lower + [upper[0]]
        fig.add_trace(
            go.Scatter(
                x=[p[0] for p in pts],
                y=[p[1] for p in pts],
                mode="lines",
                fill="toself",
                fillcolor=rgba(colour, 0.38),
                line={"width": 0},
                showlegend=False,
                hoveron="fills",
                hoverinfo="text",
                text=f"{names[a]} → {names[b]}: {fmt_value(v)} {unit}",
            )
        )
        if t >= VALUE_MIN_PX:
            value_notes.append(
                {
                    "x": x0 + 4,
                    "y": y0 + t / 2,
                    "text": fmt_value(v),
                    "xanchor": "left",
                    "yanchor": "middle",
                    "showarrow": False,
                    "xref": "x",
                    "yref": "y",
                    "font": {"size": 11, "color": "#222"},
                }
            )
    for note in value_notes:
        fig.add_annotation(**note)

    for c, col in enumerate(cols):
        for n in col:
            text = "<br>".join(labels[n.key])
            bar = size[n.key] * k
            if c == 0:
                fig.add_annotation(
                    x=xs[c] - 4,
                    y=top[n.key] + bar / 2,
                    text=text,
                    xanchor="right",
                    yanchor="middle",
                    align="right",
                    showarrow=False,
                    xref="x",
                    yref="y",
                    font={"size": FONT_PX},
                )
            elif c == last:
                fig.add_annotation(
                    x=xs[c] + BAR_PX + 4,
                    y=top[n.key] + bar / 2,
                    text=text,
                    xanchor="left",
                    yanchor="middle",
                    align="left",
                    showarrow=False,
                    xref="x",
                    yref="y",
                    font={"size": FONT_PX},
                )
            else:
                fig.add_annotation(
                    x=xs[c] + BAR_PX / 2,
                    y=top[n.key] - 2,
                    text=text,
                    xanchor="center",
                    yanchor="bottom",
                    align="center",
                    showarrow=False,
                    xref="x",
                    yref="y",
                    bgcolor="rgba(255,255,255,0.85)",
                    borderpad=0,
                    font={"size": FONT_PX},
                )
    for c, heading in enumerate(column_titles[: len(cols)]):
        anchor = "left" if c == 0 else "right" if c == last else "center"
        x = 0 if c == 0 else pw if c == last else xs[c] + BAR_PX / 2
        fig.add_annotation(
            x=x,
            y=1.0,
            yshift=6,
            text=f"<b>{heading}</b>",
            xanchor=anchor,
            yanchor="bottom",
            showarrow=False,
            xref="x",
            yref="paper",
            font={"size": 13, "color": "#444"},
        )
    fig.update_xaxes(visible=False, range=[0, pw], fixedrange=True)
    fig.update_yaxes(visible=False, range=[ph, 0], fixedrange=True)
    fig.update_layout(width=width, height=height, margin=margin, showlegend=False, hovermode="closest")
    return fig


def _bezier(x0: float, x1: float, y0: float, y1: float, s: float) -> tuple[float, float]:
    """A cubic with horizontal tangents at both ends (the classic Sankey link)."""
    xm = (x0 + x1) / 2
    u = 1 - s
    x = u**3 * x0 + 3 * u * u * s * xm + 3 * u * s * s * xm + s**3 * x1
    y = u**3 * y0 + 3 * u * u * s * y0 + 3 * u * s * s * y1 + s**3 * y1
    return x, y
