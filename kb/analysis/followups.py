"""Follow-up deadlines: when each open finding and work item is due, and which are overdue.

A finding's due date is its `due_at` when the packet states one, else the analysis' published_at
(else the incident's started_at) plus the severity's `due_days` from the policy (kb.toml
[policy.SEVn] due_days; defaults SEV1 30, SEV2 60, SEV3 90, SEV4 180, SEV5 365 days). A work item is
due at its own `due_at`, else at its finding's due date.

Open at `as_of`: a finding with status proposed or agreed that is not settled by work (no work item,
or one still open); a work item without a closed_at at or before `as_of`, tracking such a finding or
not. Overdue: open and due before `as_of`. Done, rejected and deferred findings are not follow-ups.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from kb.analysis.policy import DEFAULT_POLICY, SeverityPolicy
from kb.graph.catalogue import Queryable

OPEN_STATUSES = ("proposed", "agreed")
COLUMNS = [
    "kind",
    "key",
    "finding",
    "incident",
    "severity",
    "owner",
    "status",
    "due_at",
    "due_source",
    "days_left",
    "overdue",
    "statement",
]


def _ts(value: datetime | None) -> pd.Timestamp:
    ts = pd.Timestamp(value or datetime.now(UTC))
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def followups(
    kbase: Queryable,
    *,
    as_of: datetime | None = None,
    policy: SeverityPolicy = DEFAULT_POLICY,
    overdue_only: bool = False,
    owner: str | None = None,
) -> pd.DataFrame:
    """One row per open follow-up (finding or work item), most overdue first."""
    now = _ts(as_of)
    df = kbase.query("evidence_followups")
    if df.empty:
        return pd.DataFrame(columns=COLUMNS)
    df, days = _due(df, now, policy)
    df["finding_source"] = np.where(
        df["due_at"].notna(), "stated", "SEV" + df["severity"].astype(str) + " default: " + days.astype(str) + " days"
    )
    open_f = _open_findings(df)
    # Rows built from column lists: iterrows / to_dict("records") took a second at 10,000 incidents.
    rows: list[dict[str, Any]] = [
        {
            "kind": "finding",
            "key": k,
            "finding": k,
            "incident": incident,
            "severity": severity,
            "owner": who,
            "status": status,
            "due_at": due,
            "due_source": source,
            "statement": statement,
        }
        for k, incident, severity, who, status, due, source, statement in zip(
            open_f.index.tolist(),
            *_lists(open_f, "incident", "severity", "owner", "status", "finding_due", "finding_source", "statement"),
            strict=True,
        )
    ]
    w = df.dropna(subset=["work_item"])
    w = w[~w["work_closed"]].drop_duplicates("work_item")
    for item, finding, incident, severity, who, status, work_due, due, source, statement in zip(
        *_lists(
            w,
            "work_item",
            "finding",
            "incident",
            "severity",
            "owner",
            "work_status",
            "work_due_at",
            "finding_due",
            "finding_source",
            "statement",
        ),
        strict=True,
    ):
        stated = pd.notna(work_due)
        rows.append(
            {
                "kind": "work item",
                "key": item,
                "finding": finding,
                "incident": incident,
                "severity": severity,
                "owner": who,  # not `owner`: that is the filter asked for
                "status": status,
                "due_at": work_due if stated else due,
                "due_source": "stated" if stated else f"finding's ({source})",
                "statement": statement,
            }
        )
    out = pd.DataFrame(rows, columns=COLUMNS)
    if out.empty:
        return out
    out["due_at"] = pd.to_datetime(out["due_at"], utc=True)
    out["days_left"] = ((out["due_at"] - now).dt.total_seconds() / 86400).round(1)
    out["overdue"] = out["due_at"] < now
    if owner is not None:
        out = out[out["owner"].fillna("").str.lower() == owner.lower()]
    if overdue_only:
        out = out[out["overdue"]]
    return out.sort_values(["days_left", "kind", "key"], kind="stable").reset_index(drop=True)


def _due(df: pd.DataFrame, now: pd.Timestamp, policy: SeverityPolicy) -> tuple[pd.DataFrame, pd.Series]:
    """The rows (a finding's, once per work item tracking it) of incidents started by `now`, with
    whether each work item had closed by then (work_closed) and the finding's due date (finding_due);
    and the severity's default number of days of each row."""
    for col in ("due_at", "published_at", "started_at", "closed_at", "work_due_at"):
        if col in df.columns:
            df[col] = pd.to_datetime(df[col], utc=True)
    df = df[df["started_at"] <= now]
    df["work_closed"] = df["closed_at"].notna() & (df["closed_at"] <= now)
    clock = df["published_at"].where(df["published_at"].notna(), df["started_at"])
    days = _due_days(df["severity"], policy)
    default_due = clock + pd.to_timedelta(days, unit="D")
    df["finding_due"] = df["due_at"].where(df["due_at"].notna(), default_due)
    return df, days


def _due_days(severity: pd.Series, policy: SeverityPolicy) -> pd.Series:
    """The policy's due_days of each severity, as `severity.map` of `policy.for_severity` gives them:
    looked up once per distinct severity (a call per row was ~0.05 CPU s at 10,000 incidents)."""
    if severity.empty:
        return severity.map(lambda s: policy.for_severity(s).due_days)
    known: dict[object, Any] = {}
    days = []
    for s in severity.tolist():
        if s not in known:  # a NaN is never found (NaN != NaN): looked up each time, still the same answer
            known[s] = policy.for_severity(s).due_days
        days.append(known[s])
    return pd.Series(days, index=severity.index, name=severity.name)


def _open_findings(df: pd.DataFrame) -> pd.DataFrame:
    """One row per finding of `_due`'s rows (its first), indexed by finding: those proposed or agreed
    and not settled by work (none tracks it, or one has not closed)."""
    per = df.groupby("finding").agg(items=("work_item", "count"), closed=("work_closed", "sum"))
    f = df.drop_duplicates("finding").set_index("finding")
    settled = (per["items"] > 0) & (per["closed"] == per["items"])
    return f[f["status"].isin(OPEN_STATUSES) & ~settled.reindex(f.index).fillna(False).astype(bool)]


def _lists(df: pd.DataFrame, *columns: str) -> list[list[Any]]:
    """The columns as Python lists, cells as `to_dict("records")` gives them (Timestamps, NaN)."""
    return [df[c].tolist() for c in columns]


def overdue_findings(
    kbase: Queryable, *, as_of: datetime | None = None, policy: SeverityPolicy = DEFAULT_POLICY
) -> pd.DataFrame:
    """finding, overdue: the open findings (for the loop metrics' overdue counts), as `followups`
    lists them (most overdue first), from loop_finding_deadlines: evidence_followups without the
    text and the rows of work items that the counts do not read."""
    now = _ts(as_of)
    df = kbase.query("loop_finding_deadlines")
    if df.empty:
        return pd.DataFrame(columns=["finding", "overdue"])
    df, _ = _due(df, now, policy)
    open_f = _open_findings(df)
    if open_f.empty:
        return pd.DataFrame(columns=["finding", "overdue"])
    due = pd.to_datetime(pd.Series(open_f["finding_due"].tolist(), dtype=object), utc=True)
    out = pd.DataFrame(
        {
            "finding": open_f.index.tolist(),
            "days_left": ((due - now).dt.total_seconds() / 86400).round(1),
            "overdue": due < now,
        }
    )
    # followups' order (days_left, kind, key) among its findings: their keys are distinct.
    out = out.sort_values(["days_left", "finding"], kind="stable")
    return out[["finding", "overdue"]].reset_index(drop=True)
