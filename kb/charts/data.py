"""Data preparation for charts that no analysis module provides: a few catalogue queries, shaped in pandas."""

from __future__ import annotations

import pandas as pd

from kb.analysis.incident_features import as_list
from kb.analysis.metrics import period_of
from kb.graph.catalogue import Queryable


def quarter_end(quarter: str) -> pd.Timestamp:
    """The first instant after a "2026Q3" quarter (UTC)."""
    return pd.Period(quarter, freq="Q").end_time.ceil("D").tz_localize("UTC")


def quarter_start(quarter: str) -> pd.Timestamp:
    return pd.Period(quarter, freq="Q").start_time.tz_localize("UTC")


def theme_categories(kbase: Queryable) -> pd.Series:
    """theme -> the category most of its factors have (ties: technical, process, organizational)."""
    df = kbase.query("charts_theme_categories")
    if df.empty:
        return pd.Series(dtype=object)
    order = {"technical": 0, "process": 1, "organizational": 2}
    df = df.assign(rank=df["category"].map(order).fillna(9))
    df = df.sort_values(["theme", "factors", "rank"], ascending=[True, False, True], kind="stable")
    return df.drop_duplicates("theme").set_index("theme")["category"]


def theme_quarter_counts(kbase: Queryable, *, until: str | None = None, top: int = 15) -> pd.DataFrame:
    """Incidents per theme (rows, the `top` most frequent) and quarter (columns, every quarter in range).

    `until` ("2026Q3") drops incidents that started after that quarter.
    """
    df = kbase.query("charts_incident_themes")
    if df.empty:
        return pd.DataFrame()
    df["started_at"] = pd.to_datetime(df["started_at"], utc=True)
    if until:
        df = df[df["started_at"] < quarter_end(until)]
    df = df.assign(quarter=period_of(df["started_at"], "quarter"))
    counts = df.groupby(["theme", "quarter"])["incident"].nunique().unstack(fill_value=0)
    span = pd.period_range(min(counts.columns), max(counts.columns), freq="Q")
    counts = counts.reindex(columns=[str(p) for p in span], fill_value=0)
    totals = counts.sum(axis=1)
    keep = totals.sort_values(ascending=False, kind="stable").index[:top]
    return counts.loc[sorted(keep, key=lambda t: (-totals[t], t))]


FOLLOW_UP_ORDER = ("work item closed", "work item open", "OKR proposal", "no work item or OKR")


def finding_followup(kbase: Queryable, *, incidents: list[str] | None = None) -> pd.DataFrame:
    """One row per finding: incident, severity, started_at, quarter, status, follow_up, roadmap_items (list).

    follow_up is one of FOLLOW_UP_ORDER: closed when every work item is closed; an OKR counts
    only for findings without a work item, so each finding flows along one path.
    """
    df = kbase.query("charts_finding_followup")
    if incidents is not None:
        df = df[df["incident"].isin(incidents)]
    df = df.copy()
    df["started_at"] = pd.to_datetime(df["started_at"], utc=True)
    df["quarter"] = period_of(df["started_at"], "quarter")
    work = pd.to_numeric(df["work_items"]).fillna(0).astype(int)
    closed = pd.to_numeric(df["work_closed"]).fillna(0).astype(int)
    okrs = pd.to_numeric(df["objectives"]).fillna(0).astype(int)
    df["follow_up"] = [
        FOLLOW_UP_ORDER[0]
        if w and c >= w
        else FOLLOW_UP_ORDER[1]
        if w
        else FOLLOW_UP_ORDER[2]
        if o
        else FOLLOW_UP_ORDER[3]
        for w, c, o in zip(work, closed, okrs, strict=True)
    ]
    df["roadmap_items"] = [sorted(as_list(v)) for v in df["roadmap_items"]]
    return df[
        ["incident", "severity", "started_at", "quarter", "finding", "status", "follow_up", "roadmap_items"]
    ].reset_index(drop=True)


def incidents_in(kbase: Queryable, quarter: str) -> pd.DataFrame:
    """incident, title, severity, started_at, factors of the incidents that started in `quarter`."""
    df = kbase.query("incidents_with_factor_counts")
    df["started_at"] = pd.to_datetime(df["started_at"], utc=True)
    mask = (df["started_at"] >= quarter_start(quarter)) & (df["started_at"] < quarter_end(quarter))
    return df[mask].reset_index(drop=True)
