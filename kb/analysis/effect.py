"""Did the fix work? Incident rates before and after a pattern's fix shipped, with an exact test.

A *pattern* is a theme, a barrier (challenged with status failed, missing or bypassed) or a
recurring cluster (`kb clusters`). Its *incidents* are those carrying the theme, defeating the
barrier, or the cluster's evidence incidents.

The *fix* of a pattern is the work of the first analysis that committed to it by name: the
work items tracking that incident's agreed (or done) findings that ADDRESS the theme or barrier
(for a cluster: any of its themes and barriers). Later findings that link the same work item
share it. The fix *shipped* at the last of those work items' `closed_at` (T); while one is still
open at `--as-of` the fix is "not yet shipped". Later commitments with other work items are
further attempts (`fixes="all"` gives one row per commitment); measuring from the first gives
the longest window after it, and a pattern that keeps coming back always has fresh work open.

Windows, exposure in days:
- before: from the pattern's first incident (which opens the window and is not counted) to T;
- after: from T to `as_of`.
rate = incidents / exposure days x 90 (incidents per 90 days). The rate ratio RR = rate_after /
rate_before is tested exactly, conditioning on the total: given N = n_before + n_after, n_after is
Binomial(N, p) with p = E_after*RR / (E_after*RR + E_before). The Clopper-Pearson interval of p
(scipy.stats.binomtest(...).proportion_ci(method="exact"); computed by kb.analysis.binomial, which
gives scipy's values bit for bit) maps to RR = p/(1-p) * E_before/E_after.

Verdict, at 95%:
- worked: the whole interval is below 1;
- did not work: the interval includes 1 (or lies above it) and its lower end is at least
  `target` (default 0.5): a fix that cut the rate to `target` or better is ruled out;
- no evidence yet: the interval still spans both 1 and `target` (too little time or too few
  incidents on one side), or there is no exposure after the fix yet.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from kb.analysis.binomial import exact_interval, two_sided_pvalue
from kb.analysis.repeats import find_repeats
from kb.analysis.reuse import once
from kb.graph.catalogue import Queryable
from kb.model import AGREED_STATUSES, DEFEATED_STATUSES

PER_DAYS = 90.0
"""Rates are incidents per 90 days."""
WORKED, DID_NOT_WORK, NO_EVIDENCE, NOT_SHIPPED = "worked", "did not work", "no evidence yet", "fix not yet shipped"
UNSHIPPED, CAME_BACK = "fix not yet shipped", "fix shipped and it came back"
COLUMNS = [
    "kind",
    "subject",
    "name",
    "fix_incident",
    "work_items",
    "open_work_items",
    "shipped_at",
    "first_incident",
    "before_incidents",
    "before_days",
    "before_rate",
    "after_incidents",
    "after_days",
    "after_rate",
    "rate_ratio",
    "ci_low",
    "ci_high",
    "p_value",
    "verdict",
    "repeats_unshipped",
    "repeats_came_back",
    "incidents",
]


class UnknownPattern(KeyError):
    """The SUBJECT names no theme, defeated barrier or cluster of the knowledge base."""


@dataclass(frozen=True)
class RateTest:
    rate_ratio: float
    ci_low: float
    ci_high: float
    p_value: float


def rate_ratio_test(
    n_before: int, days_before: float, n_after: int, days_after: float, confidence: float = 0.95
) -> RateTest:
    """Exact conditional test of rate_after / rate_before for Poisson counts over exposures in days."""
    if days_before <= 0 or days_after <= 0:
        raise ValueError("both exposures must be positive")
    total = n_before + n_after
    if total == 0:
        return RateTest(math.nan, 0.0, math.inf, 1.0)
    scale = days_before / days_after
    p0 = days_after / (days_after + days_before)
    pvalue = two_sided_pvalue(n_after, total, p0)  # scipy.stats.binomtest's, bit for bit (kb.analysis.binomial)
    low, high = _exact_interval(n_after, total, confidence)

    def to_rr(p: float) -> float:
        return math.inf if p >= 1 else p / (1 - p) * scale

    rr = math.inf if n_before == 0 else (n_after / days_after) / (n_before / days_before)
    return RateTest(rr, to_rr(low), to_rr(high), pvalue)


@lru_cache(maxsize=4096)
def _exact_interval(k: int, n: int, confidence: float) -> tuple[float, float]:
    """The Clopper-Pearson interval of k successes in n trials. It depends on k and n only (not on the
    tested proportion), and counts repeat: one root search each, not one per fix (a report measured
    hundreds of fixes)."""
    return exact_interval(k, n, confidence)


def verdict(ci_low: float, ci_high: float, target: float = 0.5) -> str:
    if ci_high < 1:
        return WORKED
    if ci_low >= target:
        return DID_NOT_WORK
    return NO_EVIDENCE


@dataclass(frozen=True)
class Pattern:
    kind: str  # theme | barrier | cluster
    subject: str  # slug, or the cluster's number
    name: str
    items: tuple[tuple[str, str], ...]  # (theme|barrier, slug) the fix may name
    incidents: tuple[str, ...]


def _utc(value: datetime | pd.Timestamp | None) -> pd.Timestamp:
    ts = pd.Timestamp(value if value is not None else datetime.now(UTC))
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def theme_barrier_patterns(kbase: Queryable) -> list[Pattern]:
    """Every theme and every barrier defeated in some incident, with its incidents."""
    out = []
    themes = kbase.query("patterns_incident_themes")
    barriers = kbase.query("patterns_incident_barriers", statuses=list(DEFEATED_STATUSES))
    for kind, df, col in (("theme", themes, "themes"), ("barrier", barriers, "barriers")):
        if df.empty:
            continue
        long = df[["incident", col]].explode(col).dropna().drop_duplicates()
        for slug, grp in long.groupby(col, sort=True):
            out.append(Pattern(kind, str(slug), str(slug), ((kind, str(slug)),), tuple(sorted(grp["incident"]))))
    return out


def cluster_patterns(kbase: Queryable) -> list[Pattern]:
    """The recurring clusters of `kb clusters`, each with its evidence incidents."""
    from kb.analysis.clusters import find_clusters  # heavy (igraph, leiden): only when asked

    result = once(kbase, find_clusters)
    out = []
    for row in result.clusters.itertuples(index=False):
        items = tuple([("theme", str(t)) for t in row.themes] + [("barrier", str(b)) for b in row.barriers])
        out.append(Pattern("cluster", str(row.cluster), str(row.name), items, tuple(row.incidents)))
    return out


def select_patterns(kbase: Queryable, subject: str | None = None) -> list[Pattern]:
    """Patterns named by `subject`: "theme:SLUG", "barrier:SLUG", "cluster:N" or "cluster:NAME", a bare slug
    (theme or barrier) or cluster name; all themes and barriers (and clusters) when None."""
    if subject is None:
        return theme_barrier_patterns(kbase) + cluster_patterns(kbase)
    kind, sep, rest = subject.partition(":")
    if not sep:
        kind, rest = "", subject
    if kind not in ("", "theme", "barrier", "cluster"):
        raise UnknownPattern(f"{subject!r}: expected theme:SLUG, barrier:SLUG, cluster:N or a slug")
    found = []
    if kind in ("", "theme", "barrier"):
        found = [p for p in theme_barrier_patterns(kbase) if p.subject == rest and kind in ("", p.kind)]
    if not found and kind in ("", "cluster"):
        found = [p for p in cluster_patterns(kbase) if rest in (p.subject, p.name)]
    if not found:
        raise UnknownPattern(f"{subject!r}: no theme, defeated barrier or cluster of that name in the knowledge base")
    return found


def commitments(kbase: Queryable, statuses: Sequence[str] = AGREED_STATUSES) -> pd.DataFrame:
    """kind, subject, incident, started_at, finding, work_item, created_at, closed_at: work items of
    findings that name a theme or barrier."""
    df = kbase.query("evidence_commitments", statuses=list(statuses))
    for col in ("started_at", "created_at", "closed_at"):
        df[col] = pd.to_datetime(df[col], utc=True)
    return df


def _names(df: pd.DataFrame, kind: str, subject: str, items: tuple[tuple[str, str], ...]) -> pd.Series:
    """Boolean mask of the rows whose (kind, subject) is one of `items` (a Series: safe on empty frames)."""
    wanted = set(items)
    return pd.Series([(k, s) in wanted for k, s in zip(df[kind], df[subject], strict=True)], index=df.index, dtype=bool)


def pattern_effect(
    pattern: Pattern,
    work: pd.DataFrame,
    starts: pd.Series,
    as_of: datetime | pd.Timestamp,
    *,
    fixes: str = "first",
    target: float = 0.5,
    repeats: pd.DataFrame | None = None,
) -> list[dict[str, Any]]:
    """Rows (one per commitment with `fixes="all"`) for one pattern; none when nothing named it with work.

    `work`: commitments(); `starts`: started_at by incident key; `repeats`: find_repeats() rows."""
    now = _utc(as_of)
    mine = work[_names(work, "kind", "subject", pattern.items)]
    mine = mine[mine["created_at"].isna() | (mine["created_at"] <= now)]
    mine = mine[mine["started_at"] <= now]
    if mine.empty:
        return []
    firsts = mine.sort_values(["started_at", "incident"], kind="stable").drop_duplicates("incident")
    chosen = firsts if fixes == "all" else firsts.head(1)
    times = starts.reindex(list(pattern.incidents)).dropna().sort_values()
    times = times[times <= now]
    hits = _repeat_hits(pattern, repeats, now)  # the same for every commitment: found once
    # Each commitment's work items from one split by incident (a mask per commitment was slow with many).
    # and each work item's first row, which is what a mask over `mine` then dropping duplicates gave.
    per_incident = dict(iter(mine.groupby("incident", sort=False)["work_item"])) if len(chosen) > 1 else {}
    first_rows = mine.drop_duplicates("work_item")
    keys = first_rows["work_item"].tolist()
    at = {w: i for i, w in enumerate(keys)}  # work item keys: never null
    # Each work item's closing time and whether it closed by `now`, as lists: a commitment then picks its
    # own without a frame (a business case measures hundreds of commitments of one pattern).
    closed_at = first_rows["closed_at"].tolist()
    closed_by_now = (first_rows["closed_at"].notna() & (first_rows["closed_at"] <= now)).tolist()
    rows = []
    for fix in chosen.itertuples(index=False):
        own = per_incident.get(fix.incident)
        items = (own if own is not None else mine[mine["incident"] == fix.incident]["work_item"]).unique()
        picked = sorted(at[w] for w in items)
        row: dict[str, Any] = {
            "kind": pattern.kind,
            "subject": pattern.subject,
            "name": pattern.name,
            "fix_incident": fix.incident,
            "work_items": sorted(keys[i] for i in picked),
            "open_work_items": sum(1 for i in picked if not closed_by_now[i]),
            "shipped_at": None,
            "first_incident": times.index[0] if len(times) else None,
            **{c: None for c in COLUMNS[8:19]},
            "incidents": len(times),
        }
        # Every one closed: the last closing time (a commitment has at least one work item).
        shipped = max(closed_at[i] for i in picked) if all(closed_by_now[i] for i in picked) else None
        row["verdict"] = NOT_SHIPPED
        if shipped is not None:
            row["shipped_at"] = shipped
            row.update(_windows(times, shipped, now, target))
        row.update(_repeat_split(hits, row["shipped_at"]))
        rows.append(row)
    return rows


def _windows(times: pd.Series, shipped: pd.Timestamp, now: pd.Timestamp, target: float) -> dict[str, Any]:
    if not len(times):
        return {"verdict": NO_EVIDENCE}
    t0 = times.iloc[0]
    n_before = int((times <= shipped).sum()) - 1  # the first incident opens the window
    n_after = int(((times > shipped) & (times <= now)).sum())
    d_before = (shipped - t0).total_seconds() / 86400
    d_after = (now - shipped).total_seconds() / 86400
    out: dict[str, Any] = {
        "before_incidents": max(n_before, 0),
        "after_incidents": n_after,
        "before_days": round(d_before, 3),
        "after_days": round(d_after, 3),
    }
    if d_before <= 0 or d_after <= 0:
        out["verdict"] = NO_EVIDENCE
        return out
    test = rate_ratio_test(max(n_before, 0), d_before, n_after, d_after)
    out.update(
        before_rate=max(n_before, 0) / d_before * PER_DAYS,
        after_rate=n_after / d_after * PER_DAYS,
        rate_ratio=test.rate_ratio,
        ci_low=test.ci_low,
        ci_high=test.ci_high,
        p_value=test.p_value,
        verdict=verdict(test.ci_low, test.ci_high, target),
    )
    return out


def _repeat_hits(pattern: Pattern, repeats: pd.DataFrame | None, now: pd.Timestamp) -> pd.DataFrame | None:
    """The repeats through this pattern's themes/barriers among its incidents up to `now`, one row per incident."""
    if repeats is None or repeats.empty:
        return None
    hit = repeats[_names(repeats, "via_kind", "via", pattern.items)]
    hit = hit[hit["incident"].isin(set(pattern.incidents)) & (hit["started_at"] <= now)]
    return hit.drop_duplicates("incident")


def _repeat_split(hit: pd.DataFrame | None, shipped: pd.Timestamp | None) -> dict[str, int]:
    """Repeat incidents (`_repeat_hits`) before and after the fix shipped."""
    if hit is None:
        return {"repeats_unshipped": 0, "repeats_came_back": 0}
    after = hit["started_at"] > shipped if shipped is not None else pd.Series(False, index=hit.index)
    return {"repeats_unshipped": int((~after).sum()), "repeats_came_back": int(after.sum())}


def fix_effects(
    kbase: Queryable,
    subject: str | None = None,
    *,
    as_of: datetime | None = None,
    fixes: str = "first",
    target: float = 0.5,
    patterns: Iterable[Pattern] | None = None,
) -> pd.DataFrame:
    """One row per pattern whose findings have work items (see the module docstring for every column)."""
    if fixes not in ("first", "all"):
        raise ValueError("fixes must be 'first' or 'all'")
    now = _utc(as_of)
    chosen = list(patterns) if patterns is not None else select_patterns(kbase, subject)
    work = commitments(kbase)
    incidents = kbase.query("incidents")
    starts = pd.Series(pd.to_datetime(incidents["started_at"], utc=True).to_numpy(), index=incidents["incident"])
    repeats = once(kbase, find_repeats)
    if not repeats.empty:
        repeats["started_at"] = pd.to_datetime(repeats["started_at"], utc=True)
    # Split once by (kind, subject): a pattern then reads only its own rows (48 patterns: 16 s -> well under 1 s).
    work_by = {k: g for k, g in work.groupby(["kind", "subject"], sort=False)}
    reps_by = {k: g for k, g in repeats.groupby(["via_kind", "via"], sort=False)} if len(repeats) else {}

    def own(groups: dict[Any, pd.DataFrame], frame: pd.DataFrame, p: Pattern) -> pd.DataFrame:
        parts = [groups[i] for i in p.items if i in groups]
        return pd.concat(parts) if parts else frame.iloc[0:0]

    rows = [
        r
        for p in chosen
        for r in pattern_effect(
            p, own(work_by, work, p), starts, now, fixes=fixes, target=target, repeats=own(reps_by, repeats, p)
        )
    ]
    df = pd.DataFrame(rows, columns=COLUMNS)
    order = {WORKED: 0, DID_NOT_WORK: 1, NO_EVIDENCE: 2, NOT_SHIPPED: 3}
    df["_o"] = df["verdict"].map(order)
    df = df.sort_values(["_o", "kind", "incidents", "subject"], ascending=[True, True, False, True], kind="stable")
    return df.drop(columns="_o").reset_index(drop=True)


def classify_repeats(kbase: Queryable, *, as_of: datetime | None = None) -> pd.DataFrame:
    """find_repeats() rows with `fix`: "fix not yet shipped" when the repeat started before the work of the
    finding that did not prevent it was all closed, else "fix shipped and it came back"; `shipped_at`."""
    now = _utc(as_of)
    reps = once(kbase, find_repeats)
    if reps.empty:
        return reps.assign(shipped_at=pd.Series(dtype="datetime64[ns, UTC]"), fix=pd.Series(dtype=object))
    reps["started_at"] = pd.to_datetime(reps["started_at"], utc=True)
    work = kbase.query("patterns_finding_work")
    work["closed_at"] = pd.to_datetime(work["closed_at"], utc=True)
    shipped: dict[str, Any] = {}
    for finding, grp in work.groupby("finding"):
        closed = grp["closed_at"].notna() & (grp["closed_at"] <= now)
        shipped[str(finding)] = grp["closed_at"].max() if bool(closed.all()) else pd.NaT
    reps["shipped_at"] = pd.to_datetime(reps["finding"].map(shipped), utc=True)
    came_back = reps["shipped_at"].notna() & (reps["started_at"] > reps["shipped_at"])
    reps["fix"] = np.where(came_back, CAME_BACK, UNSHIPPED)
    return reps
