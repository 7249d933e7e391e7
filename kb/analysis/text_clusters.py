"""Clusters of incidents nobody has reviewed: from what their text says, weighed by how sure it is.

`kb clusters` groups stated themes and failed barriers; an imported post-mortem has none a
person confirmed (keyword guesses count nothing, see kb.analysis.similarity), so on a freshly
imported wiki it found nothing. For the incidents without confirmed structure (no theme or
barrier weighing CONFIRMED or more, and imported reports nobody reviewed) two kinds of cluster
come from the evidence they do have:

- "text": incidents that are each other's close matches by `kb similar`'s score (text always;
  services and components found in the text at their certainty). Edges join mutual top-K matches
  scoring at least the EDGE_QUANTILE of all top-K scores among these incidents (the threshold
  adapts to the corpus: imported reports share much boilerplate), Leiden on the edge weights.
  Named by the services/components most of the members mention, else their top terms.
- "factor": a theme learned from the corpus (kb.analysis.learned_themes: similar factor
  statements across incidents), while it is only proposed: a recurring contributing factor,
  at the learned confidence.

A cluster needs `min_support` incidents: 2 on a corpus under SMALL_CORPUS incidents, else the
stated clusters' default. Its confidence is the mean score of its internal edges (text) or the
learned confidence (factor): both well under 1, never counted like a confirmed cluster.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import igraph as ig
import leidenalg
import numpy as np
import pandas as pd

from kb.analysis.cooccurrence import default_min_support
from kb.analysis.incident_features import IncidentFeatures, Queryable
from kb.analysis.learned_themes import DEFAULT_THRESHOLD, learn_themes
from kb.analysis.similarity import SimilarityIndex, evidence_weights

CONFIRMED = 0.5
"""A theme link at or above this certainty is structure a person stated or accepted."""
TOP_K = 5
CANDIDATE_FACTOR = 4
EDGE_QUANTILE = 0.8
SMALL_CORPUS = 100
SHARED_SHARE = 0.5
"""A service or component names a text cluster when at least this share of its members mention it."""


def text_min_support(n_incidents: int) -> int:
    return 2 if n_incidents < SMALL_CORPUS else default_min_support(n_incidents)


def unreviewed_incidents(
    kbase: Queryable, features: IncidentFeatures, weights: dict[tuple[str, str], float] | None = None
) -> list[str]:
    """Incidents without a failed barrier and without a theme a person stated or accepted; a theme
    of an imported report nobody reviewed does not count (an imported report keeps its text
    clusters when a reviewer accepts a learned theme for it: one theme is no stated co-occurrence)."""
    weights = evidence_weights(kbase) if weights is None else weights
    sources = kbase.query("patterns_incident_sources")
    imported = {
        str(k)
        for k, i, r in zip(
            sources.get("incident", []), sources.get("imported", []), sources.get("reviewed", []), strict=True
        )
        if _true(i) and not _true(r)
    }
    confirmed: set[str] = set()
    items = features.items  # column lists: iterating an Arrow-backed column costs a conversion per cell
    for inc, kind, item in zip(items["incident"].tolist(), items["kind"].tolist(), items["item"].tolist(), strict=True):
        key = str(inc)
        if kind == "barrier" or (
            kind == "theme" and key not in imported and weights.get((key, f"theme:{item}"), 1.0) >= CONFIRMED
        ):
            confirmed.add(key)
    return [k for k in features.incidents["incident"].astype(str) if k not in confirmed]


def _true(value: Any) -> bool:
    return bool(value) and not (isinstance(value, float) and math.isnan(value))


def text_clusters(
    kbase: Queryable,
    features: IncidentFeatures,
    min_support: int | None = None,
    seed: int = 42,
    weights: dict[tuple[str, str], float] | None = None,
) -> list[dict[str, Any]]:
    """One dict per cluster: basis, name, incidents, services, components, terms, confidence.
    `weights`: kb.analysis.similarity.evidence_weights of the graph, when the caller has read them."""
    keys = unreviewed_incidents(kbase, features, weights)
    n_all = len(features.incidents)
    need = text_min_support(n_all) if min_support is None else min_support
    if len(keys) < need:
        return []
    out = _similar_groups(kbase, keys, need, seed)
    out += _factor_groups(kbase, set(keys), need)
    return out


def _similar_groups(kbase: Queryable, keys: list[str], need: int, seed: int) -> list[dict[str, Any]]:
    index = SimilarityIndex.build(kbase)
    rows = sorted(index.row_of[k] for k in keys if k in index.row_of)
    allowed = set(rows)
    top: dict[int, dict[int, float]] = {}
    # Reviewed incidents are skipped among the hits: ask for a few more (bounded: never all-pairs).
    k = min(TOP_K + len(index) - len(rows), CANDIDATE_FACTOR * TOP_K)
    for m in index.matches(rows, k, earlier_only=False):
        mine = top.setdefault(m.query, {})
        if m.hit in allowed and len(mine) < TOP_K:
            mine[m.hit] = m.score
    scores = [s for hits in top.values() for s in hits.values()]
    if not scores:
        return []
    cut = float(np.quantile(scores, EDGE_QUANTILE))
    edges: dict[tuple[int, int], float] = {}
    for a, hits in top.items():
        for b, s in hits.items():
            if a < b and s >= cut and a in top.get(b, {}):
                edges[(a, b)] = s
    if not edges:
        return []
    nodes = sorted({v for e in edges for v in e})
    pos = {v: i for i, v in enumerate(nodes)}
    ordered = sorted(edges.items())
    g = ig.Graph(n=len(nodes), edges=[(pos[a], pos[b]) for (a, b), _ in ordered])
    g.es["weight"] = [w for _, w in ordered]
    part = leidenalg.find_partition(
        g, leidenalg.RBConfigurationVertexPartition, weights="weight", seed=seed, n_iterations=-1
    )
    mentions = kbase.query("patterns_incident_mentions")
    mentioned: dict[str, set[tuple[str, str]]] = {}
    learned_terms: set[tuple[str, str]] = set()
    for r in mentions.itertuples(index=False):
        mentioned.setdefault(str(r.incident), set()).add((str(r.kind), str(r.name)))
        if bool(r.learned):
            learned_terms.add((str(r.kind), str(r.name)))
    out = []
    names: set[str] = set()
    for community in part:
        members = sorted(nodes[v] for v in community)
        if len(members) < need:
            continue
        inside = [s for (a, b), s in edges.items() if a in members and b in members]
        incs = [index.keys[r] for r in members]
        counts: Counter[tuple[str, str]] = Counter(x for k in incs for x in mentioned.get(k, ()))
        shared = sorted(
            (x for x, c in counts.items() if c >= max(2, math.ceil(SHARED_SHARE * len(incs)))),
            # Curated names first: a corpus-learned term is sometimes an ordinary word ("july").
            key=lambda x: (x in learned_terms, -counts[x], x),
        )
        main = index.text_matrix[members][:, : index.main_terms]  # the main text's terms, not the timeline's
        centroid = np.asarray(main.sum(axis=0)).ravel()
        terms = [str(index.text_terms[i]) for i in np.argsort(-centroid, kind="stable")[:4] if centroid[i] > 0]
        label = [n for _, n in shared[:3]] or terms[:3]
        name = " + ".join(label)
        if name in names:  # two clusters on the same component: tell them apart by their words
            name = " + ".join([*label, *[t for t in terms if t not in label][:2]])
        names.add(name)
        out.append(
            {
                "basis": "text",
                "name": name,
                "incidents": incs,
                "services": [n for k, n in shared if k == "service"],
                "components": [n for k, n in shared if k == "component"],
                "terms": terms,
                "confidence": round(float(np.mean(inside)), 3) if inside else 0.0,
                # How much closer the members are to each other than incidents to their usual matches.
                "lift": float(np.mean(inside) / np.mean(scores)) if inside else 1.0,
            }
        )
    return out


def _factor_groups(kbase: Queryable, keys: set[str], need: int) -> list[dict[str, Any]]:
    learned = learn_themes(kbase, min_incidents=need)
    if learned.empty:
        return []
    factors = kbase.query("patterns_factors")
    incident_of = dict(zip(factors["factor"].astype(str), factors["incident"].astype(str), strict=True))
    out = []
    for r in learned.itertuples(index=False):
        incs = sorted({incident_of[f] for f in r.members if f in incident_of} & keys)
        if len(incs) < need:
            continue
        out.append(
            {
                "basis": "factor",
                "name": str(r.name).replace(" ", " + "),
                "incidents": incs,
                "services": [],
                "components": [],
                "terms": str(r.name).split(),
                "confidence": float(r.confidence),
                "lift": float(r.confidence) / DEFAULT_THRESHOLD,
            }
        )
    return out


def as_frame(clusters: list[dict[str, Any]]) -> pd.DataFrame:
    columns = ["basis", "name", "incidents", "services", "components", "terms", "confidence", "lift"]
    return pd.DataFrame(clusters, columns=columns)
