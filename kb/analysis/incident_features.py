"""Per-incident features for cross-incident analysis: themes, failed barriers, services, teams.

A handful of catalogue queries, one per kind (never one per incident), joined in pandas;
`membership` turns them into a sparse incident x item matrix, so co-occurrence and
overlap are sparse products rather than loops over pairs of incidents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

# Re-exported: the analysis modules import both from here.
from kb.graph.catalogue import Queryable as Queryable
from kb.model import DEFEATED_STATUSES as DEFEATED_STATUSES

KINDS: tuple[str, ...] = ("theme", "barrier", "service", "team")


@dataclass
class IncidentFeatures:
    incidents: pd.DataFrame
    """incident, title, severity, started_at, tags (list), summary; sorted by started_at, incident."""
    items: pd.DataFrame
    """incident, kind (theme | barrier | service | team), item: one row per distinct pair."""

    def items_of(self, kind: str) -> pd.DataFrame:
        return self.items[self.items["kind"] == kind]


def as_list(value: Any) -> list[str]:
    """A list property from a frame cell: None / NaN -> [], numpy arrays -> lists."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if hasattr(value, "tolist"):
        value = value.tolist()
    return [str(v) for v in value if v is not None]


def load_features(
    kbase: Queryable, defeated: Sequence[str] = DEFEATED_STATUSES, with_text: bool = True
) -> IncidentFeatures:
    """Read the features of every incident. Barriers count only when challenged with a `defeated`
    status. Without text, titles and summaries are left out (a lighter read for counting)."""
    inc = kbase.query("incidents_with_text" if with_text else "incidents_with_tags")
    if inc.empty:
        inc = pd.DataFrame(columns=["incident", "title", "severity", "started_at", "tags", "summary"])
    inc["started_at"] = pd.to_datetime(inc["started_at"], utc=True)
    inc["tags"] = [as_list(t) for t in inc["tags"]]
    inc = inc.sort_values(["started_at", "incident"], kind="stable").reset_index(drop=True)
    # One row per incident with a list per kind (far fewer rows to fetch), exploded here.
    parts = [
        _part(kbase.query("patterns_incident_themes"), "theme", "themes"),
        _part(kbase.query("patterns_incident_barriers", statuses=list(defeated)), "barrier", "barriers"),
        _part(kbase.query("patterns_incident_services"), "service", "services"),
        _part(kbase.query("patterns_incident_teams"), "team", "teams"),
    ]
    items = pd.concat(parts, ignore_index=True).drop_duplicates(ignore_index=True)
    return IncidentFeatures(inc, items)


def _part(df: pd.DataFrame, kind: str, column: str) -> pd.DataFrame:
    if df.empty:
        return pd.DataFrame(
            {"incident": pd.Series(dtype=object), "kind": pd.Series(dtype=object), "item": pd.Series(dtype=object)}
        )
    long = df[["incident", column]].explode(column).dropna()
    return pd.DataFrame(
        {
            "incident": long["incident"].astype(object).to_numpy(),
            "kind": kind,
            "item": long[column].astype(object).to_numpy(),
        }
    )


@dataclass
class Membership:
    matrix: sp.csr_matrix
    """incidents x items, 1 where the incident has the item."""
    incidents: list[str]
    labels: list[str]
    """"kind:item" per column."""


def membership(features: IncidentFeatures, kinds: Sequence[str]) -> Membership:
    """Binary incident x item matrix over the given kinds, rows in features.incidents order."""
    keys = features.incidents["incident"].tolist()
    row_of = {k: i for i, k in enumerate(keys)}
    sel = features.items[features.items["kind"].isin(list(kinds))]
    # A dict lookup per row: an Arrow string column's isin() converts each of the 10,000s of keys first.
    sel = sel[np.fromiter((k in row_of for k in sel["incident"].tolist()), dtype=bool, count=len(sel))]
    labels_all = (sel["kind"] + ":" + sel["item"]).to_numpy()
    labels = sorted(set(labels_all.tolist()))
    col_of = {lab: j for j, lab in enumerate(labels)}
    rows = np.fromiter((row_of[k] for k in sel["incident"].tolist()), dtype=np.int64, count=len(sel))
    cols = np.fromiter((col_of[lab] for lab in labels_all), dtype=np.int64, count=len(sel))
    m = sp.csr_matrix((np.ones(len(sel)), (rows, cols)), shape=(len(keys), len(labels)))
    m.data[:] = 1.0  # duplicates would have been summed
    return Membership(m, keys, labels)


def split_label(label: str) -> tuple[str, str]:
    kind, _, item = label.partition(":")
    return kind, item
