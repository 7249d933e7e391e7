"""What incidents cost: money, customers, duration and responder hours, per incident and per pattern.

Per incident (each figure is missing when its inputs are; nothing is guessed):
- revenue: `incident.revenue_impact`, else the sum of the stakeholder impacts' revenue_impact;
- customers: `incident.customers_affected`, else the largest stakeholder impact's customers_affected
  (impacts on the same customers overlap, so they are not added up);
- duration_hours: started_at -> mitigated_at (the customer-facing part), else -> resolved_at;
- responder_hours: `incident.responder_hours` as stated, else responders (distinct participants with
  role responder or incident_lead) x hours from detected_at (else started_at) to mitigated_at (else
  resolved_at); `responder_hours_source` says stated or estimated.

Per theme, barrier (failed, missing or bypassed), service, team or cluster: the sums over its incidents,
with how many incidents had each figure (`revenue_known` of `incidents`...). A sum over incidents
with missing figures is a lower bound, and `missing` says so. Ranking by cost orders by revenue,
then responder hours, then incidents.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kb.analysis.incident_features import as_list, load_features
from kb.graph.catalogue import Queryable

RESPONDER_ROLES: tuple[str, ...] = ("responder", "incident_lead")
FIGURES: tuple[str, ...] = ("revenue", "customers", "duration_hours", "responder_hours")
INCIDENT_COLUMNS = [
    "incident",
    "title",
    "severity",
    "started_at",
    *FIGURES,
    "responder_hours_source",
    "responders",
    "missing",
]
SUMMARY_COLUMNS = ["kind", "subject", "incidents", *FIGURES, *(f"{f}_known" for f in FIGURES), "missing"]
COST_COLUMNS = [*FIGURES, "revenue_known", "cost_missing"]


def _hours(a: pd.Series, b: pd.Series) -> pd.Series:
    return (pd.to_datetime(b, utc=True) - pd.to_datetime(a, utc=True)).dt.total_seconds() / 3600


def incident_costs(kbase: Queryable, roles: Sequence[str] = RESPONDER_ROLES) -> pd.DataFrame:
    """One row per incident with its four figures and the names of those that are missing."""
    inc = kbase.query("evidence_incident_costs")
    if inc.empty:
        return pd.DataFrame(columns=INCIDENT_COLUMNS)
    impacts = kbase.query("evidence_impact_figures").set_index("incident")
    responders = kbase.query("evidence_responders", roles=list(roles)).set_index("incident")["responders"]
    inc = inc.set_index("incident", drop=False)
    imp_rev = (
        impacts["revenue_impact"].where(impacts["revenue_figures"] > 0) if len(impacts) else pd.Series(dtype=float)
    )
    imp_cust = (
        impacts["customers_affected"].where(impacts["customer_figures"] > 0)
        if len(impacts)
        else (pd.Series(dtype=float))
    )
    out = pd.DataFrame(
        {
            "incident": inc["incident"],
            "title": inc["title"],
            "severity": inc["severity"],
            "started_at": pd.to_datetime(inc["started_at"], utc=True),
        }
    )
    out["revenue"] = pd.to_numeric(inc["revenue_impact"], errors="coerce").fillna(
        imp_rev.reindex(inc.index).astype(float)
    )
    out["customers"] = pd.to_numeric(inc["customers_affected"], errors="coerce").fillna(
        imp_cust.reindex(inc.index).astype(float)
    )
    end = inc["mitigated_at"].where(inc["mitigated_at"].notna(), inc["resolved_at"])
    out["duration_hours"] = _hours(inc["started_at"], end)
    begin = inc["detected_at"].where(inc["detected_at"].notna(), inc["started_at"])
    crew = responders.reindex(inc.index).astype(float)
    estimated = crew.where(crew > 0) * _hours(begin, end).clip(lower=0)
    stated = pd.to_numeric(inc["responder_hours"], errors="coerce")
    out["responder_hours"] = stated.fillna(estimated)
    source = pd.Series(None, index=inc.index, dtype=object)
    source[estimated.notna()] = "estimated"
    source[stated.notna()] = "stated"
    out["responder_hours_source"] = source
    out["responders"] = crew.fillna(0).astype(int)
    out["missing"] = [[f for f in FIGURES if pd.isna(r[f])] for r in out[list(FIGURES)].to_dict("records")]
    return out.reset_index(drop=True)[INCIDENT_COLUMNS]


def _summarise(members: pd.DataFrame, costs: pd.DataFrame) -> pd.DataFrame:
    """members: kind, subject, incident -> one row per (kind, subject) with sums and counts."""
    j = members.merge(costs[["incident", *FIGURES]], on="incident", how="left")
    agg: dict[str, Any] = {"incidents": ("incident", "nunique")}
    for f in FIGURES:
        agg[f] = (f, lambda s: float(s.sum(min_count=1)) if s.notna().any() else np.nan)
        agg[f"{f}_known"] = (f, "count")
    out = j.groupby(["kind", "subject"], sort=False).agg(**agg).reset_index()
    out["missing"] = [missing_note(r) for r in out.to_dict("records")]
    return out[SUMMARY_COLUMNS]


def missing_note(row: dict[str, Any]) -> str:
    """'revenue unknown for 3 of 10; ...' (empty when every figure is known)."""
    n = int(row["incidents"])
    parts = [
        f"{f.replace('_', ' ')} unknown for {n - int(row[f + '_known'])} of {n}"
        for f in FIGURES
        if int(row[f + "_known"]) < n
    ]
    return "; ".join(parts)


def rank_by_cost(frame: pd.DataFrame) -> pd.DataFrame:
    """Most costly first: revenue, then responder hours, then incidents (unknown sums last)."""
    keys = [c for c in ("revenue", "responder_hours", "incidents") if c in frame.columns]
    return frame.sort_values(keys, ascending=False, na_position="last", kind="stable").reset_index(drop=True)


def cost_by(
    kbase: Queryable, kinds: Sequence[str] = ("theme", "barrier", "service"), costs: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Summed cost per theme, barrier (defeated), service and/or team, most costly first."""
    costs = incident_costs(kbase) if costs is None else costs
    items = load_features(kbase, with_text=False).items
    members = items[items["kind"].isin(list(kinds))].rename(columns={"item": "subject"})
    if members.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    return rank_by_cost(_summarise(members[["kind", "subject", "incident"]], costs))


def cost_of_incidents(costs: pd.DataFrame, incidents: Sequence[str]) -> dict[str, Any]:
    """Sums and counts over a set of incidents (one summary row as a dict)."""
    members = pd.DataFrame({"kind": "set", "subject": "set", "incident": list(dict.fromkeys(incidents))})
    if members.empty:
        return {"incidents": 0, **{f: np.nan for f in FIGURES}, **{f"{f}_known": 0 for f in FIGURES}, "missing": ""}
    return dict(_summarise(members, costs).iloc[0])


def with_cost(frame: pd.DataFrame, kbase: Queryable, *, incidents_column: str | None = None) -> pd.DataFrame:
    """`frame` with the COST_COLUMNS added and ranked by cost.

    Rows name their subject by `kind` + `subject` columns (hotspots), or list their incidents in
    `incidents_column` (clusters)."""
    costs = incident_costs(kbase)
    if incidents_column is not None:
        rows = [cost_of_incidents(costs, as_list(v)) for v in frame[incidents_column]]
        extra = pd.DataFrame(rows, index=frame.index)
    else:
        summary = (
            cost_by(kbase, sorted(set(frame["kind"])), costs) if len(frame) else pd.DataFrame(columns=SUMMARY_COLUMNS)
        )
        extra = frame[["kind", "subject"]].merge(summary, on=["kind", "subject"], how="left")
        extra.index = frame.index
    out = frame.copy()
    for f in FIGURES:
        out[f] = extra[f]
    out["revenue_known"] = extra["revenue_known"]
    out["cost_missing"] = extra["missing"]
    ranked = out.sort_values(["revenue", "responder_hours"], ascending=False, na_position="last", kind="stable")
    return ranked.reset_index(drop=True)


def cost_markdown(frame: pd.DataFrame, label: str = "subject") -> str:
    """A '## Cost' section for a frame from with_cost(): one line per row, with the missing figures."""
    lines = [
        "## Cost of the evidence",
        "",
        "Ranked by revenue impact, then responder hours; sums over the "
        "incidents, lower bounds where figures are missing.",
        "",
    ]
    for r in frame.to_dict("records"):
        money = "unknown" if pd.isna(r["revenue"]) else f"{float(r['revenue']):,.0f}"
        hours = "unknown" if pd.isna(r["responder_hours"]) else f"{float(r['responder_hours']):,.0f}"
        note = f" (missing: {r['cost_missing']})" if r.get("cost_missing") else ""
        lines.append(f"- {r[label]}: revenue impact {money}, responder hours {hours}{note}")
    return "\n".join(lines) + "\n"


def finding_costs(kbase: Queryable, findings: Sequence[str]) -> pd.DataFrame:
    """finding, pattern, revenue, responder_hours, cost_missing: for each finding the most costly theme or
    barrier it addresses (directly or through a factor), summed over all that pattern's incidents."""
    from kb.analysis.clusters import finding_targets

    targets = finding_targets(kbase)
    targets = targets[targets["finding"].isin(list(findings))]
    columns = ["finding", "pattern", "revenue", "responder_hours", "cost_missing"]
    if targets.empty:
        return pd.DataFrame(columns=columns)
    kind_subject = targets["label"].str.split(":", n=1, expand=True)
    targets = targets.assign(kind=kind_subject[0], subject=kind_subject[1])
    summary = cost_by(kbase, ["theme", "barrier"])
    j = targets.merge(summary, on=["kind", "subject"], how="inner")
    j = j.sort_values(["revenue", "responder_hours"], ascending=False, na_position="last", kind="stable")
    j = j.drop_duplicates("finding").rename(columns={"label": "pattern", "missing": "cost_missing"})
    return j[columns].reset_index(drop=True)
