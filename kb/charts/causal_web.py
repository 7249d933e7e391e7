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

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import networkx as nx
import plotly.graph_objects as go

from kb.charts.palette import (
    BARRIER_STATUS,
    CATEGORY,
    FINDING_STATUS,
    NODE_KIND,
    severity_label,
    style,
)
from kb.model import DEFEATED_STATUSES, IMPACT, EventPacket

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase

ROW_PX = 58          # vertical room per node: marker + two label lines + air
LEGEND_PX = 210      # the legend column on the right
COLUMN_PX = 190      # horizontal room per column
CHAR_PX = 7.0        # average glyph width at the label font size


# -- the graph ----------------------------------------------------------------------------------
def web_graph(packet: EventPacket, analysis: str | None = None) -> nx.DiGraph:
    """The causal web as a DiGraph. Nodes: "impact", "factor:ID", "barrier:SLUG", "finding:ID".

    Node attributes: kind, label, hover, and category / status where they apply.
    Edge attribute `kind`: influence, defeated, guards (barrier -> impact), addresses.
    """
    g = nx.DiGraph()
    inc = packet.incident
    impacts = "; ".join(f"{m.stakeholder}: {m.statement}" for m in packet.impacts) or (inc.customer_impact or "")
    g.add_node(IMPACT, kind="impact", label="impact", layer=0.0,
               hover=_hover(f"Impact of {inc.id}", inc.title, impacts, f"{severity_label(inc.severity)}"))
    analyses = [a for a in packet.analyses if analysis is None or a.id == analysis]
    for a in analyses:
        for f in a.factors:
            g.add_node(f"factor:{f.id}", kind="factor", category=f.category.value, label=f.statement,
                       hover=_hover(f"{f.id} · {f.category.value}" + (" (guessed)" if f.category_guessed else ""),
                                    f.statement, "themes: " + (", ".join(f.themes) or "none"),
                                    f"analysis {a.id} ({a.method.value})"))
        for inf in a.influences:
            target = IMPACT if inf.target == IMPACT else f"factor:{inf.target}"
            g.add_edge(f"factor:{inf.source}", target, kind="influence")
        for b in a.barriers:
            node = f"barrier:{b.barrier}"
            name = b.name or b.barrier.replace("-", " ")
            g.add_node(node, kind="barrier", status=b.status.value, label=name,
                       hover=_hover(f"barrier · {b.status.value}" + (f" · {b.kind.value}" if b.kind else ""),
                                    name, ("defeated by " + ", ".join(b.defeated_by)) if b.defeated_by else "",
                                    b.note or ""))
            for fid in b.defeated_by:
                g.add_edge(f"factor:{fid}", node, kind="defeated")
            g.add_edge(node, IMPACT, kind="guards")
        themes_of: dict[str, list[str]] = {}
        for f in a.factors:
            for t in f.themes:
                themes_of.setdefault(t, []).append(f"factor:{f.id}")
        for n in a.findings:
            node = f"finding:{n.id}"
            follow = [f"work: {w.external_id or w.title or w.system} ({w.status or 'no status'})"
                      for w in n.work_items] + [f"OKR: {o.objective}" for o in n.okrs]
            g.add_node(node, kind="finding", status=n.status.value, label=n.statement,
                       hover=_hover(f"finding {n.id} · {n.status.value}"
                                    + (f" · owner {n.owner}" if n.owner else "")
                                    + (f" · impact {n.impact}/effort {n.effort}" if n.impact and n.effort else ""),
                                    n.statement, *follow))
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


def filter_web(g: nx.DiGraph, *, max_factors: int | None = 40, categories: Iterable[str] | None = None,
               show_barriers: bool = True, show_findings: bool = True) -> WebView:
    """Keep the best-connected factors (degree, then nearness to the impact) and what hangs off them."""
    factors = [n for n, d in g.nodes(data=True) if d["kind"] == "factor"]
    wanted = set(categories) if categories is not None else None
    pool = [n for n in factors if wanted is None or g.nodes[n]["category"] in wanted]
    pool.sort(key=lambda n: (-g.degree(n), g.nodes[n]["layer"], n))
    keep_factors = set(pool if max_factors is None else pool[:max_factors])
    keep = {IMPACT} | keep_factors
    if show_barriers:
        keep |= {n for n, d in g.nodes(data=True) if d["kind"] == "barrier"
                 and (not any(g.nodes[u]["kind"] == "factor" for u in g.predecessors(n))
                      or any(u in keep_factors for u in g.predecessors(n)))}
    findings = [n for n, d in g.nodes(data=True) if d["kind"] == "finding"]
    cut = len(keep_factors) < len(factors)
    shown_findings: list[str] = []
    if show_findings:
        # Findings about what is shown (unattached ones only when nothing was cut), the ones
        # addressing most of it first, no more of them than factors.
        hits = {n: sum(1 for v in g.successors(n) if v in keep) for n in findings}
        shown_findings = sorted((n for n in findings if hits[n] or (not cut and g.out_degree(n) == 0)),
                                key=lambda n: (-hits[n], n))
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
    for n, d in sorted(g.nodes(data=True), key=lambda nd: (kind_rank[nd[1]["kind"]],
                                                           cat_rank.get(nd[1].get("category", ""), 9), nd[0])):
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
        for layer in (order if sweep % 2 == 0 else list(reversed(order))):
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
    return {n: (float(x_of[g.nodes[n]["layer"]]), y[n] + (0.5 if g.nodes[n]["kind"] == "barrier" else 0.0))
            for n in g.nodes}


# -- the figure ---------------------------------------------------------------------------------
def _short(text: str, chars: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def _label(text: str, chars: int) -> str:
    """At most two lines of `chars` characters, the second ending in an ellipsis when cut."""
    lines = textwrap.wrap(" ".join(text.split()), chars)
    if len(lines) <= 2:
        return "<br>".join(lines)
    return lines[0] + "<br>" + _short(" ".join(lines[1:]), chars)


def causal_web_figure(packet: EventPacket, *, analysis: str | None = None, max_factors: int | None = 40,
                      categories: Sequence[str] | None = None, show_barriers: bool = True,
                      show_findings: bool = True, width: int | None = None) -> go.Figure:
    """The causal web of one incident, legible up to hundreds of factors (see `filter_web`)."""
    full = web_graph(packet, analysis)
    view = filter_web(full, max_factors=max_factors, categories=categories, show_barriers=show_barriers,
                      show_findings=show_findings)
    g = view.graph
    pos = layered_positions(g)
    layers = sorted({d["layer"] for _, d in g.nodes(data=True)})
    tallest = max((sum(1 for _, d in g.nodes(data=True) if d["layer"] == x) for x in layers), default=1)
    width = width or max(1000, min(2600, LEGEND_PX + 140 + COLUMN_PX * len(layers)))
    height = max(620, 230 + ROW_PX * tallest)  # 620: the legend's 14 rows fit without a scrollbar
    column_px = (width - LEGEND_PX - 140) / max(1, len(layers))
    label_chars = max(12, int(column_px / CHAR_PX))
    fig = go.Figure()
    _edges(fig, g, pos)
    _nodes(fig, g, pos, label_chars)

    inc = packet.incident
    methods = sorted({a.method.value.replace("_", " ") for a in packet.analyses
                      if analysis is None or a.id == analysis})
    barriers = [d for _, d in full.nodes(data=True) if d["kind"] == "barrier"]
    defeated = sum(1 for d in barriers if d["status"] in DEFEATED_STATUSES)
    findings = sum(1 for _, d in full.nodes(data=True) if d["kind"] == "finding")
    parts = [severity_label(inc.severity), f"{view.total_factors} factors",
             f"{len(barriers)} barriers ({defeated} defeated)", f"{findings} findings",
             ", ".join(methods) or "no analysis"]
    subtitle = " · ".join(parts) + ". Causes flow left to right into the impact; hover a node for its full text."
    if view.note:
        subtitle += f"<br>{view.note}"
    style(fig, f"Causal web of {inc.id}: {_short(inc.title, 70)}", subtitle=subtitle, width=width, height=height,
          legend_title="node / edge")
    fig.update_layout(
        legend={"yanchor": "top", "y": 1.0, "xanchor": "left", "x": 1.01, "groupclick": "toggleitem"},
        margin={"b": 70, "t": 120 if view.note else 100, "l": 40, "r": LEGEND_PX},
        hovermode="closest",
    )
    fig.update_xaxes(title_text="distance from the impact (longest influence path) →",
                     tickvals=[-i for i in range(len(layers))],
                     ticktext=[_column_name(g, x) for x in layers],
                     showgrid=False, zeroline=False, range=[-len(layers) + 0.4, 0.6])
    fig.update_yaxes(visible=False, range=[-(tallest + 1) / 2, (tallest + 1) / 2])
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
    "guards": {"color": "#BBBBBB", "width": 1.0, "dash": "dot", "name": "barrier guarding the impact"},
    "addresses": {"color": NODE_KIND["finding"], "width": 1.0, "dash": "dot", "name": "finding addresses"},
}


def _edges(fig: go.Figure, g: nx.DiGraph, pos: dict[str, tuple[float, float]]) -> None:
    for kind, st in EDGE_STYLE.items():
        xs: list[float | None] = []
        ys: list[float | None] = []
        for u, v, d in g.edges(data=True):
            if d["kind"] != kind:
                continue
            (x0, y0), (x1, y1) = pos[u], pos[v]
            xs += [x0, x1, None]
            ys += [y0, y1, None]
        if xs:
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=st["name"], hoverinfo="skip",
                                     line={"color": st["color"], "width": st["width"], "dash": st["dash"]},
                                     legendgroup="edges", legendgrouptitle_text="edges"))
    # Arrowheads on influences into the impact make the direction explicit where it matters most.
    for u, v, d in g.edges(data=True):
        if v == IMPACT and d["kind"] == "influence":
            (x0, y0), (x1, y1) = pos[u], pos[v]
            fig.add_annotation(x=x1, y=y1, ax=x0 + (x1 - x0) * 0.75, ay=y0 + (y1 - y0) * 0.75, xref="x", yref="y",
                               axref="x", ayref="y", showarrow=True, arrowhead=2, arrowsize=1.2,
                               arrowwidth=1.2, arrowcolor="#555555", standoff=14, text="")


def _nodes(fig: go.Figure, g: nx.DiGraph, pos: dict[str, tuple[float, float]], label_chars: int) -> None:
    groups: list[tuple[str, str, dict[str, Any], list[str]]] = []
    for cat, colour in CATEGORY.items():
        members = [n for n, d in g.nodes(data=True) if d["kind"] == "factor" and d["category"] == cat]
        groups.append((f"{cat} factor", "factors", {"color": colour, "size": 16, "symbol": "circle"}, members))
    for status, colour in BARRIER_STATUS.items():
        members = [n for n, d in g.nodes(data=True) if d["kind"] == "barrier" and d["status"] == status]
        groups.append((f"barrier {status}", "barriers", {"color": colour, "size": 17, "symbol": "square",
                                                          "line": {"color": "#333", "width": 1.2}}, members))
    findings = [n for n, d in g.nodes(data=True) if d["kind"] == "finding"]
    groups.append(("finding (fill: status)", "findings", {"color": [FINDING_STATUS.get(g.nodes[n]["status"], "#999")
                                                     for n in findings],
                                           "size": 15, "symbol": "diamond",
                                           "line": {"color": NODE_KIND["finding"], "width": 2}}, findings))
    groups.append(("impact", "findings", {"color": NODE_KIND["impact"], "size": 30, "symbol": "star"}, [IMPACT]))
    for name, group, marker, members in groups:
        if not members:
            continue
        fig.add_trace(go.Scatter(
            x=[pos[n][0] for n in members], y=[pos[n][1] for n in members], mode="markers+text", name=name,
            marker=marker, text=[_label(g.nodes[n]["label"], label_chars) for n in members],
            textposition="bottom center", textfont={"size": 11},
            hovertext=[g.nodes[n]["hover"] for n in members], hoverinfo="text",
            legendgroup=group, legendgrouptitle_text=group,
        ))


def causal_web(kbase: KnowledgeBase, incident: str, **options: Any) -> go.Figure:
    """Read one incident from the graph and draw its causal web (options as for `causal_web_figure`)."""
    from kb.graph.reader import read_packets

    packets = read_packets(kbase, [incident])
    if not packets:
        raise KeyError(f"no incident {incident!r} in {kbase.description}")
    return causal_web_figure(packets[0], **options)
