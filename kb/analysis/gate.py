"""The integration gate: findings on an impact/effort matrix, and whether each one became work.

An incident's gate is *complete* only when every agreed finding is tracked by a work
item, proposed as an OKR, or deferred with a reason; findings that are high-impact and
feasible must be work items (an OKR is too slow a vehicle for a quick win). A finding
still "proposed" keeps the gate open: the review has not decided on it yet. Rejected
and done findings need nothing more.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
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
STATUS_COLUMNS = ["incident", "started_at", "findings", "agreed", "unsettled", "status", "reason"]
"""gate_status's columns."""


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


def gate_findings(kbase: Queryable, incidents: Sequence[str] | None, rules: GateRules = DEFAULT_RULES) -> pd.DataFrame:
    """Every finding of the incidents (None: of every incident) with its quadrant, disposition and
    problem (None when fine).

    `needs_work_item` marks the agreed findings a new work item would settle: what
    `kb gate --push` and `--export jira-csv` create issues for.
    """
    return _judged_findings(kbase, incidents, rules, "loop_gate_findings")


def _judged_findings(kbase: Queryable, incidents: Sequence[str] | None, rules: GateRules, query: str) -> pd.DataFrame:
    """`query`'s findings of the incidents (None: of every incident), judged. loop_gate_judged holds
    only the columns the judgement reads: gate_status needs no statement, owner or tags."""
    every = getattr(kbase, "query_every", None)
    if incidents is None and every is not None:
        # The same rows without an IN over every key (on Ladybug that IN cost ~3x the read at 10,000).
        df = every(query)
    else:
        keys = list(incidents) if incidents is not None else kbase.query("incidents")["incident"].tolist()
        df = kbase.query(query, keys=keys)
    # Through Python lists: Series.map calls through pandas' machinery per cell (~0.1 CPU s at 10,000 incidents).
    df["work_items"] = _lists_or_empty(df["work_items"].tolist())
    df["objectives"] = _lists_or_empty(df["objectives"].tolist())
    df["quadrant"] = _quadrants(df["impact"], df["effort"], rules)
    disposition, problem = _judged(df)
    df["disposition"] = disposition
    df["problem"] = problem
    df["needs_work_item"] = (df["status"] == "agreed") & df["problem"].notna()
    return df


def _lists_or_empty(values: list[Any]) -> np.ndarray:
    """Each value as a list, [] for a null: an object column of lists, as `Series.map` made it (filled
    cell by cell: numpy would make a 2-D array of lists of one length)."""
    out = np.empty(len(values), dtype=object)
    for pos, v in enumerate(values):
        out[pos] = list(v) if v is not None else []
    return out


def _quadrants(impact: pd.Series, effort: pd.Series, rules: GateRules) -> list[str]:
    """`quadrant` of every row, by column (a call per finding took a second at 10,000 incidents)."""
    imp = np.trunc(pd.to_numeric(impact, errors="coerce").to_numpy(dtype=float))  # int() truncates
    eff = np.trunc(pd.to_numeric(effort, errors="coerce").to_numpy(dtype=float))
    high, easy = imp >= rules.high_impact, eff <= rules.feasible_effort
    out = np.where(high, np.where(easy, QUICK_WIN, MAJOR_PROJECT), np.where(easy, FILL_IN, THANKLESS))
    out = np.where(np.isnan(imp) | np.isnan(eff), UNRATED, out)
    return [str(q) for q in out]


def _judged(df: pd.DataFrame) -> tuple[list[str], list[str | None]]:
    """(disposition, problem or None) of every finding: `_judge` by column, the same answers
    (`_judge` row by row over a records list took seconds at 10,000 incidents)."""
    if df.empty:
        return [], []
    status = df["status"].to_numpy(dtype=object)
    # Over Python lists: iterating an Arrow string column converts each value on its own.
    tracked = np.fromiter((len(v) > 0 for v in df["work_items"].tolist()), dtype=bool, count=len(df))
    okr = np.fromiter((len(v) > 0 for v in df["objectives"].tolist()), dtype=bool, count=len(df))
    reason = np.fromiter(
        (isinstance(r, str) and bool(r.strip()) for r in df["deferred_reason"].tolist()), dtype=bool, count=len(df)
    )
    quick = df["quadrant"].to_numpy(dtype=object) == QUICK_WIN
    fixed = {"rejected": "rejected", "done": "done", "proposed": "undecided", "deferred": "deferred"}
    disposition = [
        fixed.get(s) or ("work-item" if t else "okr" if o else "untracked")
        for s, t, o in zip(status, tracked, okr, strict=True)
    ]
    problem: list[str | None] = [None] * len(df)
    for pos in np.flatnonzero(status == "proposed"):
        problem[pos] = "still proposed: agree, reject or defer it"
    for pos in np.flatnonzero((status == "deferred") & ~reason):
        problem[pos] = "deferred without a reason: record why"
    agreed_untracked = ~np.isin(status, list(fixed)) & ~tracked
    for pos in np.flatnonzero(agreed_untracked & quick):
        problem[pos] = (
            f"high impact ({int(df['impact'].iat[pos])}) and feasible (effort {int(df['effort'].iat[pos])}): "
            "must be tracked by a work item"
        )
    for pos in np.flatnonzero(agreed_untracked & ~quick & ~okr):
        problem[pos] = "agreed but untracked: needs a work item, an OKR proposal or a deferral with a reason"
    return disposition, problem


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
    analysed = set(kbase.query("loop_analyses")["incident"].tolist())
    findings = _judged_findings(kbase, keys if incidents is not None else None, rules, "loop_gate_judged")
    # Per incident, in the findings' order: how many, how many agreed, and the unsettled ones
    # (grouped by column: a loop over the rows and then the incidents took seconds at 10,000).
    # Counted over Python lists: grouping and to_dict over an Arrow string column converted each key
    # on its own (~0.1 CPU s at 10,000 incidents).
    by = findings["incident"].tolist()
    count = Counter(by)
    agreed = Counter(key for key, status in zip(by, findings["status"].tolist(), strict=True) if status == "agreed")
    listed: dict[object, list[str]] = {}
    bad = findings[findings["problem"].notna()]
    for key, local_id, problem in zip(*(bad[c].tolist() for c in ("incident", "local_id", "problem")), strict=True):
        listed.setdefault(key, []).append(f"{local_id}: {problem}")
    severities = all_incidents["severity"].tolist()
    exempt = {s: not policy.for_severity(s).gate for s in set(severities)}
    found: list[int] = []
    unsettled: list[int] = []
    reasons: list[str | None] = []
    for inc, severity in zip(keys, severities, strict=True):
        mine = listed.get(inc, [])
        found.append(count.get(inc, 0))
        unsettled.append(len(mine))
        if exempt[severity]:
            reason: str | None = None  # the severity policy exempts it (e.g. a SEV5 typo fix)
        elif inc not in analysed:
            reason = "no analysis recorded"
        elif not found[-1]:
            reason = "the analysis produced no findings"
        elif mine:
            reason = f"{len(mine)} finding(s) not settled: " + "; ".join(mine)
        else:
            reason = None
        reasons.append(reason)
    if not keys:
        return pd.DataFrame([], columns=STATUS_COLUMNS)
    # From column lists, not a dict per row: the same dtypes, without pandas reading 10,000 dicts.
    columns = {
        "incident": keys,
        "started_at": all_incidents["started_at"].tolist(),
        "findings": found,
        "agreed": [agreed.get(inc, 0) for inc in keys],
        "unsettled": unsettled,
        "status": [OPEN if reason else COMPLETE for reason in reasons],
        "reason": reasons,
    }
    return pd.DataFrame(columns, columns=STATUS_COLUMNS)


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
