"""Recurring clusters: ranked table, co-occurrence network, theme x quarter heatmap, one cluster's incidents."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kb.analysis.clusters import ClusterResult
from kb.analysis.incident_features import as_list
from kb.charts.palette import (
    BARRIER_STATUS,
    CATEGORY,
    CATEGORY_UNKNOWN,
    NODE_KIND,
    SEQUENTIAL,
    SEVERITY,
    SLIDE,
    category_colour,
    severity_label,
    style,
)

CELL_X, CELL_Y = 3.4, 2.7  # grid cell of one cluster, in layout units
ADDRESSED_TEXT = {"none": "none", "open": "open (work open)", "done": "done"}
LIFT_BINS: tuple[tuple[float, float, str], ...] = (
    (1.5, 1.0, "lift < 3"),
    (3.0, 2.4, "lift 3–10"),
    (10.0, 4.2, "lift ≥ 10"),
)  # lower bound, px, name


def _join(values: Any, limit: int = 4) -> str:
    items = as_list(values)
    text = ", ".join(items[:limit])
    return text + (f" +{len(items) - limit}" if len(items) > limit else "")


def cluster_table_figure(clusters: pd.DataFrame, *, top: int = 12, title: str = "Recurring clusters") -> go.Figure:
    """The ranked cluster table. No row colour: "addressed" is spelled out in its own column."""
    df = clusters.head(top)
    header = [
        "#",
        "themes",
        "defeated barriers",
        "services",
        "incidents",
        "lift",
        "trend",
        "last seen",
        "agreed findings",
        "work items done",
        "addressed",
    ]
    cells = [
        df["cluster"].tolist(),
        [_join(v) for v in df["themes"]],
        [_join(v) for v in df["barriers"]],
        [_join(v, 3) or "–" for v in df["services"]],
        df["support"].tolist(),
        [f"{v:.1f}×" for v in df["lift"]],
        df["trend"].tolist(),
        [pd.Timestamp(v).strftime("%Y-%m-%d") for v in df["last_seen"]],
        df["findings_agreed"].tolist(),
        [f"{d} / {w}" for d, w in zip(df["work_items_done"], df["work_items"], strict=True)],
        [ADDRESSED_TEXT.get(str(a), str(a)) for a in df["addressed"]],
    ]
    fig = go.Figure(
        go.Table(
            columnwidth=[30, 260, 220, 120, 70, 55, 65, 90, 75, 85, 110],
            header={
                "values": [f"<b>{h}</b>" for h in header],
                "fill_color": "#E8E8E8",
                "align": "left",
                "font": {"size": 12},
                "height": 30,
            },
            cells={
                "values": cells,
                "fill_color": "white",
                "line": {"color": "#DDDDDD"},
                "align": "left",
                "font": {"size": 12},
                "height": 26,
            },
        )
    )
    lines = [
        max(len(_join(t)) // 40, len(_join(b)) // 34) + 1 for t, b in zip(df["themes"], df["barriers"], strict=True)
    ]
    height = 150 + 30 + sum(26 + 16 * (n - 1) for n in lines)
    shown = (
        f"all {len(df)} clusters"
        if len(df) == len(clusters)
        else f"the {len(df)} highest-scoring of {len(clusters)} clusters"
    )
    style(
        fig,
        title,
        subtitle=f"{shown}, best first (score: incidents × lift × spread × recency × trend). "
        "addressed: none = no finding addresses it, open = work still open, done = all done",
        width=SLIDE[0],
        height=max(320, height),
    )
    fig.update_layout(margin={"l": 20, "r": 20, "b": 20})
    return fig


# -- the co-occurrence network --------------------------------------------------------------------
LOOSE_COLS = 5  # items in no cluster: a grid of this many columns under the clusters


def _grid_layout(graph: nx.Graph) -> tuple[dict[str, tuple[float, float]], dict[int, tuple[float, float]]]:
    """Each cluster on its own circle in a grid cell; the items in no cluster in a grid below, pairs side by side."""
    groups: dict[int, list[str]] = {}
    for n, d in graph.nodes(data=True):
        groups.setdefault(int(d.get("cluster", 0)), []).append(n)
    clustered = sorted(c for c in groups if c)
    cols = min(3, max(1, len(clustered)))
    pos: dict[str, tuple[float, float]] = {}
    centres: dict[int, tuple[float, float]] = {}
    for i, c in enumerate(clustered):
        members = sorted(groups[c], key=lambda n: (graph.nodes[n].get("kind", ""), n))
        # Neighbours next to each other on the circle: a depth-first walk of the cluster's own edges.
        sub = graph.subgraph(members)
        if sub.number_of_edges():
            start = max(members, key=lambda n: (sub.degree(n), n))
            members = list(dict.fromkeys(list(nx.dfs_preorder_nodes(sub, start)) + members))
        k = len(members)
        cx, cy = (i % cols) * CELL_X, -(i // cols) * CELL_Y
        rx = min(0.35 + 0.09 * k, 1.05) if k > 1 else 0.0
        ry = rx * 0.85
        centres[c] = (cx, cy)
        for j, n in enumerate(members):
            angle = math.pi / 2 - 2 * math.pi * j / max(1, k)
            pos[n] = (cx + rx * math.cos(angle), cy + ry * math.sin(angle))
    if 0 in groups:
        loose = graph.subgraph(groups[0])
        order = [
            n
            for comp in sorted(nx.connected_components(loose), key=lambda comp: (-len(comp), min(comp)))
            for n in sorted(comp, key=lambda n: (-loose.degree(n), n))
        ]
        top = -math.ceil(len(clustered) / cols) * CELL_Y + 0.3
        step = _loose_step(cols)
        centres[0] = ((cols - 1) * CELL_X / 2, top)
        for j, n in enumerate(order):
            pos[n] = ((j % LOOSE_COLS) * step, top - 0.75 * (j // LOOSE_COLS))
    return pos, centres


def _loose_step(cols: int) -> float:
    return (cols - 1) * CELL_X / max(1, LOOSE_COLS - 1) if cols > 1 else 1.6


def cooccurrence_pairs(graph: nx.Graph) -> pd.DataFrame:
    """Every significant pair: the two items, incidents together, lift, and which cluster holds both (0: none)."""
    rows = []
    for a, b, d in graph.edges(data=True):
        ca, cb = graph.nodes[a].get("cluster", 0), graph.nodes[b].get("cluster", 0)
        first, second = sorted((graph.nodes[a]["item"], graph.nodes[b]["item"]))
        rows.append(
            {
                "item": first,
                "with": second,
                "incidents together": int(d.get("together", 0)),
                "lift": round(float(d.get("lift", 0.0)), 1),
                "cluster": int(ca) if ca == cb else 0,
            }
        )
    df = pd.DataFrame(rows, columns=["item", "with", "incidents together", "lift", "cluster"])
    return df.sort_values(["cluster", "lift"], ascending=[True, False], kind="stable").reset_index(drop=True)


def _drawn(graph: nx.Graph, pos: Mapping[str, tuple[float, float]], a: str, b: str) -> bool:
    """Pairs inside one cluster, and pairs of loose items that sit next to each other; no long crossing lines."""
    ca, cb = graph.nodes[a].get("cluster", 0), graph.nodes[b].get("cluster", 0)
    if ca != cb:
        return False
    if ca:
        return True
    (xa, ya), (xb, yb) = pos[a], pos[b]
    clustered = {int(d.get("cluster", 0)) for _, d in graph.nodes(data=True)} - {0}
    return ya == yb and abs(xa - xb) < 1.5 * _loose_step(min(3, max(1, len(clustered))))


def cooccurrence_figure(
    graph: nx.Graph,
    *,
    theme_category: Mapping[str, str] | None = None,
    cluster_names: Mapping[int, str] | None = None,
    title: str = "What keeps failing together",
) -> go.Figure:
    """Themes, defeated barriers and services that co-occur significantly, grouped by cluster.

    Node size ~ incidents; themes coloured by their dominant factor category; line width ~ lift
    (three bins in the legend). Pairs across clusters, and loose items' pairs that would cross
    the chart, are not drawn (`cooccurrence_pairs` lists them all).
    """
    theme_category = theme_category or {}
    pos, centres = _grid_layout(graph)
    fig = go.Figure()
    hidden = 0
    bins: dict[str, tuple[list[float | None], list[float | None], float]] = {
        name: ([], [], px) for _, px, name in LIFT_BINS
    }
    for a, b, d in graph.edges(data=True):
        if not _drawn(graph, pos, a, b):
            hidden += 1
            continue
        lift = float(d.get("lift", 0.0))
        name = next(n for lo, _, n in reversed(LIFT_BINS) if lift >= lo or lo == LIFT_BINS[0][0])
        xs, ys, _ = bins[name]
        xs += [pos[a][0], pos[b][0], None]
        ys += [pos[a][1], pos[b][1], None]
    for name, (xs, ys, px) in bins.items():
        if not xs:
            continue
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name=f"pair, {name}",
                line={"color": "rgba(60,60,60,0.6)", "width": px},
                hoverinfo="skip",
            )
        )
    groups: list[tuple[str, dict[str, Any], list[str]]] = []
    for cat, colour in CATEGORY.items():
        groups.append(
            (
                f"theme ({cat})",
                {"color": colour, "symbol": "circle"},
                [n for n, d in graph.nodes(data=True) if d["kind"] == "theme" and theme_category.get(d["item"]) == cat],
            )
        )
    groups.append(
        (
            "theme (uncategorised)",
            {"color": CATEGORY_UNKNOWN, "symbol": "circle"},
            [
                n
                for n, d in graph.nodes(data=True)
                if d["kind"] == "theme" and theme_category.get(d["item"]) not in CATEGORY
            ],
        )
    )
    groups.append(
        (
            "defeated barrier",
            {"color": BARRIER_STATUS["failed"], "symbol": "square"},
            [n for n, d in graph.nodes(data=True) if d["kind"] == "barrier"],
        )
    )
    groups.append(
        (
            "service",
            {"color": NODE_KIND["service"], "symbol": "triangle-up"},
            [n for n, d in graph.nodes(data=True) if d["kind"] not in ("theme", "barrier")],
        )
    )
    biggest = max((d["incidents"] for _, d in graph.nodes(data=True)), default=1)
    for name, marker, members in groups:
        if not members:
            continue
        nodes = [graph.nodes[n] for n in members]
        fig.add_trace(
            go.Scatter(
                x=[pos[n][0] for n in members],
                y=[pos[n][1] for n in members],
                mode="markers+text",
                name=name,
                marker={
                    **marker,
                    "size": [10 + 16 * math.sqrt(d["incidents"] / biggest) for d in nodes],
                    "line": {"color": "white", "width": 1},
                },
                text=[d["item"] for d in nodes],
                textfont={"size": 11},
                textposition=[_text_position(graph, pos, centres, n) for n in members],
                hovertext=[
                    f"<b>{d['item']}</b> ({d['kind']})<br>{d['incidents']} incidents"
                    f"<br>cluster {d.get('cluster', 0) or 'none'}<br>co-occurs with "
                    + ", ".join(sorted(graph.nodes[m]["item"] for m in graph.neighbors(n)))
                    for n, d in zip(members, nodes, strict=True)
                ],
                hoverinfo="text",
            )
        )
    for c, (cx, cy) in centres.items():
        label = f"cluster {c}" if c else "in no cluster (only pairs side by side are drawn)"
        if c and cluster_names and c in cluster_names:
            label += f"<br><span style='font-size:11px;color:#666'>{cluster_names[c]}</span>"
        fig.add_annotation(
            x=cx,
            y=cy + (1.22 if c else 0.45),
            text=f"<b>{label}</b>" if c else label,
            showarrow=False,
            font={"size": 13, "color": "#333"},
            yanchor="bottom" if not c else "middle",
        )
    n_clustered = len([c for c in centres if c])
    cols = min(3, max(1, n_clustered))
    loose = sum(1 for _, d in graph.nodes(data=True) if not d.get("cluster", 0))
    loose_rows = math.ceil(loose / LOOSE_COLS)
    bottom = -(math.ceil(n_clustered / cols) - 1) * CELL_Y - 1.3
    if loose:
        bottom = centres[0][1] - 0.75 * (loose_rows - 1) - 0.5
    height = int(190 + (1.5 - bottom) * 105)
    style(
        fig,
        title,
        subtitle=f"{graph.number_of_nodes()} items, {graph.number_of_edges()} significant pairs "
        f"(lift ≥ 1.5, Bonferroni-corrected); {hidden} pairs across groups are not drawn "
        "(all are in the table). Node size: incidents; line width: lift.",
        width=SLIDE[0],
        height=max(SLIDE[1], height),
    )
    fig.update_xaxes(visible=False, range=[-2.3, CELL_X * (cols - 1) + 2.3])
    fig.update_yaxes(visible=False, range=[bottom, 1.5])
    fig.update_layout(
        legend={"orientation": "h", "y": -0.01, "yanchor": "top", "x": 0.0, "font": {"size": 12}},
        margin={"l": 10, "r": 10, "b": 70},
    )
    return fig


def _text_position(
    graph: nx.Graph, pos: Mapping[str, tuple[float, float]], centres: Mapping[int, tuple[float, float]], n: str
) -> str:
    c = int(graph.nodes[n].get("cluster", 0))
    if not c:
        return "bottom center"
    (x, y), (cx, cy) = pos[n], centres[c]
    dx, dy = x - cx, y - cy
    if abs(dx) < 0.25:
        return "top center" if dy >= 0 else "bottom center"
    return "middle right" if dx > 0 else "middle left"


# -- theme x quarter ------------------------------------------------------------------------------
def theme_heatmap_figure(
    counts: pd.DataFrame,
    *,
    theme_category: Mapping[str, str] | None = None,
    highlight: str | None = None,
    incidents: Mapping[str, int] | None = None,
    values: str = "rate",
    title: str = "Themes by quarter",
) -> go.Figure:
    """Themes (rows) by quarter (columns): the share of the quarter's incidents carrying the theme, or counts.

    `incidents` (quarter -> incidents started) is the denominator of a rate and the n under each
    quarter; without it, or with values="count", cells are incident counts. The coloured square
    before a theme is its dominant factor category (legend above the chart).
    """
    theme_category = theme_category or {}
    themes = list(counts.index)
    quarters = list(counts.columns)
    rate = values == "rate" and incidents is not None
    totals = [int((incidents or {}).get(q, 0)) for q in quarters]
    z = counts.to_numpy().astype(float)
    if rate:
        z = np.divide(z, np.array(totals, dtype=float), out=np.zeros_like(z), where=np.array(totals) > 0)
    text = (
        [
            [("–" if rate and not n else f"{v:.0%}" if rate else f"{v:.0f}") for v, n in zip(row, totals, strict=True)]
            for row in z
        ]
        if incidents is not None
        else [[f"{v:.0f}" for v in row] for row in z]
    )
    labels = [
        f"{t} <span style='color:{category_colour(theme_category.get(t))};font-size:17px'>■</span>" for t in themes
    ]
    ticks = [f"{q}<br>n={n}" for q, n in zip(quarters, totals, strict=True)] if incidents is not None else quarters
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=quarters,
            y=labels,
            colorscale=SEQUENTIAL,
            zmin=0,
            colorbar={
                "title": {"text": "share of the quarter's incidents" if rate else "incidents", "side": "right"},
                "tickformat": ".0%" if rate else None,
            },
            text=text,
            texttemplate="%{text}",
            textfont={"size": 11},
            xgap=2,
            ygap=2,
            customdata=counts.to_numpy(),
            hovertemplate="%{y}<br>%{x}: %{customdata} incidents<extra></extra>",
        )
    )
    for cat, colour in CATEGORY.items():  # a visible legend for the category squares
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=f"{cat} (dominant factor category)",
                marker={"symbol": "square", "size": 13, "color": colour},
                hoverinfo="skip",
            )
        )
    fig.update_yaxes(autorange="reversed", title_text=None, tickfont={"size": 12})
    fig.update_xaxes(
        title_text="quarter the incident started (n: incidents that quarter)"
        if incidents is not None
        else "quarter the incident started",
        type="category",
        side="bottom",
        tickvals=quarters,
        ticktext=ticks,
    )
    if highlight and highlight in quarters:
        i = quarters.index(highlight)
        fig.add_shape(
            type="rect",
            x0=i - 0.5,
            x1=i + 0.5,
            y0=-0.5,
            y1=len(themes) - 0.5,
            xref="x",
            yref="y",
            line={"color": "#222", "width": 2},
        )
    what = "share of each quarter's incidents that carried" if rate else "incidents carrying"
    style(
        fig,
        title,
        subtitle=f"{what} each of the {len(themes)} most frequent themes"
        + (f"; the review quarter {highlight} is outlined" if highlight in quarters else ""),
        width=SLIDE[0],
        height=max(SLIDE[1], 230 + 30 * len(themes)),
    )
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "xanchor": "left", "x": 0.0, "font": {"size": 12}},
        margin={"l": 230, "t": 120},
    )
    return fig


# -- one cluster's incidents ----------------------------------------------------------------------
def cluster_incidents_figure(
    result: ClusterResult, cluster: int, *, titles: Mapping[str, str] | None = None
) -> go.Figure:
    """The incidents behind one cluster over time: severity on the y axis (SEV1 at the top)."""
    row = result.clusters[result.clusters["cluster"] == cluster]
    if row.empty:
        raise KeyError(f"no cluster {cluster} (known: {', '.join(map(str, result.clusters['cluster']))})")
    ev = result.evidence[result.evidence["cluster"] == cluster].copy()
    ev["started_at"] = pd.to_datetime(ev["started_at"], utc=True)
    titles = titles or {}
    # A small deterministic jitter keeps incidents of the same severity and week apart.
    jitter = np.resize(np.array([0.0, 0.18, -0.18, 0.09, -0.09]), len(ev))
    fig = go.Figure()
    for sev, colour in SEVERITY.items():
        mine = pd.to_numeric(ev["severity"], errors="coerce") == sev  # unknown severity: not plotted
        if not mine.any():
            continue
        sub = ev[mine.to_numpy()]
        fig.add_trace(
            go.Scatter(
                x=sub["started_at"],
                y=sev + jitter[mine.to_numpy()],
                mode="markers",
                name=severity_label(sev),
                marker={
                    "color": colour,
                    "size": [8 + 2 * len(as_list(m)) for m in sub["matched"]],
                    "line": {"color": "#333", "width": 0.8},
                },
                hovertext=[
                    f"<b>{k}</b> {titles.get(k, '')}<br>{pd.Timestamp(t):%Y-%m-%d} · {severity_label(sev)}"
                    f"<br>carries: {', '.join(as_list(m))}"
                    for k, t, m in zip(sub["incident"], sub["started_at"], sub["matched"], strict=True)
                ],
                hoverinfo="text",
            )
        )
    for k in sorted({len(as_list(m)) for m in ev["matched"]}):  # a legend for marker size
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=f"carries {k} of its items",
                marker={"color": "#BBBBBB", "size": 8 + 2 * k, "line": {"color": "#333", "width": 0.8}},
                legendgroup="size",
                legendgrouptitle_text="marker size",
                hoverinfo="skip",
            )
        )
    r = row.iloc[0]
    style(
        fig,
        f"Cluster {cluster}: {len(ev)} incidents",
        legend_title="severity",
        subtitle=f"themes: {_join(r['themes'], 6)} · defeated barriers: {_join(r['barriers'], 6) or 'none'}"
        f" · trend {r['trend']}.<br>Marker size: how many of the cluster's items the incident carries.",
        width=SLIDE[0],
        height=SLIDE[1] - 160,
    )
    fig.update_yaxes(
        title_text="severity", tickvals=list(SEVERITY), ticktext=[severity_label(s) for s in SEVERITY], range=[5.6, 0.4]
    )
    fig.update_xaxes(title_text="incident start")
    return fig
