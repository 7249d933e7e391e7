"""One incident's causal web: factors by category, influences, barriers by status, the impact, the findings.

Layout is layered from the impact outwards: the impact is the rightmost column, a
factor's column is the length of its longest influence path to the impact (so causes
flow left to right), barriers sit half a step in front of the factors that defeated
them, findings form the leftmost column. Within a column, nodes are ordered by the
barycentre of their neighbours (a few Sugiyama-style sweeps) to cut edge crossings,
and spaced far enough apart that one-line labels never overlap. Big webs are cut
to the `max_factors` best-connected factors (and whatever hangs off them).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import networkx as nx
import pandas as pd
import plotly.graph_objects as go

from kb.charts.palette import (
    BARRIER_STATUS,
    CATEGORY,
    FINDING_STATUS,
    NODE_KIND,
    SLIDE,
    severity_label,
    style,
)
from kb.model import DEFEATED_STATUSES, IMPACT, EventPacket

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase

ROW_PX = 58  # vertical room per node: marker + two label lines + air
LEGEND_PX = 210  # the legend column on the right
COLUMN_PX = 190  # horizontal room per column
CHAR_PX = 7.0  # average glyph width at the label font size


# -- the graph ----------------------------------------------------------------------------------
def web_graph(packet: EventPacket, analysis: str | None = None) -> nx.DiGraph:
    """The causal web as a DiGraph. Nodes: "impact", "factor:ID", "barrier:SLUG", "finding:ID".

    Node attributes: kind, label, hover, and category / status where they apply.
    Edge attribute `kind`: influence, defeated, guards (barrier -> impact), addresses.
    """
    g = nx.DiGraph()
    inc = packet.incident
    impacts = "; ".join(f"{m.stakeholder}: {m.statement}" for m in packet.impacts) or (inc.customer_impact or "")
    g.add_node(
        IMPACT,
        kind="impact",
        label="impact",
        layer=0.0,
        hover=_hover(f"Impact of {inc.id}", inc.title, impacts, f"{severity_label(inc.severity)}"),
    )
    analyses = [a for a in packet.analyses if analysis is None or a.id == analysis]
    for a in analyses:
        for f in a.factors:
            g.add_node(
                f"factor:{f.id}",
                kind="factor",
                category=f.category.value,
                label=f.statement,
                hover=_hover(
                    f"{f.id} · {f.category.value}" + (" (guessed)" if f.category_guessed else ""),
                    f.statement,
                    "themes: " + (", ".join(f.themes) or "none"),
                    f"analysis {a.id} ({a.method.value})",
                ),
            )
        for inf in a.influences:
            target = IMPACT if inf.target == IMPACT else f"factor:{inf.target}"
            g.add_edge(f"factor:{inf.source}", target, kind="influence")
        for b in a.barriers:
            node = f"barrier:{b.barrier}"
            name = b.name or b.barrier.replace("-", " ")
            g.add_node(
                node,
                kind="barrier",
                status=b.status.value,
                label=name,
                hover=_hover(
                    f"barrier · {b.status.value}" + (f" · {b.kind.value}" if b.kind else ""),
                    name,
                    ("defeated by " + ", ".join(b.defeated_by)) if b.defeated_by else "",
                    b.note or "",
                ),
            )
            for fid in b.defeated_by:
                g.add_edge(f"factor:{fid}", node, kind="defeated")
            g.add_edge(node, IMPACT, kind="guards")
        themes_of: dict[str, list[str]] = {}
        for f in a.factors:
            for t in f.themes:
                themes_of.setdefault(t, []).append(f"factor:{f.id}")
        for n in a.findings:
            node = f"finding:{n.id}"
            follow = [
                f"work: {w.external_id or w.title or w.system} ({w.status or 'no status'})" for w in n.work_items
            ] + [f"OKR: {o.objective}" for o in n.okrs]
            g.add_node(
                node,
                kind="finding",
                status=n.status.value,
                label=n.statement,
                hover=_hover(
                    f"finding {n.id} · {n.status.value}"
                    + (f" · owner {n.owner}" if n.owner else "")
                    + (f" · impact {n.impact}/effort {n.effort}" if n.impact and n.effort else ""),
                    n.statement,
                    *follow,
                ),
            )
            for ref in n.addresses:
                if ref.startswith("theme:"):
                    targets = themes_of.get(ref.removeprefix("theme:"), [])
                elif ref.startswith("barrier:"):
                    targets = [ref]
                else:
                    targets = [f"factor:{ref}"]
                for t in targets:
                    if t in g:
                        g.add_edge(node, t, kind="addresses")
    _assign_layers(g)
    return g


def _hover(head: str, body: str, *extra: str) -> str:
    wrapped = "<br>".join(textwrap.wrap(body, 70)) if body else ""
    lines = [f"<b>{head}</b>", wrapped, *("<br>".join(textwrap.wrap(e, 70)) for e in extra if e)]
    return "<br>".join(x for x in lines if x)


def _assign_layers(g: nx.DiGraph) -> None:
    """layer = longest influence path from a factor to the impact (1 = direct cause)."""
    factors = [n for n, d in g.nodes(data=True) if d["kind"] == "factor"]
    causal = nx.DiGraph()
    causal.add_nodes_from(factors + [IMPACT])
    causal.add_edges_from((u, v) for u, v, d in g.edges(data=True) if d["kind"] == "influence")
    # A cycle (a loop of mutual influence) collapses into one layer through the condensation.
    cond = nx.condensation(causal)
    depth: dict[int, int] = {}
    for c in reversed(list(nx.topological_sort(cond))):
        succ = list(cond.successors(c))
        depth[c] = 1 + max(depth[s] for s in succ) if succ else (0 if IMPACT in cond.nodes[c]["members"] else 1)
    mapping = cond.graph["mapping"]
    for n in factors:
        g.nodes[n]["layer"] = float(max(1, depth[mapping[n]]))
    for n, d in g.nodes(data=True):
        if d["kind"] == "barrier":
            layers = [g.nodes[u]["layer"] for u in g.predecessors(n) if g.nodes[u]["kind"] == "factor"]
            d["layer"] = min(layers) - 0.5 if layers else 0.5
    deepest = max((d["layer"] for _, d in g.nodes(data=True) if d["kind"] != "finding"), default=0.0)
    for _, d in g.nodes(data=True):
        if d["kind"] == "finding":
            d["layer"] = float(int(deepest) + 1)


# -- filtering ----------------------------------------------------------------------------------
@dataclass
class WebView:
    graph: nx.DiGraph
    total_factors: int
    shown_factors: int
    note: str


def filter_web(
    g: nx.DiGraph,
    *,
    max_factors: int | None = 40,
    categories: Iterable[str] | None = None,
    show_barriers: bool = True,
    show_findings: bool = True,
) -> WebView:
    """Keep the best-connected factors (degree, then nearness to the impact) and what hangs off them."""
    factors = [n for n, d in g.nodes(data=True) if d["kind"] == "factor"]
    wanted = set(categories) if categories is not None else None
    pool = [n for n in factors if wanted is None or g.nodes[n]["category"] in wanted]
    pool.sort(key=lambda n: (-g.degree(n), g.nodes[n]["layer"], n))
    keep_factors = set(pool if max_factors is None else pool[:max_factors])
    keep = {IMPACT} | keep_factors
    if show_barriers:
        keep |= {
            n
            for n, d in g.nodes(data=True)
            if d["kind"] == "barrier"
            and (
                not any(g.nodes[u]["kind"] == "factor" for u in g.predecessors(n))
                or any(u in keep_factors for u in g.predecessors(n))
            )
        }
    findings = [n for n, d in g.nodes(data=True) if d["kind"] == "finding"]
    cut = len(keep_factors) < len(factors)
    shown_findings: list[str] = []
    if show_findings:
        # Findings about what is shown (unattached ones only when nothing was cut), the ones
        # addressing most of it first, no more of them than factors.
        hits = {n: sum(1 for v in g.successors(n) if v in keep) for n in findings}
        shown_findings = sorted(
            (n for n in findings if hits[n] or (not cut and g.out_degree(n) == 0)), key=lambda n: (-hits[n], n)
        )
        if max_factors is not None and len(shown_findings) > max_factors:
            shown_findings = shown_findings[:max_factors]
        keep |= set(shown_findings)
    sub = g.subgraph(keep).copy()
    notes = []
    if len(keep_factors) < len(factors):
        why = []
        if wanted is not None:
            why.append("categories " + ", ".join(sorted(wanted)))
        if max_factors is not None and len(pool) > max_factors:
            why.append(f"the {max_factors} best connected")
        notes.append(f"showing {len(keep_factors)} of {len(factors)} factors ({'; '.join(why)})")
    if show_findings and len(shown_findings) < len(findings):
        notes.append(f"{len(shown_findings)} of {len(findings)} findings (those about the factors shown)")
    return WebView(sub, len(factors), len(keep_factors), "; ".join(notes))


# -- layout -------------------------------------------------------------------------------------
def layered_positions(g: nx.DiGraph, sweeps: int = 6) -> dict[str, tuple[float, float]]:
    """x = -layer (impact on the right); y spread evenly per column, ordered by neighbour barycentres."""
    columns: dict[float, list[str]] = {}
    kind_rank = {"impact": 0, "barrier": 1, "factor": 2, "finding": 3}
    cat_rank = {c: i for i, c in enumerate(CATEGORY)}
    for n, d in sorted(
        g.nodes(data=True), key=lambda nd: (kind_rank[nd[1]["kind"]], cat_rank.get(nd[1].get("category", ""), 9), nd[0])
    ):
        columns.setdefault(d["layer"], []).append(n)
    y: dict[str, float] = {}

    def spread(col: list[str]) -> None:
        for i, n in enumerate(col):
            y[n] = (len(col) - 1) / 2 - i

    for col in columns.values():
        spread(col)
    undirected = g.to_undirected(as_view=True)
    order = sorted(columns)
    for sweep in range(sweeps):
        for layer in order if sweep % 2 == 0 else list(reversed(order)):
            col = columns[layer]
            if len(col) < 2:
                continue

            def centre(n: str, layer: float = layer) -> float:
                ys = [y[m] for m in undirected.neighbors(n) if g.nodes[m]["layer"] != layer]
                return sum(ys) / len(ys) if ys else y[n]

            col.sort(key=lambda n: (-centre(n), n))
            spread(col)
    # Columns are evenly spaced whatever their layer (barriers sit on half layers), so every
    # column gets the same room for its labels.
    x_of = {layer: -i for i, layer in enumerate(order)}
    # Barrier columns sit half a row off, so the straight factor -> impact lines that cross
    # the column pass between barriers rather than through them.
    return {
        n: (float(x_of[g.nodes[n]["layer"]]), y[n] + (0.5 if g.nodes[n]["kind"] == "barrier" else 0.0)) for n in g.nodes
    }


# -- the figure ---------------------------------------------------------------------------------
KEY_MAX = 30  # up to this many factors + barriers + findings: ids on the nodes and a numbered key
MARKER_PX = 26  # marker size when the node carries its id
KEY_FONT = 11
KEY_LINE_PX = 15  # line height of the key at KEY_FONT
KEY_CHARS = 64  # characters per key line
ID_PREFIX = {"factor": "F", "barrier": "B", "finding": "R"}


def _short(text: str, chars: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def _label(text: str, chars: int) -> str:
    """At most two lines of `chars` characters, the second ending in an ellipsis when cut (big webs only)."""
    lines = textwrap.wrap(" ".join(text.split()), chars)
    if len(lines) <= 2:
        return "<br>".join(lines)
    return lines[0] + "<br>" + _short(" ".join(lines[1:]), chars)


def node_ids(g: nx.DiGraph, pos: dict[str, tuple[float, float]]) -> dict[str, str]:
    """F1, F2, ... B1, ... R1, ...: numbered left to right, top to bottom, per kind."""
    ids: dict[str, str] = {}
    for kind, prefix in ID_PREFIX.items():
        members = sorted(
            (n for n, d in g.nodes(data=True) if d["kind"] == kind), key=lambda n: (pos[n][0], -pos[n][1], n)
        )
        ids.update({n: f"{prefix}{i}" for i, n in enumerate(members, 1)})
    return ids


def _key_lines(g: nx.DiGraph, ids: dict[str, str]) -> list[str]:
    """The numbered key: every labelled node's full text, wrapped, never cut."""
    lines: list[str] = []
    for kind, heading in (("factor", "factors"), ("barrier", "barriers"), ("finding", "findings")):
        members = sorted((n for n in ids if g.nodes[n]["kind"] == kind), key=lambda n: int(ids[n][1:]))
        if not members:
            continue
        lines.append(f"<b>{heading}</b>")
        for n in members:
            d = g.nodes[n]
            extra = f" ({d['status']})" if kind in ("barrier", "finding") else ""
            wrapped = textwrap.wrap(" ".join(str(d["label"]).split()) + extra, KEY_CHARS - 5) or [""]
            lines.append(f"<b>{ids[n]}</b>  {wrapped[0]}")
            lines += [f"      {w}" for w in wrapped[1:]]
    return lines


def causal_web_figure(
    packet: EventPacket,
    *,
    analysis: str | None = None,
    max_factors: int | None = 40,
    categories: Sequence[str] | None = None,
    show_barriers: bool = True,
    show_findings: bool = True,
    width: int | None = None,
    key: bool | None = None,
) -> go.Figure:
    """The causal web of one incident, legible up to hundreds of factors (see `filter_web`).

    With `key` (the default up to KEY_MAX labelled nodes) every node carries a short id (F1, B1,
    R1) and a numbered key beside the web gives each one's full text; bigger webs label the nodes
    themselves (two lines, the hover has the rest).
    """
    full = web_graph(packet, analysis)
    view = filter_web(
        full, max_factors=max_factors, categories=categories, show_barriers=show_barriers, show_findings=show_findings
    )
    g = view.graph
    pos = layered_positions(g)
    layers = sorted({d["layer"] for _, d in g.nodes(data=True)})
    tallest = max((sum(1 for _, d in g.nodes(data=True) if d["layer"] == x) for x in layers), default=1)
    labelled = sum(1 for _, d in g.nodes(data=True) if d["kind"] in ID_PREFIX)
    use_key = labelled <= KEY_MAX if key is None else key
    ids = node_ids(g, pos) if use_key else {}
    key_lines = _key_lines(g, ids) if use_key else []
    key_px = KEY_CHARS * KEY_FONT * 0.55 + 30 if use_key else 0
    if use_key:
        width = width or max(SLIDE[0], int(key_px + 110 + 100 * len(layers)))  # 7 columns still fit a slide
        row_px = 46
    else:
        width = width or max(1000, min(2600, LEGEND_PX + 140 + COLUMN_PX * len(layers)))
        row_px = ROW_PX
    top_px = 130 if view.note else 110
    bottom_px = 150 if use_key else 70
    plot_h = max(row_px * tallest, len(key_lines) * KEY_LINE_PX + 10)
    height = max(SLIDE[1] if use_key else 620, top_px + bottom_px + plot_h)
    fig = go.Figure()
    plot_w = width - (key_px + 40 if use_key else LEGEND_PX + 40)
    x_range = (-len(layers) + 0.4, 0.6)
    y_range = (-(tallest + 1) / 2, (tallest + 1) / 2)
    px = (plot_w / (x_range[1] - x_range[0]), (height - top_px - bottom_px) / (y_range[1] - y_range[0]))
    _edges(fig, g, pos, px, arrows=True)
    if use_key:
        _id_nodes(fig, g, pos, ids)
        fig.add_annotation(
            x=1.0,
            xref="paper",
            xanchor="left",
            xshift=20,
            y=1.0,
            yref="paper",
            yanchor="top",
            text="<br>".join(key_lines),
            align="left",
            showarrow=False,
            font={"size": KEY_FONT, "color": "#222"},
        )
    else:
        column_px = plot_w / max(1, len(layers))
        _nodes(fig, g, pos, max(12, int(column_px / CHAR_PX)))

    inc = packet.incident
    methods = sorted(
        {a.method.value.replace("_", " ") for a in packet.analyses if analysis is None or a.id == analysis}
    )
    barriers = [d for _, d in full.nodes(data=True) if d["kind"] == "barrier"]
    defeated = sum(1 for d in barriers if d["status"] in DEFEATED_STATUSES)
    findings = sum(1 for _, d in full.nodes(data=True) if d["kind"] == "finding")
    parts = [
        severity_label(inc.severity),
        f"{view.total_factors} factors",
        f"{len(barriers)} barriers ({defeated} defeated)",
        f"{findings} findings",
        ", ".join(methods) or "no analysis",
    ]
    subtitle = " · ".join(parts) + ". Causes flow left to right into the impact; arrows point from cause to effect."
    if use_key:
        subtitle += " F = factor, B = barrier, R = finding (the key on the right)."
    if view.note:
        subtitle += f"<br>{view.note}"
    style(
        fig,
        f"Causal web of {inc.id}: {inc.title}",
        subtitle=subtitle,
        width=width,
        height=height,
        legend_title="" if use_key else "node / edge",
    )
    if use_key:
        fig.update_layout(
            legend={
                "orientation": "h",
                "yanchor": "top",
                "y": -0.1,
                "xanchor": "left",
                "x": 0.0,
                "entrywidth": 150,
                "font": {"size": 12},
            },
            margin={"b": bottom_px, "t": top_px, "l": 40, "r": int(key_px + 40)},
        )
    else:
        fig.update_layout(
            legend={"yanchor": "top", "y": 1.0, "xanchor": "left", "x": 1.01, "groupclick": "toggleitem"},
            margin={"b": bottom_px, "t": top_px, "l": 40, "r": LEGEND_PX},
        )
    fig.update_layout(hovermode="closest")
    fig.update_xaxes(
        title_text="distance from the impact (longest influence path) →" if not use_key else None,
        tickvals=[-i for i in range(len(layers))],
        ticktext=[_column_name(g, x) for x in layers],
        showgrid=False,
        zeroline=False,
        range=list(x_range),
        side="top" if use_key else "bottom",
    )
    fig.update_yaxes(visible=False, range=list(y_range))
    return fig


def _column_name(g: nx.DiGraph, layer: float) -> str:
    kinds = {d["kind"] for _, d in g.nodes(data=True) if d["layer"] == layer}
    if kinds == {"finding"}:
        return "findings"
    if layer == 0:
        return "impact"
    if layer % 1:
        return "barriers"
    return "direct causes" if layer == 1 else f"{int(layer)} steps"


EDGE_STYLE: dict[str, dict[str, Any]] = {
    "influence": {"color": "#555555", "width": 1.4, "dash": "solid", "name": "contributed to"},
    "defeated": {"color": BARRIER_STATUS["failed"], "width": 1.4, "dash": "dash", "name": "defeated barrier"},
    "guards": {"color": "#AAAAAA", "width": 1.0, "dash": "dot", "name": "barrier guarding the impact"},
    "addresses": {"color": NODE_KIND["finding"], "width": 1.0, "dash": "dot", "name": "finding addresses"},
}


def _route(
    a: tuple[float, float],
    b: tuple[float, float],
    obstacles: list[tuple[float, float]],
    px: tuple[float, float],
    clearance: float = 20.0,
) -> list[tuple[float, float]]:
    """A straight line, or a gentle curve bowing around every node (and its id) it would pass through."""
    (x0, y0), (x1, y1) = a, b

    def hits(bow: float) -> bool:
        for ox, oy in obstacles:
            if min(x0, x1) < ox < max(x0, x1):
                s = (ox - x0) / (x1 - x0)
                y = y0 + (y1 - y0) * s + bow * 4 * s * (1 - s)
                if abs(y - oy) * px[1] < clearance and abs(ox - x0) * px[0] > 1:
                    return True
        return False

    if x0 == x1 or not hits(0.0):
        return [a, b]
    for step in (0.5, -0.5, 1.0, -1.0, 1.5, -1.5, 2.0, -2.0):
        if not hits(step):
            break
    return [(x0 + (x1 - x0) * s, y0 + (y1 - y0) * s + step * 4 * s * (1 - s)) for s in (i / 16 for i in range(17))]


def _edges(
    fig: go.Figure, g: nx.DiGraph, pos: dict[str, tuple[float, float]], px: tuple[float, float], arrows: bool = True
) -> None:
    """Every edge with an arrowhead at its head, bowed around nodes it would otherwise cross."""
    heads: list[tuple[tuple[float, float], tuple[float, float], str, float]] = []
    for kind, st in EDGE_STYLE.items():
        xs: list[float | None] = []
        ys: list[float | None] = []
        for u, v, d in g.edges(data=True):
            if d["kind"] != kind:
                continue
            obstacles = [pos[n] for n in g.nodes if n not in (u, v)]
            path = _route(pos[u], pos[v], obstacles, px)
            xs += [p[0] for p in path] + [None]
            ys += [p[1] for p in path] + [None]
            heads.append((path[-2], path[-1], st["color"], 22 if v == IMPACT else 14))
        if xs:
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    name=st["name"],
                    hoverinfo="skip",
                    line={"color": st["color"], "width": st["width"], "dash": st["dash"]},
                    legendgroup="edges",
                    legendgrouptitle_text="edges",
                )
            )
    if not arrows:
        return
    for (x0, y0), (x1, y1), colour, standoff in heads:
        # a short shaft along the last segment: the head only, over the edge's own dash pattern
        length = math.hypot((x1 - x0) * px[0], (y1 - y0) * px[1]) or 1.0
        f = min(1.0, (standoff + 6) / length)
        fig.add_annotation(
            x=x1,
            y=y1,
            ax=x1 - (x1 - x0) * f,
            ay=y1 - (y1 - y0) * f,
            xref="x",
            yref="y",
            axref="x",
            ayref="y",
            showarrow=True,
            arrowhead=2,
            arrowsize=1.1,
            arrowwidth=1.2,
            arrowcolor=colour,
            standoff=standoff,
            text="",
        )


def _ink(colour: str) -> str:
    """Black or white text, whichever reads better on `colour`."""
    h = colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return "#111111" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#FFFFFF"


def _id_nodes(fig: go.Figure, g: nx.DiGraph, pos: dict[str, tuple[float, float]], ids: dict[str, str]) -> None:
    """Nodes as markers that carry their id; one legend entry per category, barrier and finding status."""
    # (kind, attribute, colours, legend group, marker, legend label): one legend entry per value.
    legend = (
        ("factor", "category", CATEGORY, "factors", "circle", "{} factor"),
        ("barrier", "status", BARRIER_STATUS, "barriers", "square", "barrier {}"),
        ("finding", "status", FINDING_STATUS, "findings", "diamond", "finding {}"),
    )
    groups = [
        (
            label.format(value),
            plural,
            colour,
            symbol,
            [n for n, d in g.nodes(data=True) if d["kind"] == kind and d[attr] == value],
        )
        for kind, attr, colours, plural, symbol, label in legend
        for value, colour in colours.items()
    ]
    for name, group, colour, symbol, members in groups:
        if not members:
            continue
        fig.add_trace(
            go.Scatter(
                x=[pos[n][0] for n in members],
                y=[pos[n][1] for n in members],
                mode="markers+text",
                name=name,
                marker={
                    "color": colour,
                    "size": MARKER_PX + (4 if symbol == "diamond" else 0),
                    "symbol": symbol,
                    "line": {"color": "#333", "width": 1},
                },
                text=[ids[n] for n in members],
                textposition="middle center",
                textfont={"size": 10, "color": _ink(colour)},
                hovertext=[g.nodes[n]["hover"] for n in members],
                hoverinfo="text",
                legendgroup=group,
                legendgrouptitle_text=group,
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[pos[IMPACT][0]],
            y=[pos[IMPACT][1]],
            mode="markers+text",
            name="impact",
            marker={"color": NODE_KIND["impact"], "size": 34, "symbol": "star"},
            text=["impact"],
            textposition="bottom center",
            textfont={"size": 12},
            hovertext=[g.nodes[IMPACT]["hover"]],
            hoverinfo="text",
            showlegend=False,
        )
    )


def _nodes(fig: go.Figure, g: nx.DiGraph, pos: dict[str, tuple[float, float]], label_chars: int) -> None:
    groups: list[tuple[str, str, dict[str, Any], list[str]]] = []
    for cat, colour in CATEGORY.items():
        members = [n for n, d in g.nodes(data=True) if d["kind"] == "factor" and d["category"] == cat]
        groups.append((f"{cat} factor", "factors", {"color": colour, "size": 16, "symbol": "circle"}, members))
    for status, colour in BARRIER_STATUS.items():
        members = [n for n, d in g.nodes(data=True) if d["kind"] == "barrier" and d["status"] == status]
        groups.append(
            (
                f"barrier {status}",
                "barriers",
                {"color": colour, "size": 17, "symbol": "square", "line": {"color": "#333", "width": 1.2}},
                members,
            )
        )
    for status, colour in FINDING_STATUS.items():
        members = [n for n, d in g.nodes(data=True) if d["kind"] == "finding" and d["status"] == status]
        groups.append(
            (
                f"finding {status}",
                "findings",
                {"color": colour, "size": 15, "symbol": "diamond", "line": {"color": NODE_KIND["finding"], "width": 2}},
                members,
            )
        )
    groups.append(("impact", "findings", {"color": NODE_KIND["impact"], "size": 30, "symbol": "star"}, [IMPACT]))
    for name, group, marker, members in groups:
        if not members:
            continue
        fig.add_trace(
            go.Scatter(
                x=[pos[n][0] for n in members],
                y=[pos[n][1] for n in members],
                mode="markers+text",
                name=name,
                marker=marker,
                text=[_label(g.nodes[n]["label"], label_chars) for n in members],
                textposition="bottom center",
                textfont={"size": 11},
                hovertext=[g.nodes[n]["hover"] for n in members],
                hoverinfo="text",
                legendgroup=group,
                legendgrouptitle_text=group,
            )
        )


def causal_web(kbase: KnowledgeBase, incident: str, **options: Any) -> go.Figure:
    """Read one incident from the graph and draw its causal web (options as for `causal_web_figure`)."""
    from kb.graph.reader import read_packets

    packets = read_packets(kbase, [incident])
    if not packets:
        raise KeyError(f"no incident {incident!r} in {kbase.description}")
    return causal_web_figure(packets[0], **options)


def causal_web_key(kbase: KnowledgeBase, incident: str, *, max_factors: int | None = 40) -> pd.DataFrame:
    """The key of `causal_web(kbase, incident)`: id, kind, category or status, full text of every node shown."""
    from kb.graph.reader import read_packets

    packets = read_packets(kbase, [incident])
    if not packets:
        raise KeyError(f"no incident {incident!r} in {kbase.description}")
    g = filter_web(web_graph(packets[0]), max_factors=max_factors).graph
    ids = node_ids(g, layered_positions(g))
    rows = [
        {
            "id": ids[n],
            "kind": g.nodes[n]["kind"],
            "category or status": g.nodes[n].get("category") or g.nodes[n].get("status", ""),
            "text": " ".join(str(g.nodes[n]["label"]).split()),
        }
        for n in sorted(ids, key=lambda n: ("FBR".index(ids[n][0]), int(ids[n][1:])))
    ]
    return pd.DataFrame(rows, columns=["id", "kind", "category or status", "text"])
