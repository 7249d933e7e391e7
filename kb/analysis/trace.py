"""Roadmap traceability: roadmap item -> findings -> analyses -> incidents."""

from __future__ import annotations

import pandas as pd

from kb.graph.catalogue import Queryable


class UnknownRoadmapItem(KeyError):
    pass


TRACE_COLUMNS = [
    "item",
    "title",
    "quarter",
    "finding",
    "finding_status",
    "statement",
    "analysis",
    "method",
    "published_at",
    "incident",
    "incident_title",
    "started_at",
    "link_origin",
]


def roadmap_trace(kbase: Queryable) -> pd.DataFrame:
    """Every roadmap item with one row per finding behind it (finding null when untraced)."""
    return kbase.query("loop_roadmap_trace")[TRACE_COLUMNS]


def trace(kbase: Queryable, item: str) -> pd.DataFrame:
    """The chain behind one roadmap item; empty finding columns when nothing motivates it."""
    rows = roadmap_trace(kbase)
    mine = rows[rows["item"] == item]
    if mine.empty:
        known = sorted(set(rows["item"]))
        hint = f" (known: {', '.join(known[:10])}{'...' if len(known) > 10 else ''})" if known else ""
        raise UnknownRoadmapItem(f"no roadmap item {item!r}{hint}")
    return mine.reset_index(drop=True)


def untraced(kbase: Queryable) -> pd.DataFrame:
    """Roadmap items with no finding behind them: item, title, quarter."""
    rows = roadmap_trace(kbase)
    traced = set(rows.loc[rows["finding"].notna(), "item"])
    out = rows[~rows["item"].isin(traced)][["item", "title", "quarter"]].drop_duplicates()
    return out.sort_values(["quarter", "item"], na_position="last").reset_index(drop=True)


def traceability(kbase: Queryable) -> pd.DataFrame:
    """One row per roadmap item: item, title, quarter, findings, incidents, traced."""
    rows = roadmap_trace(kbase)
    grouped = rows.groupby("item", sort=True).agg(
        title=("title", "first"),
        quarter=("quarter", "first"),
        findings=("finding", "nunique"),
        incidents=("incident", "nunique"),
    )
    grouped["traced"] = grouped["findings"] > 0
    return grouped.reset_index()
