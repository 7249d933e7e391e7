"""Loop metrics: is the learning loop closing, and getting faster?

One row per period (quarter or month, every period from the first to the last with
data) plus a final "all" row over everything. Each measure is bucketed by the moment
its clock starts: incidents by started_at, analyses and their findings by
published_at, roadmap items by their quarter (its first month when by month).
Durations are in days; medians and 90th percentiles interpolate linearly between
the two nearest values (pandas' quantile). The README defines every column.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal

import numpy as np
import pandas as pd

from kb.analysis.followups import overdue_findings
from kb.analysis.gate import COMPLETE, DEFAULT_RULES, GateRules, gate_status
from kb.analysis.metric_reads import READS, READS_EVERY_INCIDENT
from kb.analysis.policy import DEFAULT_POLICY, SeverityPolicy
from kb.analysis.repeats import repeat_incidents
from kb.gc_pause import collector_paused
from kb.graph.catalogue import Queryable
from kb.knowledge_base import CachedReads, KnowledgeBase

Period = Literal["quarter", "month"]
DAY = pd.Timedelta(days=1)
OPEN_STATUSES = ("proposed", "agreed")
ALL = "all"

COLUMNS = [
    "period",
    "incidents",
    "repeats",
    "repeat_rate",
    "tti_median_days",
    "tti_p90_days",
    "remediated",
    "remediation_pending",
    "ttr_median_days",
    "roadmap_items",
    "roadmap_traced_share",
    "gated_incidents",
    "gate_completion_rate",
    "open_findings",
    "open_finding_age_median_days",
    "overdue_findings",
    "facilitators",
    "busiest_facilitator_share",
]


def period_of(ts: pd.Series, by: Period) -> pd.Series:
    """ "2025Q1" or "2025-01" for each timestamp (None where the timestamp is missing)."""
    ts = pd.to_datetime(ts, utc=True)
    if by == "quarter":
        out = ts.dt.year.astype("Int64").astype(str) + "Q" + ts.dt.quarter.astype("Int64").astype(str)
    else:
        out = (
            ts.dt.year.astype("Int64").astype(str)
            + "-"
            + ts.dt.month.astype("Int64").map(lambda m: f"{m:02d}" if pd.notna(m) else "")
        )
    return out.where(ts.notna(), None)


def _quarter_period(quarter: object, by: Period) -> str | None:
    if not isinstance(quarter, str) or len(quarter) != 6:
        return None
    if by == "quarter":
        return quarter
    return f"{quarter[:4]}-{(int(quarter[5]) - 1) * 3 + 1:02d}"


def _all_periods(seen: pd.Series, by: Period) -> list[str]:
    present = sorted({p for p in seen.tolist() if isinstance(p, str)})
    if not present:
        return []
    freq = "Q" if by == "quarter" else "M"
    span = pd.period_range(pd.Period(present[0], freq), pd.Period(present[-1], freq), freq=freq)
    return [str(p) for p in span]


def _quantile(values: pd.Series, q: float) -> float:
    values = values.dropna()
    return float(values.quantile(q)) if len(values) else np.nan


def _ts(values: object) -> pd.Series:
    """UTC timestamps; a column that is empty or all-null (imported reports have no published_at)
    comes back as NaT, never as floats that cannot be subtracted from times."""
    return pd.to_datetime(pd.Series(values), utc=True)


def _days(later: object, earlier: object) -> np.ndarray:
    """later - earlier in days, position by position; NaN where either is unknown (a metric
    without its inputs is unknown)."""
    a, b = _ts(later).reset_index(drop=True), _ts(earlier).reset_index(drop=True)
    days: np.ndarray = ((a - b) / DAY).to_numpy(dtype=float)
    return days


def _positions(periods: pd.Series) -> dict[object, list[int]]:
    """The positions of each period's rows, in order (rows without a period in none)."""
    out: dict[object, list[int]] = {}
    for pos, period in enumerate(periods.tolist()):
        out.setdefault(period, []).append(pos)
    return out


def _share(part: int, whole: int) -> float:
    return part / whole if whole else np.nan


def _looked_up(keys: pd.Series, table: pd.Series) -> list[object]:
    """`table`'s value for each key (None where it has none), as `keys.map(table)` gives them: through
    Python lists, since mapping or isin over an Arrow string column converts each value on its own
    (~0.1 CPU s a column at 10,000 incidents)."""
    found = dict(zip(table.index.tolist(), table.tolist(), strict=True))
    return [found.get(k) for k in keys.tolist()]


def _flags(values: Iterable[object]) -> np.ndarray:
    """Booleans as a bool array, also when there are none (an empty list would make an object
    column, which selects columns, not rows)."""
    return np.fromiter(values, dtype=bool)


def _is_true(values: list[object]) -> np.ndarray:
    """`.eq(True)` of looked-up flags: True only where a value is a true boolean (not None, not NaN)."""
    return _flags(isinstance(v, bool | np.bool_) and bool(v) for v in values)


def _frames(
    kbase: Queryable, as_of: datetime, rules: GateRules, policy: SeverityPolicy = DEFAULT_POLICY
) -> dict[str, pd.DataFrame]:
    incidents = repeat_incidents(kbase)
    analyses = kbase.query("loop_analyses")
    findings = kbase.query("loop_findings")
    work = kbase.query("loop_work_item_closes").dropna(subset=["finding"])

    # Time to insight: incident resolved -> its first published analysis.
    analyses["published_at"] = _ts(analyses["published_at"]).set_axis(analyses.index)
    first = analyses.dropna(subset=["published_at"]).groupby("incident")["published_at"].min()
    incidents["tti_days"] = _days(_looked_up(incidents["incident"], first), incidents["resolved_at"])

    # Gate: only incidents with an analysis have a gate to pass.
    gates = gate_status(kbase, rules=rules, policy=policy).set_index("incident")
    analysed = set(analyses["incident"].tolist())
    incidents["gated"] = _flags(k in analysed for k in incidents["incident"].tolist())
    incidents["gate_complete"] = _flags(s == COMPLETE for s in _looked_up(incidents["incident"], gates["status"]))

    # Time to remediation: analysis published -> the last work item of its findings closed.
    linked = work.merge(findings[["finding", "analysis"]], on="finding")
    per_analysis = linked.groupby("analysis").agg(items=("key", "nunique"), last_closed=("closed_at", "max"))
    # Vectorised counts (a Python lambda per group took seconds at 10,000 incidents).
    open_items = linked["closed_at"].isna().groupby(linked["analysis"]).sum().astype("int64")
    per_analysis.insert(1, "open_items", open_items.reindex(per_analysis.index))
    analyses = analyses.join(per_analysis, on="analysis")
    analyses["has_work"] = analyses["items"].fillna(0) > 0
    analyses["remediated"] = analyses["has_work"] & (analyses["open_items"] == 0)
    analyses["ttr_days"] = pd.Series(
        _days(analyses["last_closed"], analyses["published_at"]), index=analyses.index
    ).where(analyses["remediated"].fillna(False).astype(bool))

    # Open findings: proposed or agreed, and not settled by closed work (none linked, or one still open).
    per_finding = work["closed_at"].notna().groupby(work["finding"]).all()  # every linked item closed
    findings["closed_by_work"] = _is_true(_looked_up(findings["finding"], per_finding))
    findings = findings.dropna(subset=["published_at"])
    findings = findings[findings["status"].isin(OPEN_STATUSES) & ~findings["closed_by_work"]].copy()
    findings["age_days"] = _days([pd.Timestamp(as_of)] * len(findings), findings["published_at"])
    overdue = overdue_findings(kbase, as_of=as_of, policy=policy).set_index("finding")["overdue"]
    findings["overdue"] = _is_true(_looked_up(findings["finding"], overdue))

    roadmap = kbase.query("loop_roadmap_trace")
    roadmap = roadmap.groupby("item").agg(quarter=("quarter", "first"), findings=("finding", "count"))
    return {"incidents": incidents, "analyses": analyses, "open_findings": findings, "roadmap": roadmap.reset_index()}


def _row(
    period: str, inc: pd.DataFrame, ana: pd.DataFrame, open_f: pd.DataFrame, road: pd.DataFrame
) -> dict[str, object]:
    published = ana.dropna(subset=["published_at"])
    facilitated = published["facilitator"].dropna()
    counts = facilitated.value_counts()
    gated = inc[inc["gated"]]
    return {
        "period": period,
        "incidents": len(inc),
        "repeats": int(inc["repeat"].sum()),
        "repeat_rate": _share(int(inc["repeat"].sum()), len(inc)),
        "tti_median_days": _quantile(inc["tti_days"], 0.5),
        "tti_p90_days": _quantile(inc["tti_days"], 0.9),
        "remediated": int(published["remediated"].sum()),
        "remediation_pending": int((published["has_work"] & ~published["remediated"]).sum()),
        "ttr_median_days": _quantile(published["ttr_days"], 0.5),
        "roadmap_items": len(road),
        "roadmap_traced_share": _share(int((road["findings"] > 0).sum()), len(road)),
        "gated_incidents": len(gated),
        "gate_completion_rate": _share(int(gated["gate_complete"].sum()), len(gated)),
        "open_findings": len(open_f),
        "open_finding_age_median_days": _quantile(open_f["age_days"], 0.5),
        "overdue_findings": int(open_f["overdue"].sum()),
        "facilitators": int(facilitated.nunique()),
        "busiest_facilitator_share": _share(int(counts.iloc[0]) if len(counts) else 0, len(facilitated)),
    }


def loop_metrics(
    kbase: Queryable,
    by: Period = "quarter",
    as_of: datetime | None = None,
    rules: GateRules = DEFAULT_RULES,
    policy: SeverityPolicy = DEFAULT_POLICY,
) -> pd.DataFrame:
    """The loop metrics per period and overall (last row, period "all")."""
    if by not in ("quarter", "month"):
        raise ValueError(f"by={by!r}: expected quarter or month")
    as_of = as_of or datetime.now(UTC)
    if isinstance(kbase, KnowledgeBase) and not isinstance(kbase, CachedReads):
        kbase = CachedReads(kbase)  # the repeats, the gate and the metrics read the same queries: once each
    if isinstance(kbase, CachedReads):
        kbase.prefetch(READS, every_incident=READS_EVERY_INCIDENT)
    # Reading ~30,000-row answers three times makes millions of acyclic objects: the cyclic collector's
    # rescans of them were ~15% of the CPU at 10,000 incidents (reference counting still frees them).
    with collector_paused():
        return _metrics(kbase, by, as_of, rules, policy)


def _metrics(kbase: Queryable, by: Period, as_of: datetime, rules: GateRules, policy: SeverityPolicy) -> pd.DataFrame:
    f = _frames(kbase, as_of, rules, policy)
    inc, ana, open_f, road = f["incidents"], f["analyses"], f["open_findings"], f["roadmap"]
    inc["period"] = period_of(inc["started_at"], by)
    ana["period"] = period_of(ana["published_at"], by)
    open_f["period"] = period_of(open_f["published_at"], by)
    road["period"] = [_quarter_period(q, by) for q in road["quarter"]]
    periods = _all_periods(pd.concat([inc["period"], ana["period"], road["period"]]), by)
    frames = (inc, ana, open_f, road)
    # Each frame's rows of each period, found in one pass (a comparison per period and frame took
    # ~0.1 CPU s at 10,000 incidents); in the frame's order, as a boolean selection keeps them.
    at = [_positions(df["period"]) for df in frames]
    rows = [_row(p, *(df.iloc[where.get(p, [])] for df, where in zip(frames, at, strict=True))) for p in periods]
    rows.append(_row(ALL, inc, ana, open_f, road))
    return pd.DataFrame(rows, columns=COLUMNS)
