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
    category_colour,
    severity_label,
    style,
)

CELL_X, CELL_Y = 3.4, 2.7  # grid cell of one cluster, in layout units
ADDRESSED_FILL = {"none": "#FDE0DD", "open": "#FFF7BC", "done": "#E5F5E0"}


def _join(values: Any, limit: int = 4) -> str:
    items = as_list(values)
    text = ", ".join(items[:limit])
    return text + (f" +{len(items) - limit}" if len(items) > limit else "")


def cluster_table_figure(clusters: pd.DataFrame, *, top: int = 12, title: str = "Recurring clusters") -> go.Figure:
    """The ranked cluster table; rows tinted by whether findings address the cluster (none / open / done)."""
    df = clusters.head(top)
    header = ["#", "themes", "defeated barriers", "services", "incidents", "lift", "trend", "last seen",
              "agreed findings", "work items done", "addressed"]
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
        df["addressed"].tolist(),
    ]
    fill = [[ADDRESSED_FILL.get(a, "white") for a in df["addressed"]]] * len(header)
    fig = go.Figure(go.Table(
        columnwidth=[30, 260, 220, 120, 70, 55, 65, 90, 75, 85, 80],
        header={"values": [f"<b>{h}</b>" for h in header], "fill_color": "#E8E8E8", "align": "left",
                "font": {"size": 12}, "height": 30},
        cells={"values": cells, "fill_color": fill, "align": "left", "font": {"size": 12}, "height": 26},
    ))
    lines = [max(len(_join(t)) // 40, len(_join(b)) // 34) + 1 for t, b in zip(df["themes"], df["barriers"],
                                                                                  strict=True)]
    height = 150 + 30 + sum(26 + 16 * (n - 1) for n in lines)
    style(fig, title, subtitle=f"the {len(df)} highest-scoring of {len(clusters)} clusters "
                              "(score: incidents × lift × spread × recency × trend). Row colour: "
                              "red = no finding addresses it, yellow = work open, green = all done",
          width=1250, height=max(320, height))
    fig.update_layout(margin={"l": 20, "r": 20, "b": 20})
    return fig


# -- the co-occurrence network --------------------------------------------------------------------
def _grid_layout(graph: nx.Graph) -> tuple[dict[str, tuple[float, float]], dict[int, tuple[float, float]]]:
    """Each cluster on its own circle in a grid cell (unclustered items last), so clusters never overlap."""
    groups: dict[int, list[str]] = {}
    for n, d in graph.nodes(data=True):
        groups.setdefault(int(d.get("cluster", 0)), []).append(n)
    clustered = sorted(c for c in groups if c)
    cols = min(3, max(1, len(clustered)))
    pos: dict[str, tuple[float, float]] = {}
    centres: dict[int, tuple[float, float]] = {}
    for i, c in enumerate(clustered + ([0] if 0 in groups else [])):
        members = sorted(groups[c], key=lambda n: (graph.nodes[n].get("kind", ""), n))
        # Neighbours next to each other on the circle: a depth-first walk of the cluster's own edges.
        sub = graph.subgraph(members)
        if sub.number_of_edges():
            start = max(members, key=lambda n: (sub.degree(n), n))
            members = list(dict.fromkeys(list(nx.dfs_preorder_nodes(sub, start)) + members))
        k = len(members)
        if c:
            cx, cy = (i % cols) * CELL_X, -(i // cols) * CELL_Y
            rx = min(0.35 + 0.09 * k, 1.05) if k > 1 else 0.0
            ry = rx * 0.85
        else:  # the items in no cluster: one wide ellipse across the whole last row
            cx, cy = (cols - 1) * CELL_X / 2, -math.ceil(len(clustered) / cols) * CELL_Y
            rx, ry = max(1.0, (cols - 1) * CELL_X / 2 + 0.4), 1.0
        centres[c] = (cx, cy)
        for j, n in enumerate(members):
            angle = math.pi / 2 - 2 * math.pi * j / max(1, k)
            pos[n] = (cx + rx * math.cos(angle), cy + ry * math.sin(angle))
    return pos, centres


def _text_position(x: float, y: float, centre: tuple[float, float]) -> str:
    dx, dy = x - centre[0], y - centre[1]
    if abs(dx) < 0.25:
        return "top center" if dy >= 0 else "bottom center"
    return "middle right" if dx > 0 else "middle left"


def cooccurrence_figure(graph: nx.Graph, *, theme_category: Mapping[str, str] | None = None,
                        cluster_names: Mapping[int, str] | None = None,
                        title: str = "What keeps failing together") -> go.Figure:
    """Themes, defeated barriers and services that co-occur significantly, grouped by cluster.

    Node size ~ incidents; themes coloured by their dominant factor category; edge width ~ lift.
    """
    theme_category = theme_category or {}
    pos, centres = _grid_layout(graph)
    centre_of = {n: centres[int(d.get("cluster", 0))] for n, d in graph.nodes(data=True)}
    fig = go.Figure()
    intra_x: list[float | None] = []
    intra_y: list[float | None] = []
    inter_x: list[float | None] = []
    inter_y: list[float | None] = []
    for a, b in graph.edges():
        same = graph.nodes[a].get("cluster", 0) == graph.nodes[b].get("cluster", 0) != 0
        xs, ys = (intra_x, intra_y) if same else (inter_x, inter_y)
        xs += [pos[a][0], pos[b][0], None]
        ys += [pos[a][1], pos[b][1], None]
    fig.add_trace(go.Scatter(x=inter_x, y=inter_y, mode="lines", name="co-occur across clusters",
                             line={"color": "rgba(150,150,150,0.35)", "width": 1}, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=intra_x, y=intra_y, mode="lines", name="co-occur within a cluster",
                             line={"color": "rgba(60,60,60,0.6)", "width": 1.6}, hoverinfo="skip"))
    groups: list[tuple[str, dict[str, Any], list[str]]] = []
    for cat, colour in CATEGORY.items():
        groups.append((f"theme ({cat})", {"color": colour, "symbol": "circle"},
                       [n for n, d in graph.nodes(data=True) if d["kind"] == "theme"
                        and theme_category.get(d["item"]) == cat]))
    groups.append(("theme (uncategorised)", {"color": CATEGORY_UNKNOWN, "symbol": "circle"},
                   [n for n, d in graph.nodes(data=True) if d["kind"] == "theme"
                    and theme_category.get(d["item"]) not in CATEGORY]))
    groups.append(("defeated barrier", {"color": BARRIER_STATUS["failed"], "symbol": "square"},
                   [n for n, d in graph.nodes(data=True) if d["kind"] == "barrier"]))
    groups.append(("service", {"color": NODE_KIND["service"], "symbol": "triangle-up"},
                   [n for n, d in graph.nodes(data=True) if d["kind"] not in ("theme", "barrier")]))
    biggest = max((d["incidents"] for _, d in graph.nodes(data=True)), default=1)
    for name, marker, members in groups:
        if not members:
            continue
        nodes = [graph.nodes[n] for n in members]
        fig.add_trace(go.Scatter(
            x=[pos[n][0] for n in members], y=[pos[n][1] for n in members], mode="markers+text", name=name,
            marker={**marker, "size": [10 + 18 * math.sqrt(d["incidents"] / biggest) for d in nodes],
                    "line": {"color": "white", "width": 1}},
            text=[d["item"] for d in nodes], textfont={"size": 11},
            textposition=[_text_position(*pos[n], centre_of[n]) for n in members],
            hovertext=[f"<b>{d['item']}</b> ({d['kind']})<br>{d['incidents']} incidents"
                       f"<br>cluster {d.get('cluster', 0) or 'none'}<br>co-occurs with "
                       + ", ".join(sorted(graph.nodes[m]["item"] for m in graph.neighbors(n)))
                       for n, d in zip(members, nodes, strict=True)],
            hoverinfo="text",
        ))
    for c, (cx, cy) in centres.items():
        label = f"cluster {c}" if c else "in no cluster"
        if c and cluster_names and c in cluster_names:
            label += f"<br><span style='font-size:11px;color:#666'>{cluster_names[c]}</span>"
        fig.add_annotation(x=cx, y=cy + (1.22 if c else 1.5), text=f"<b>{label}</b>" if c else label, showarrow=False,
                           font={"size": 13, "color": "#333"})
    n_clustered = len([c for c in centres if c])
    cols = min(3, max(1, n_clustered))
    rows = math.ceil(n_clustered / cols) + (1 if 0 in centres else 0)
    style(fig, title, subtitle=f"{graph.number_of_nodes()} items, {graph.number_of_edges()} significant pairs "
                              "(lift ≥ 1.5, Bonferroni-corrected). Node size: incidents.",
          width=1300, height=230 + 330 * rows, legend_title="item")
    fig.update_xaxes(visible=False, range=[-2.3, CELL_X * (cols - 1) + 2.3])
    fig.update_yaxes(visible=False, range=[-(rows - 1) * CELL_Y - 1.3, 1.5])
    fig.update_layout(legend={"orientation": "h", "y": -0.02, "yanchor": "top", "x": 0.0},
                      margin={"l": 10, "r": 10, "b": 60})
    return fig


# -- theme x quarter ------------------------------------------------------------------------------
def _swatch(colour: str) -> str:
    return f"<span style='color:{colour}'>■</span>"


def theme_heatmap_figure(counts: pd.DataFrame, *, theme_category: Mapping[str, str] | None = None,
                         highlight: str | None = None, title: str = "Themes by quarter") -> go.Figure:
    """Incidents per theme (rows) and quarter (columns); the swatch before a theme is its category colour."""
    theme_category = theme_category or {}
    themes = list(counts.index)
    labels = [f"{t} {_swatch(category_colour(theme_category.get(t)))}" for t in themes]
    z = counts.to_numpy()
    fig = go.Figure(go.Heatmap(
        z=z, x=list(counts.columns), y=labels, colorscale=SEQUENTIAL, colorbar={"title": {"text": "incidents"}},
        text=z, texttemplate="%{text}", textfont={"size": 11}, xgap=2, ygap=2,
        hovertemplate="%{y}<br>%{x}: %{z} incidents<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed", title_text="theme (swatch: dominant factor category)")
    fig.update_xaxes(title_text="quarter the incident started", type="category", side="bottom")
    if highlight and highlight in counts.columns:
        i = list(counts.columns).index(highlight)
        fig.add_shape(type="rect", x0=i - 0.5, x1=i + 0.5, y0=-0.5, y1=len(themes) - 0.5, xref="x", yref="y",
                      line={"color": "#222", "width": 2})
    legend = "   ".join(f"{_swatch(c)} {cat}" for cat, c in CATEGORY.items())
    style(fig, title, subtitle=f"incidents carrying each of the {len(themes)} most frequent themes. {legend}"
                              + (f". Framed: {highlight}" if highlight and highlight in counts.columns else ""),
          width=max(800, 260 + 70 * len(counts.columns)), height=max(420, 200 + 30 * len(themes)))
    fig.update_layout(margin={"l": 230})
    return fig


# -- one cluster's incidents ----------------------------------------------------------------------
def cluster_incidents_figure(result: ClusterResult, cluster: int, *,
                             titles: Mapping[str, str] | None = None) -> go.Figure:
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
        fig.add_trace(go.Scatter(
            x=sub["started_at"], y=sev + jitter[mine.to_numpy()], mode="markers", name=severity_label(sev),
            marker={"color": colour, "size": [8 + 2 * len(as_list(m)) for m in sub["matched"]],
                    "line": {"color": "#333", "width": 0.8}},
            hovertext=[f"<b>{k}</b> {titles.get(k, '')}<br>{pd.Timestamp(t):%Y-%m-%d} · {severity_label(sev)}"
                       f"<br>carries: {', '.join(as_list(m))}"
                       for k, t, m in zip(sub["incident"], sub["started_at"], sub["matched"], strict=True)],
            hoverinfo="text",
        ))
    r = row.iloc[0]
    style(fig, f"Cluster {cluster}: {len(ev)} incidents", legend_title="severity",
          subtitle=f"themes: {_join(r['themes'], 6)} · defeated barriers: {_join(r['barriers'], 6) or 'none'}"
                   f" · trend {r['trend']}.<br>Marker size: how many of the cluster's items the incident carries.",
          width=1100, height=460)
    fig.update_yaxes(title_text="severity", tickvals=list(SEVERITY), ticktext=[severity_label(s) for s in SEVERITY],
                     range=[5.6, 0.4])
    fig.update_xaxes(title_text="incident start")
    return fig
