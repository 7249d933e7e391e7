"""The integration gate: findings on an impact/effort matrix, and whether each one became work.

An incident's gate is *complete* only when every agreed finding is tracked by a work
item, proposed as an OKR, or deferred with a reason; findings that are high-impact and
feasible must be work items (an OKR is too slow a vehicle for a quick win). A finding
still "proposed" keeps the gate open: the review has not decided on it yet. Rejected
and done findings need nothing more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from kb.analysis.policy import DEFAULT_POLICY, SeverityPolicy
from kb.graph.catalogue import Queryable


@dataclass(frozen=True)
class GateRules:
    """Thresholds on the 1-5 scales of a finding's impact and effort.

    Feasible means effort <= 2: the "quick win" quadrant. Effort 3 is the middle of
    the scale, a quarter's worth of work that an OKR may carry as well as a ticket.
    """

    high_impact: int = 4
    feasible_effort: int = 2


DEFAULT_RULES = GateRules()

QUICK_WIN, MAJOR_PROJECT, FILL_IN, THANKLESS, UNRATED = (
    "quick-win",
    "major-project",
    "fill-in",
    "thankless",
    "unrated",
)
COMPLETE, OPEN = "complete", "open"


def quadrant(impact: object, effort: object, rules: GateRules = DEFAULT_RULES) -> str:
    """The impact/effort quadrant of one finding ("unrated" without both scores)."""
    if impact is None or effort is None or pd.isna(impact) or pd.isna(effort):
        return UNRATED
    high = int(impact) >= rules.high_impact  # type: ignore[call-overload]
    easy = int(effort) <= rules.feasible_effort  # type: ignore[call-overload]
    if high:
        return QUICK_WIN if easy else MAJOR_PROJECT
    return FILL_IN if easy else THANKLESS


def _judge(row: Mapping[str, Any], rules: GateRules) -> tuple[str, str | None]:
    """(disposition, problem or None) for one finding."""
    status = row["status"]
    tracked = len(row["work_items"]) > 0
    proposed_okr = len(row["objectives"]) > 0
    if status == "rejected":
        return "rejected", None
    if status == "done":
        return "done", None
    if status == "proposed":
        return "undecided", "still proposed: agree, reject or defer it"
    if status == "deferred":
        if isinstance(row["deferred_reason"], str) and row["deferred_reason"].strip():
            return "deferred", None
        return "deferred", "deferred without a reason: record why"
    # agreed
    if tracked:
        return "work-item", None
    if row["quadrant"] == QUICK_WIN:
        return (
            "okr" if proposed_okr else "untracked",
            f"high impact ({int(row['impact'])}) and feasible (effort {int(row['effort'])}): "
            "must be tracked by a work item",
        )
    if proposed_okr:
        return "okr", None
    return "untracked", "agreed but untracked: needs a work item, an OKR proposal or a deferral with a reason"


def gate_findings(kbase: Queryable, incidents: Sequence[str], rules: GateRules = DEFAULT_RULES) -> pd.DataFrame:
    """Every finding of the incidents with its quadrant, disposition and problem (None when fine).

    `needs_work_item` marks the agreed findings a new work item would settle: what
    `kb gate --push` and `--export jira-csv` create issues for.
    """
    df = kbase.query("loop_gate_findings", keys=list(incidents))
    df["work_items"] = df["work_items"].map(lambda v: list(v) if v is not None else [])
    df["objectives"] = df["objectives"].map(lambda v: list(v) if v is not None else [])
    df["quadrant"] = [quadrant(i, e, rules) for i, e in zip(df["impact"], df["effort"], strict=True)]
    judged = [_judge(row, rules) for row in df.to_dict("records")]
    df["disposition"] = [d for d, _ in judged]
    df["problem"] = [p for _, p in judged]
    df["needs_work_item"] = (df["status"] == "agreed") & df["problem"].notna()
    return df


def gate_status(
    kbase: Queryable,
    incidents: Sequence[str] | None = None,
    rules: GateRules = DEFAULT_RULES,
    policy: SeverityPolicy = DEFAULT_POLICY,
) -> pd.DataFrame:
    """One row per incident: status complete/open, counts, and the reason when open.

    An incident with no analysis, or whose analyses produced no findings, is open:
    there is nothing yet that could become work.
    """
    all_incidents = kbase.query("incidents")
    if incidents is not None:
        all_incidents = all_incidents[all_incidents["incident"].isin(list(incidents))]
    keys = all_incidents["incident"].tolist()
    analysed = set(kbase.query("loop_analyses")["incident"])
    findings = gate_findings(kbase, keys, rules)
    # Per incident, in the findings' order: how many, how many agreed, and the unsettled ones
    # (one pass over the columns rather than a frame filter per incident).
    count: dict[object, int] = {}
    agreed: dict[object, int] = {}
    unsettled: dict[object, list[str]] = {}
    for key, status, local_id, problem in zip(
        findings["incident"], findings["status"], findings["local_id"], findings["problem"], strict=True
    ):
        count[key] = count.get(key, 0) + 1
        agreed[key] = agreed.get(key, 0) + int(status == "agreed")
        if problem is not None and not pd.isna(problem):
            unsettled.setdefault(key, []).append(f"{local_id}: {problem}")
    rows = []
    for inc in all_incidents.itertuples(index=False):
        problems = unsettled.get(inc.incident, [])
        if not policy.for_severity(inc.severity).gate:
            reason: str | None = None  # the severity policy exempts it (e.g. a SEV5 typo fix)
        elif inc.incident not in analysed:
            reason = "no analysis recorded"
        elif not count.get(inc.incident):
            reason = "the analysis produced no findings"
        elif problems:
            reason = f"{len(problems)} finding(s) not settled: " + "; ".join(problems)
        else:
            reason = None
        rows.append(
            {
                "incident": inc.incident,
                "started_at": inc.started_at,
                "findings": count.get(inc.incident, 0),
                "agreed": agreed.get(inc.incident, 0),
                "unsettled": len(problems),
                "status": OPEN if reason else COMPLETE,
                "reason": reason,
            }
        )
    return pd.DataFrame(rows, columns=["incident", "started_at", "findings", "agreed", "unsettled", "status", "reason"])


def matrix(findings: pd.DataFrame) -> pd.DataFrame:
    """Impact (rows, 5 at the top) x effort (columns 1-5): the local ids of the findings in each cell."""
    grid = pd.DataFrame(
        "", index=pd.Index([5, 4, 3, 2, 1], name="impact"), columns=pd.Index([1, 2, 3, 4, 5], name="effort")
    )
    for row in findings.itertuples():
        if pd.isna(row.impact) or pd.isna(row.effort):
            continue
        cell = grid.at[int(row.impact), int(row.effort)]
        grid.at[int(row.impact), int(row.effort)] = f"{cell}, {row.local_id}" if cell else str(row.local_id)
    return grid
