"""The business case for a recurring cluster: its incidents, their cost, the trend, what was tried, and its effect.

What an architect takes to a budget meeting ("three of the last five slowdowns were the core
database; here is what they cost, what we tried, and whether it worked"), written from the graph
alone: every number is one of `kb clusters`, `kb cost` and `kb effect`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from kb.analysis.cost import FIGURES, cost_of_incidents, incident_costs
from kb.analysis.effect import PER_DAYS, Pattern, UnknownPattern, fix_effects
from kb.graph.catalogue import Queryable


@dataclass
class BusinessCase:
    cluster: int
    name: str
    themes: list[str]
    barriers: list[str]
    incidents: pd.DataFrame
    """incident, started_at, severity, title and the cost figures, oldest first."""
    total: dict[str, Any]
    by_quarter: pd.Series
    """incidents per calendar quarter, every quarter from the first to the last."""
    trend: str
    findings: pd.DataFrame
    """What was tried: finding, incident, status, statement, work_items, work_items_done."""
    effect: pd.DataFrame
    """kb effect rows for the cluster (the first fix, and later attempts)."""


def business_case(kbase: Queryable, cluster: str | int, *, as_of: datetime | None = None) -> BusinessCase:
    """The case for cluster number `cluster` (as `kb clusters` numbers them) or its name."""
    from kb.analysis.clusters import clusters_as_of

    result = clusters_as_of(kbase, as_of)  # in a report: ranked again from the clusters fix_effects found
    rows = result.clusters[
        (result.clusters["cluster"].astype(str) == str(cluster)) | (result.clusters["name"] == str(cluster))
    ]
    if rows.empty:
        known = ", ".join(f"{r.cluster} ({r.name})" for r in result.clusters.itertuples(index=False)) or "none"
        raise UnknownPattern(f"cluster {cluster!r}: no such recurring cluster; expected one of: {known}")
    row = rows.iloc[0]
    keys = list(row["incidents"])
    costs = incident_costs(kbase)
    mine = costs[costs["incident"].isin(keys)].sort_values("started_at", kind="stable").reset_index(drop=True)
    quarters = mine["started_at"].dt.tz_convert("UTC").dt.tz_localize(None).dt.to_period("Q")
    span = pd.period_range(quarters.min(), quarters.max(), freq="Q") if len(quarters) else []
    by_quarter = quarters.value_counts().reindex(span, fill_value=0).sort_index()
    by_quarter.index = by_quarter.index.astype(str)
    pattern = Pattern(
        "cluster",
        str(row["cluster"]),
        str(row["name"]),
        tuple([("theme", t) for t in row["themes"]] + [("barrier", b) for b in row["barriers"]]),
        tuple(keys),
    )
    effect = fix_effects(kbase, as_of=as_of, fixes="all", patterns=[pattern])
    tried = result.findings[result.findings["cluster"] == row["cluster"]].drop(columns="cluster")
    return BusinessCase(
        int(row["cluster"]),
        str(row["name"]),
        list(row["themes"]),
        list(row["barriers"]),
        mine[["incident", "started_at", "severity", "title", *FIGURES]],
        cost_of_incidents(costs, keys),
        by_quarter,
        str(row["trend"]),
        tried.reset_index(drop=True),
        effect,
    )


def _money(v: Any) -> str:
    return "unknown" if pd.isna(v) else f"{float(v):,.0f}"


def _num(v: Any, unit: str = "") -> str:
    return "unknown" if pd.isna(v) else f"{float(v):,.0f}{unit}"


def to_markdown(case: BusinessCase) -> str:
    t = case.total
    n = int(t["incidents"])
    lines = [
        f"# Business case: cluster {case.cluster} — {case.name}",
        "",
        f"Themes: {', '.join(case.themes) or '-'}; failed barriers: {', '.join(case.barriers) or '-'}.",
        "",
        "## The incidents and what they cost",
        "",
        f"{n} incidents from {case.incidents['started_at'].min():%Y-%m-%d} to "
        f"{case.incidents['started_at'].max():%Y-%m-%d}: revenue impact {_money(t['revenue'])}, "
        f"{_num(t['customers'])} customers affected (summed), {_num(t['duration_hours'], ' h')} of impact, "
        f"{_num(t['responder_hours'], ' responder hours')}."
        if n
        else "No incidents.",
        "",
    ]
    if t.get("missing"):
        lines += [f"Missing figures (the sums are lower bounds): {t['missing']}.", ""]
    lines += [
        "| incident | started | SEV | revenue | customers | hours | responder h |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in case.incidents.itertuples(index=False):
        lines.append(
            f"| {r.incident} | {r.started_at:%Y-%m-%d} | {r.severity} | {_money(r.revenue)} | "
            f"{_num(r.customers)} | {_num(r.duration_hours)} | {_num(r.responder_hours)} |"
        )
    lines += [
        "",
        "## The trend",
        "",
        "Incidents per quarter: "
        + ", ".join(f"{q} {c}" for q, c in case.by_quarter.items())
        + f" ({case.trend} over the last two windows).",
        "",
        "## What was tried",
        "",
    ]
    if case.findings.empty:
        lines.append("Nothing: no finding addresses this cluster's themes or barriers.")
    for f in case.findings.itertuples(index=False):
        lines.append(f"- {f.finding} ({f.status}; work items done {f.work_items_done}/{f.work_items}): {f.statement}")
    lines += ["", "## Its measured effect", ""]
    if case.effect.empty:
        lines.append("No finding naming these themes or barriers has a work item: there is no fix to measure.")
    for e in case.effect.itertuples(index=False):
        if pd.isna(e.shipped_at):
            lines.append(
                f"- fix from {e.fix_incident} ({', '.join(e.work_items)}): not yet shipped "
                f"({e.open_work_items} work item(s) open)."
            )
            continue
        if pd.isna(e.rate_ratio):
            lines.append(f"- fix from {e.fix_incident} shipped {e.shipped_at:%Y-%m-%d}: {e.verdict}.")
            continue
        lines.append(
            f"- fix from {e.fix_incident} shipped {e.shipped_at:%Y-%m-%d}: {e.before_incidents} incidents in "
            f"{e.before_days:.0f} days before ({e.before_rate:.2f} per {PER_DAYS:.0f} days), {e.after_incidents} in "
            f"{e.after_days:.0f} days after ({e.after_rate:.2f}); rate ratio {e.rate_ratio:.2f} "
            f"(95% CI {e.ci_low:.2f}-{e.ci_high:.2f}, exact test): **{e.verdict}**."
        )
    return "\n".join(lines) + "\n"
