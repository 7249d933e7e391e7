"""Roadmap traceability: incidents -> findings -> work items and OKRs -> roadmap items, and what traces to nothing."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from kb.charts.data import FOLLOW_UP_ORDER
from kb.charts.palette import FINDING_STATUS, NODE_KIND, SEVERITY, rgba, severity_label, style

FOLLOW_UP_COLOUR = {
    "work item closed": "#009E73",
    "work item open": NODE_KIND["work_item"],
    "OKR proposal": NODE_KIND["objective"],
    "no work item or OKR": NODE_KIND["none"],
}
NOT_ON_ROADMAP = "not on the roadmap"
UNKNOWN_SEVERITY = "unknown"


def traceability_sankey(followup: pd.DataFrame, *, roadmap_titles: Mapping[str, str] | None = None,
                        traced_only: bool = False, top_items: int = 12,
                        title: str = "From incidents to the roadmap", subtitle: str | None = None) -> go.Figure:
    """Findings flowing from their incidents (by severity) through status and follow-up to roadmap items.

    `followup` is `kb.charts.data.finding_followup`; one unit of flow is one finding (a finding
    behind several roadmap items splits evenly between them). With `traced_only`, only findings
    behind a roadmap item flow and the `top_items` items with most findings get their own node
    (the rest share one); otherwise the last column is just "on the roadmap" / "not on the roadmap",
    since a few dozen traced findings next to a thousand untraced ones would be slivers.
    """
    titles = roadmap_titles or {}
    n_all = len(followup)
    if traced_only:
        followup = followup[[bool(items) for items in followup["roadmap_items"]]]
    counts = Counter(item for items in followup["roadmap_items"] for item in items)
    top = [item for item, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top_items]]
    others = sorted(set(counts) - set(top))

    columns: list[dict[str, tuple[str, str]]] = [{}, {}, {}, {}]  # key -> (label, colour), in display order
    for sev in sorted(SEVERITY):
        n = followup.loc[pd.to_numeric(followup["severity"], errors="coerce") == sev, "incident"].nunique()
        if n:
            columns[0][str(sev)] = (f"{severity_label(sev)} incidents ({n})", SEVERITY[sev])
    unknown = int(pd.to_numeric(followup["severity"], errors="coerce").isna().sum()) if len(followup) else 0
    if unknown:
        n = followup.loc[pd.to_numeric(followup["severity"], errors="coerce").isna(), "incident"].nunique()
        columns[0][UNKNOWN_SEVERITY] = (f"severity unknown ({n})", "#999")
    for st in FINDING_STATUS:
        columns[1][st] = (f"finding {st}", FINDING_STATUS[st])
    for fu in FOLLOW_UP_ORDER:
        columns[2][fu] = (fu, FOLLOW_UP_COLOUR[fu])
    if traced_only:
        for item in top:
            name = titles.get(item, "")
            columns[3][item] = (f"{item}: {_short(name, 48)}" if name else item, NODE_KIND["roadmap"])
        if others:
            columns[3]["_other"] = (f"{len(others)} other roadmap items", NODE_KIND["roadmap"])
    else:
        columns[3]["_on"] = (f"on the roadmap ({len(counts)} items)", NODE_KIND["roadmap"])
    columns[3][NOT_ON_ROADMAP] = (NOT_ON_ROADMAP, NODE_KIND["none"])

    flows: defaultdict[tuple[tuple[int, str], tuple[int, str], str], float] = defaultdict(float)
    for row in followup.itertuples(index=False):
        level = int(row.severity) if pd.notna(row.severity) else None
        status, fu = str(row.status), str(row.follow_up)
        key0 = str(level) if level is not None else UNKNOWN_SEVERITY
        flows[((0, key0), (1, status), SEVERITY.get(level, "#999") if level is not None else "#999")] += 1
        flows[((1, status), (2, fu), FINDING_STATUS.get(status, "#999"))] += 1
        items = list(row.roadmap_items)
        if not items:
            targets = [NOT_ON_ROADMAP]
        elif not traced_only:
            targets = ["_on"]
        else:
            targets = [item if item in top else "_other" for item in items]
        for t in targets:
            flows[((2, fu), (3, t), FOLLOW_UP_COLOUR[fu])] += 1 / len(targets)

    # Keep only nodes that carry flow, lay them out top to bottom in the order above.
    size: defaultdict[tuple[int, str], float] = defaultdict(float)
    for (a, b, _), v in flows.items():
        size[a] += v
        size[b] += v
    keys = [(c, k) for c, col in enumerate(columns) for k in col if size[(c, k)] > 0]
    index = {key: i for i, key in enumerate(keys)}
    xs, ys = [], []
    x_of = [0.001, 0.32, 0.64, 0.999]
    for c in range(4):
        mine = [key for key in keys if key[0] == c]
        # a node's height is its larger side (in or out); the column's nodes share 0.96 of the height
        value = {key: max(sum(v for (a, _, _), v in flows.items() if a == key),
                          sum(v for (_, b, _), v in flows.items() if b == key)) for key in mine}
        total = sum(value.values()) or 1.0
        gap = 0.04 / max(1, len(mine) - 1) if len(mine) > 1 else 0.0
        cum = 0.0
        for i, key in enumerate(mine):
            share = value[key] / total * 0.96
            xs.append(x_of[c])
            ys.append(min(0.999, max(0.001, 0.02 + cum + share / 2 + i * gap)))
            cum += share
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node={"label": [columns[c][k][0] for c, k in keys], "color": [columns[c][k][1] for c, k in keys],
              "pad": 12, "thickness": 16, "line": {"color": "#555", "width": 0.5}, "x": xs, "y": ys,
              "hovertemplate": "%{label}<br>%{value:.0f} findings<extra></extra>"},
        link={"source": [index[a] for (a, _, _) in flows], "target": [index[b] for (_, b, _) in flows],
              "value": [round(v, 3) for v in flows.values()],
              "color": [rgba(colour, 0.35) for (_, _, colour) in flows],
              "hovertemplate": "%{source.label} → %{target.label}<br>%{value:.1f} findings<extra></extra>"},
    ))
    n_incidents = followup["incident"].nunique()
    traced = sum(1 for items in followup["roadmap_items"] if items)
    parts = [subtitle] if subtitle else []
    if traced_only:
        parts.append(f"the {traced} findings (of {n_all}) behind {len(counts)} roadmap items, from {n_incidents} "
                     "incidents")
    else:
        parts.append(f"{n_incidents} incidents, {len(followup)} findings, {traced} of them behind "
                     f"{len(counts)} roadmap items")
    sub = " · ".join(parts) + ".<br>Columns: incident severity → finding status → follow-up → roadmap item. " \
        "One unit of flow = one finding."
    rows = len(columns[3]) if traced_only else 6
    style(fig, title, subtitle=sub, width=1300, height=max(600, 160 + 34 * rows))
    fig.update_layout(font={"size": 12}, margin={"l": 20, "r": 20, "b": 30, "t": 110})
    return fig


def _short(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def untraced_table_figure(untraced: pd.DataFrame, *, title: str = "Roadmap items no incident motivated",
                          subtitle: str | None = None) -> go.Figure:
    """The untraced roadmap items (item, title, quarter) as a table."""
    fig = go.Figure(go.Table(
        columnwidth=[110, 420, 80],
        header={"values": ["<b>item</b>", "<b>title</b>", "<b>quarter</b>"], "fill_color": "#E8E8E8",
                "align": "left", "height": 28},
        cells={"values": [untraced["item"].tolist(), untraced["title"].tolist(),
                          untraced["quarter"].fillna("–").tolist()],
               "fill_color": "#FFF7EC", "align": "left", "height": 26},
    ))
    style(fig, title, subtitle=subtitle or f"{len(untraced)} roadmap items with no finding behind them: "
                                           "work the learning loop did not ask for (or links nobody recorded)",
          width=900, height=max(260, 190 + 27 * len(untraced)))
    fig.update_layout(margin={"l": 20, "r": 20, "b": 20})
    return fig
