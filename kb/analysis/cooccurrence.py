"""Which themes, failed barriers and services occur together across incidents more often than chance.

Counts come from one sparse product of the incident x item matrix with itself
(items x items: a few hundred squared, whatever the number of incidents). Each pair
gets its lift over chance (observed / expected under independence), its normalised
PMI, and the hypergeometric probability of seeing at least that many incidents with
both by chance (kb.analysis.hypergeometric, for the lifted pairs); only pairs that
are frequent, lifted and significant after a Bonferroni correction become edges of
the co-occurrence graph.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from kb.analysis.hypergeometric import hypergeom_sf_many
from kb.analysis.incident_features import Membership, split_label


@dataclass
class Cooccurrence:
    n_incidents: int
    items: pd.DataFrame
    """label, kind, item, incidents (how many incidents have it)."""
    pairs: pd.DataFrame
    """a, b (labels, a < b), together, expected, lift, npmi, p_value: the significant pairs."""


def default_min_support(n_incidents: int) -> int:
    # A pattern needs a handful of incidents to be a pattern, and on large corpora
    # a tiny share of them is noise: 3 incidents, or 0.5% of them.
    return max(3, math.ceil(0.005 * n_incidents))


def cooccurrence(
    mem: Membership, *, min_together: int | None = None, min_lift: float = 1.5, alpha: float = 0.01
) -> Cooccurrence:
    """Significant item pairs. `alpha` is the family-wise error rate (Bonferroni over all pairs)."""
    n = mem.matrix.shape[0]
    m = mem.matrix
    support = np.asarray(m.sum(axis=0)).ravel()
    kinds_items = [split_label(lab) for lab in mem.labels]
    items = pd.DataFrame(
        {
            "label": mem.labels,
            "kind": [k for k, _ in kinds_items],
            "item": [i for _, i in kinds_items],
            "incidents": support.astype(int),
        }
    )
    empty = pd.DataFrame(columns=["a", "b", "together", "expected", "lift", "npmi", "p_value"])
    if n == 0 or len(mem.labels) < 2:
        return Cooccurrence(n, items, empty)
    min_together = default_min_support(n) if min_together is None else min_together
    together = (m.T @ m).tocoo()
    mask = (together.row < together.col) & (together.data >= min_together)
    ia, ib, k = together.row[mask], together.col[mask], together.data[mask]
    if len(k) == 0:
        return Cooccurrence(n, items, empty)
    ca, cb = support[ia], support[ib]
    expected = ca * cb / n
    lift = k / expected
    p_joint = k / n
    with np.errstate(divide="ignore", invalid="ignore"):
        npmi = np.where(p_joint < 1, np.log(lift) / -np.log(p_joint), 1.0)
    # Only a lifted pair can become an edge: the others' p-values are never read (NaN).
    lifted = lift >= min_lift
    p_value = np.full(len(k), np.nan)
    p_value[lifted] = hypergeom_sf_many(k[lifted].tolist(), n, ca[lifted].tolist(), cb[lifted].tolist())
    n_pairs = len(mem.labels) * (len(mem.labels) - 1) / 2
    keep = (lift >= min_lift) & (p_value * n_pairs <= alpha)
    labels = np.array(mem.labels, dtype=object)
    pairs = (
        pd.DataFrame(
            {
                "a": labels[ia[keep]],
                "b": labels[ib[keep]],
                "together": k[keep].astype(int),
                "expected": expected[keep],
                "lift": lift[keep],
                "npmi": npmi[keep],
                "p_value": p_value[keep],
            }
        )
        .sort_values(["a", "b"], kind="stable")
        .reset_index(drop=True)
    )
    return Cooccurrence(n, items, pairs)


def cooccurrence_graph(co: Cooccurrence) -> nx.Graph:
    """Items as nodes (kind, item, incidents), significant pairs as weighted edges (weight = npmi)."""
    g = nx.Graph()
    linked = set(co.pairs["a"]) | set(co.pairs["b"])
    for row in co.items.itertuples(index=False):
        if row.label in linked:
            g.add_node(row.label, kind=row.kind, item=row.item, incidents=int(row.incidents))
    for row in co.pairs.itertuples(index=False):
        g.add_edge(
            row.a,
            row.b,
            together=int(row.together),
            expected=float(row.expected),
            lift=float(row.lift),
            npmi=float(row.npmi),
            p_value=float(row.p_value),
            weight=float(row.npmi),
        )
    return g
