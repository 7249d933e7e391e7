"""What if this barrier had held, or this theme had been fixed? The past incidents it would have prevented.

An incident's causal web is a directed graph: each factor points at what it contributed to, and
the factors that contributed directly to the impact point at the impact. A *causal path* runs from
a root cause (a factor nothing contributed to) to the impact. The incident would have been
prevented when every such path passes through the subject:
- a theme: through a factor that is an instance of the theme;
- a barrier: through a factor that defeated it, in an incident that challenged it with status
  failed, missing or bypassed (had it held, those factors' effect would have stopped there).
Computed per incident with networkx: remove the subject's factors and check that no root cause still
reaches the impact. Incidents whose web has no path to the impact say nothing and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
import pandas as pd

from kb.analysis.cost import FIGURES, cost_of_incidents, incident_costs
from kb.graph.catalogue import Queryable
from kb.model import DEFEATED_STATUSES

IMPACT = "__impact__"
ROOT = "__root__"
COLUMNS = ["incident", "started_at", "severity", "title", "paths", "subject_factors", "prevented", *FIGURES]


@dataclass
class WhatIf:
    kind: str
    subject: str
    incidents: pd.DataFrame
    """Every incident where the subject is on at least one causal path (prevented True/False)."""
    total: dict[str, Any]
    """Cost summed over the prevented incidents (kb.analysis.cost.cost_of_incidents)."""

    @property
    def prevented(self) -> pd.DataFrame:
        return self.incidents[self.incidents["prevented"]].reset_index(drop=True)


def causal_webs(kbase: Queryable) -> dict[str, nx.DiGraph]:
    """incident -> its causal web: factor edges, impact edges to IMPACT, and ROOT -> every root cause."""
    webs: dict[str, nx.DiGraph] = {}
    for row in kbase.query("evidence_causal_edges").itertuples(index=False):
        webs.setdefault(row.incident, nx.DiGraph()).add_edge(row.source, row.target)
    for row in kbase.query("evidence_impact_edges").itertuples(index=False):
        webs.setdefault(row.incident, nx.DiGraph()).add_edge(row.factor, IMPACT)
    for g in webs.values():
        roots = [n for n in g.nodes if n != IMPACT and g.in_degree(n) == 0]
        g.add_edges_from((ROOT, r) for r in roots)
    return webs


def count_paths(g: nx.DiGraph) -> int:
    """Causal paths from the root causes to the impact (0 without a path; the web is meant to be a DAG)."""
    if IMPACT not in g or not nx.has_path(g, ROOT, IMPACT):
        return 0
    if not nx.is_directed_acyclic_graph(g):
        return -1  # a cycle (which `kb check` flags): paths are not countable, cuts still are
    ways: dict[str, int] = {ROOT: 1}
    for n in nx.topological_sort(g):
        if n != ROOT:
            ways[n] = sum(ways.get(p, 0) for p in g.predecessors(n))
    return ways.get(IMPACT, 0)


def blocks_every_path(g: nx.DiGraph, factors: set[str]) -> bool:
    """True when removing `factors` leaves no path from a root cause to the impact (and one existed)."""
    if IMPACT not in g or not nx.has_path(g, ROOT, IMPACT):
        return False
    rest = g.subgraph(n for n in g.nodes if n not in factors)
    return not nx.has_path(rest, ROOT, IMPACT)


def what_if(kbase: Queryable, kind: str, subject: str) -> WhatIf:
    """The incidents that a held barrier / a fixed theme would have prevented, with their summed cost."""
    if kind == "theme":
        hits = kbase.query("evidence_theme_factors", slug=subject)
    elif kind == "barrier":
        hits = kbase.query("evidence_barrier_factors", slug=subject, statuses=list(DEFEATED_STATUSES))
    else:
        raise ValueError(f"kind {kind!r}: expected theme or barrier")
    webs = causal_webs(kbase)
    costs = incident_costs(kbase)
    info = costs.set_index("incident")
    rows = []
    for incident, grp in hits.groupby("incident", sort=True):
        g = webs.get(str(incident))
        mine = set(grp["factor"])
        if g is None or not (mine & set(g.nodes)) or IMPACT not in g:
            continue
        if not any(nx.has_path(g, f, IMPACT) for f in mine if f in g):
            continue  # the subject is in the web but on no path to the impact
        r = info.loc[incident] if incident in info.index else None
        rows.append(
            {
                "incident": incident,
                "started_at": r["started_at"] if r is not None else None,
                "severity": r["severity"] if r is not None else None,
                "title": r["title"] if r is not None else None,
                "paths": count_paths(g),
                "subject_factors": sorted(mine),
                "prevented": blocks_every_path(g, mine),
                **{f: (r[f] if r is not None else None) for f in FIGURES},
            }
        )
    df = pd.DataFrame(rows, columns=COLUMNS)
    if not df.empty:
        df["prevented"] = df["prevented"].astype(bool)
        df = df.sort_values(
            ["prevented", "started_at", "incident"], ascending=[False, True, True], kind="stable"
        ).reset_index(drop=True)
    total = cost_of_incidents(costs, df.loc[df["prevented"], "incident"].tolist() if len(df) else [])
    return WhatIf(kind, subject, df, total)
