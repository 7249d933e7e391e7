"""Roadmap traceability: incidents -> findings -> work items and OKRs -> roadmap items, and what traces to nothing."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from kb.charts.data import FOLLOW_UP_ORDER
from kb.charts.palette import FINDING_STATUS, NODE_KIND, SEVERITY, SLIDE, severity_label, style
from kb.charts.sankey import VALUE_MIN_PX, Node, alluvial

FOLLOW_UP_COLOUR = {
    "work item closed": "#009E73",
    "work item open": NODE_KIND["work_item"],
    "OKR proposal": NODE_KIND["objective"],
    "no work item or OKR": NODE_KIND["none"],
}
NOT_ON_ROADMAP = "not on the roadmap"
UNKNOWN_COLOUR = "#999999"
UNKNOWN_SEVERITY = "unknown"


def traceability_sankey(
    followup: pd.DataFrame,
    *,
    roadmap_titles: Mapping[str, str] | None = None,
    traced_only: bool = False,
    top_items: int = 12,
    title: str = "From incidents to the roadmap",
    subtitle: str | None = None,
    width: int = SLIDE[0],
    height: int | None = None,
) -> go.Figure:
    """Findings flowing from their incidents (by severity) through status and follow-up to roadmap items.

    `followup` is `kb.charts.data.finding_followup`; one unit of flow is one finding (a finding
    behind several roadmap items splits evenly between them). With `traced_only`, only findings
    behind a roadmap item flow and the `top_items` items with most findings get their own node
    (the rest share one); otherwise the last column is just "on the roadmap" / "not on the roadmap",
    and it is left out when no finding reached the roadmap (one grey node says nothing).
    """
    titles = roadmap_titles or {}
    n_all = len(followup)
    if traced_only:
        followup = followup[[bool(items) for items in followup["roadmap_items"]]]
    counts = Counter(item for items in followup["roadmap_items"] for item in items)
    top = [item for item, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top_items]]
    others = sorted(set(counts) - set(top))
    traced = sum(1 for items in followup["roadmap_items"] if items)
    with_roadmap = bool(traced)

    columns: list[list[Node]] = [[], [], [], []]
    for sev in sorted(SEVERITY):
        n = followup.loc[pd.to_numeric(followup["severity"], errors="coerce") == sev, "incident"].nunique()
        if n:
            columns[0].append(
                Node(f"sev:{sev}", f"{severity_label(sev)} ({n} incident{'s' * (n != 1)})", SEVERITY[sev])
            )
    unknown_sev = pd.to_numeric(followup["severity"], errors="coerce").isna()
    if len(followup) and unknown_sev.any():
        n = followup.loc[unknown_sev, "incident"].nunique()
        columns[0].append(
            Node(f"sev:{UNKNOWN_SEVERITY}", f"severity unknown ({n} incident{'s' * (n != 1)})", UNKNOWN_COLOUR)
        )
    for st in FINDING_STATUS:
        columns[1].append(Node(f"status:{st}", st, FINDING_STATUS[st]))
    for fu in FOLLOW_UP_ORDER:
        columns[2].append(Node(f"fu:{fu}", fu, FOLLOW_UP_COLOUR[fu]))
    if traced_only:
        for item in top:
            name = titles.get(item, "")
            columns[3].append(Node(f"rm:{item}", f"{item} {name}" if name else item, NODE_KIND["roadmap"]))
        if others:
            columns[3].append(Node("rm:_other", f"{len(others)} other roadmap items", NODE_KIND["roadmap"]))
    elif with_roadmap:
        columns[3].append(Node("rm:_on", f"on the roadmap ({len(counts)} items)", NODE_KIND["roadmap"]))
        columns[3].append(Node("rm:_none", NOT_ON_ROADMAP, NODE_KIND["none"]))

    flows: defaultdict[tuple[str, str], list[float | str]] = defaultdict(lambda: [0.0, ""])

    def add(a: str, b: str, v: float, colour: str) -> None:
        flows[(a, b)][0] = float(flows[(a, b)][0]) + v
        flows[(a, b)][1] = colour

    for row in followup.itertuples(index=False):
        level = int(row.severity) if pd.notna(row.severity) else None
        status, fu = str(row.status), str(row.follow_up)
        source = f"sev:{level}" if level is not None else f"sev:{UNKNOWN_SEVERITY}"
        add(source, f"status:{status}", 1, SEVERITY.get(level, UNKNOWN_COLOUR) if level is not None else UNKNOWN_COLOUR)
        add(f"status:{status}", f"fu:{fu}", 1, FINDING_STATUS.get(status, UNKNOWN_COLOUR))
        if not traced_only and not with_roadmap:
            continue
        items = list(row.roadmap_items)
        if not items:
            targets = ["_none"]
        elif not traced_only:
            targets = ["_on"]
        else:
            targets = [item if item in top else "_other" for item in items]
        for t in targets:
            add(f"fu:{fu}", f"rm:{t}", 1 / len(targets), FOLLOW_UP_COLOUR[fu])

    n_incidents = followup["incident"].nunique()
    incidents = f"{n_incidents} incident{'s' * (n_incidents != 1)}"
    parts = [subtitle] if subtitle else []
    if traced_only:
        parts.append(f"the {traced} findings (of {n_all}) behind {len(counts)} roadmap items, from {incidents}")
    elif with_roadmap:
        parts.append(f"{incidents}, {len(followup)} findings, {traced} of them behind {len(counts)} roadmap items")
    else:
        parts.append(f"{incidents}, {len(followup)} findings; none of them is behind a roadmap item yet")
    sub = (
        " · ".join(parts)
        + ".<br>Band width and numbers: findings"
        + (" (a finding behind several items is split between them)" if traced_only else "")
        + f"; bands under {VALUE_MIN_PX} px carry no number."
    )
    headings = ["incident severity", "finding status", "follow-up", "roadmap item" if traced_only else "roadmap"]
    used = [c for c in columns if c]
    rows = max(len(c) for c in used)
    fig = alluvial(
        used,
        {k: (float(v[0]), str(v[1])) for k, v in flows.items()},
        column_titles=headings,
        width=width,
        height=height or max(SLIDE[1], 170 + 42 * rows),
        margin_top=130,
    )
    style(fig, title, subtitle=sub, width=width)
    fig.update_layout(margin={"l": 20, "r": 20, "b": 20, "t": 130})
    return fig


def untraced_table_figure(
    untraced: pd.DataFrame, *, title: str = "Roadmap items no incident motivated", subtitle: str | None = None
) -> go.Figure:
    """The untraced roadmap items (item, title, quarter) as a table."""
    fig = go.Figure(
        go.Table(
            columnwidth=[110, 420, 80],
            header={
                "values": ["<b>item</b>", "<b>title</b>", "<b>quarter</b>"],
                "fill_color": "#E8E8E8",
                "align": "left",
                "height": 28,
            },
            cells={
                "values": [
                    untraced["item"].tolist(),
                    untraced["title"].tolist(),
                    untraced["quarter"].fillna("–").tolist(),
                ],
                "fill_color": "#FFF7EC",
                "align": "left",
                "height": 26,
            },
        )
    )
    style(
        fig,
        title,
        subtitle=subtitle
        or f"{len(untraced)} roadmap items with no finding behind them: "
        "work the learning loop did not ask for (or links nobody recorded)",
        width=SLIDE[0],
        height=max(260, 190 + 27 * len(untraced)),
    )
    fig.update_layout(margin={"l": 20, "r": 20, "b": 20})
    return fig


def followup_table(followup: pd.DataFrame) -> pd.DataFrame:
    """Findings by incident severity, status and follow-up (the flows of the findings Sankey), with a count."""
    df = followup.assign(
        severity=[severity_label(s) for s in followup["severity"]],
        roadmap=["on the roadmap" if items else NOT_ON_ROADMAP for items in followup["roadmap_items"]],
    )
    out = df.groupby(["severity", "status", "follow_up", "roadmap"]).size().rename("findings").reset_index()
    return out.sort_values(["severity", "findings"], ascending=[True, False], kind="stable").reset_index(drop=True)


def roadmap_table(followup: pd.DataFrame, titles: Mapping[str, str]) -> pd.DataFrame:
    """Every roadmap item with findings behind it: title, findings, incidents."""
    rows = [(item, row.finding, row.incident) for row in followup.itertuples(index=False) for item in row.roadmap_items]
    df = pd.DataFrame(rows, columns=["item", "finding", "incident"])
    if df.empty:
        return pd.DataFrame(columns=["item", "title", "findings", "incidents"])
    out = df.groupby("item").agg(findings=("finding", "nunique"), incidents=("incident", "nunique")).reset_index()
    out.insert(1, "title", out["item"].map(lambda i: titles.get(i, "")))
    return out.sort_values(["findings", "item"], ascending=[False, True], kind="stable").reset_index(drop=True)
