"""Recurring factor clusters: groups of themes, failed barriers and services that keep coming back together.

1. co-occurrence of items across incidents, kept where significant (kb.analysis.cooccurrence);
2. Leiden community detection on that graph (weights: normalised PMI), fixed seed and a
   sorted vertex order, so both engines give the same clusters;
3. each community is pruned to its dense core (members tied to at least half of the others);
   it is a cluster when two of its themes co-occur significantly (a single theme with the
   barrier it usually defeats is a recurring theme, which `kb hotspots` shows); its evidence
   incidents carry at least half of its themes and barriers (and two or more items);
4. ranked by `score = support * log2(1 + lift) * (1 + ln(1 + spread)) * recency * trend`:
   support = evidence incidents, lift = mean lift of its internal pairs, spread = distinct
   services + teams among its incidents, recency halves per year since it last occurred,
   trend = sqrt((recent + 1) / (previous + 1)) clipped to [0.5, 2], windows of `window_days`.
5. the findings that address a cluster's themes or barriers (directly or through a factor),
   with their status and whether their work items are done.
6. (find_clusters) the incidents nobody reviewed, clustered from their text and learned factor
   groups (kb.analysis.text_clusters): basis "text" or "factor", their confidence scaling the
   score; stated clusters have basis "stated" and confidence 1.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import igraph as ig
import leidenalg
import networkx as nx
import numpy as np
import pandas as pd

from kb.analysis.cooccurrence import Cooccurrence, cooccurrence, cooccurrence_graph
from kb.analysis.incident_features import (
    IncidentFeatures,
    Queryable,
    as_list,
    load_features,
    membership,
    split_label,
)
from kb.analysis.similarity import evidence_weights
from kb.analysis.text_clusters import CONFIRMED, text_clusters
from kb.model import AGREED_STATUSES

CLUSTER_KINDS: tuple[str, ...] = ("theme", "barrier", "service")
CORE_KINDS: tuple[str, ...] = ("theme", "barrier")
DONE_WORK = frozenset({"done", "closed", "resolved", "fixed", "complete", "completed"})
CLUSTER_COLUMNS = [
    "cluster",
    "name",
    "themes",
    "barriers",
    "services",
    "components",
    "basis",
    "confidence",
    "support",
    "lift",
    "spread_services",
    "spread_teams",
    "first_seen",
    "last_seen",
    "recent",
    "previous",
    "trend",
    "score",
    "findings",
    "findings_agreed",
    "work_items",
    "work_items_done",
    "addressed",
    "incidents",
]


@dataclass
class ClusterResult:
    clusters: pd.DataFrame
    """One row per cluster, best first (see CLUSTER_COLUMNS)."""
    evidence: pd.DataFrame
    """cluster, incident, started_at, severity, matched (items of the cluster it carries)."""
    findings: pd.DataFrame
    """cluster, finding, incident, status, statement, work_items, work_items_done, done."""
    graph: nx.Graph
    """The significant co-occurrence graph; node attribute `cluster` (0 when in none)."""
    cooccurrence: Cooccurrence
    params: dict[str, Any] = field(default_factory=dict)


def find_clusters(
    kbase: Queryable,
    *,
    kinds: Sequence[str] = CLUSTER_KINDS,
    min_together: int | None = None,
    min_lift: float = 1.5,
    alpha: float = 0.01,
    resolution: float = 1.0,
    min_share: float = 0.5,
    window_days: int = 180,
    now: datetime | None = None,
    seed: int = 42,
    text_evidence: bool = True,
) -> ClusterResult:
    """Recurring clusters over every incident in the knowledge base; with `text_evidence`, also the
    clusters of the incidents nobody reviewed, from their text (kb.analysis.text_clusters)."""
    features = load_features(kbase, with_text=False)
    return clusters_from_features(
        kbase,
        features,
        kinds=kinds,
        min_together=min_together,
        min_lift=min_lift,
        alpha=alpha,
        resolution=resolution,
        min_share=min_share,
        window_days=window_days,
        now=now,
        seed=seed,
        text_evidence=text_evidence,
    )


def clusters_from_features(
    kbase: Queryable,
    features: IncidentFeatures,
    *,
    kinds: Sequence[str] = CLUSTER_KINDS,
    min_together: int | None = None,
    min_lift: float = 1.5,
    alpha: float = 0.01,
    resolution: float = 1.0,
    min_share: float = 0.5,
    window_days: int = 180,
    now: datetime | None = None,
    seed: int = 42,
    text_evidence: bool = False,
) -> ClusterResult:
    weights = evidence_weights(kbase)  # read once: the text clusters ask for it again
    features = _confirmed(features, weights)
    mem = membership(features, kinds)
    co = cooccurrence(mem, min_together=min_together, min_lift=min_lift, alpha=alpha)
    graph = cooccurrence_graph(co)
    communities = _communities(graph, resolution, seed)
    params = {
        "kinds": list(kinds),
        "min_together": min_together,
        "min_lift": min_lift,
        "alpha": alpha,
        "resolution": resolution,
        "min_share": min_share,
        "window_days": window_days,
        "text_evidence": text_evidence,
    }

    incidents = features.incidents
    started = incidents["started_at"]
    ref = pd.Timestamp(now) if now is not None else (started.max() if len(started) else pd.Timestamp.now("UTC"))
    if ref.tzinfo is None:
        ref = ref.tz_localize("UTC")
    col_of = {lab: j for j, lab in enumerate(mem.labels)}
    svc_items, team_items = _ItemsByIncident(features, "service"), _ItemsByIncident(features, "team")

    rows: list[dict[str, Any]] = []
    evidence_rows: list[pd.DataFrame] = []
    for community in communities:
        members = _dense_core(graph, community)
        core = [lab for lab in members if split_label(lab)[0] in CORE_KINDS]
        if not _themes_recur_together(graph, members):
            continue  # one theme with its usual barrier is a recurring theme (see hotspots), not a cluster
        cols = [col_of[lab] for lab in members]
        core_cols = [col_of[lab] for lab in core]
        hits_core = np.asarray(mem.matrix[:, core_cols].sum(axis=1)).ravel()
        hits_all = np.asarray(mem.matrix[:, cols].sum(axis=1)).ravel()
        need = max(1, math.ceil(min_share * len(core)))
        chosen = np.flatnonzero((hits_core >= need) & (hits_all >= 2))
        if len(chosen) < 2:
            continue
        sub = mem.matrix[chosen][:, cols].tocoo()
        matched: dict[int, list[str]] = {}
        for r, c in zip(sub.row, sub.col, strict=True):
            matched.setdefault(int(chosen[r]), []).append(members[c])
        ev = incidents.iloc[chosen][["incident", "started_at", "severity"]].copy()
        ev["matched"] = [sorted(matched.get(int(i), [])) for i in chosen]
        keys = ev["incident"].tolist()
        svc, teams = svc_items.among(keys), team_items.among(keys)
        internal = [d["lift"] for a, b, d in graph.subgraph(members).edges(data=True)]
        # fsum: exactly rounded whatever the edges' order, which follows the graph's build order
        # (np.mean's pairwise sum gave other last digits from run to run).
        lift = math.fsum(internal) / len(internal) if internal else 1.0
        recent, previous, trend, recency = _windows(ev, ref, window_days)
        last = ev["started_at"].max()
        spread = len(svc) + len(teams)
        score = len(keys) * math.log2(1 + lift) * (1 + math.log1p(spread)) * recency * trend
        by_kind = {
            k: sorted(split_label(lab)[1] for lab in members if split_label(lab)[0] == k)
            for k in ("theme", "barrier", "service")
        }
        top = sorted(members, key=lambda lab: (-graph.nodes[lab]["incidents"], lab))
        rows.append(
            {
                "name": " + ".join(split_label(lab)[1] for lab in top[:3]),
                "themes": by_kind["theme"],
                "barriers": by_kind["barrier"],
                "services": by_kind["service"],
                "components": [],
                "basis": "stated",
                "confidence": 1.0,
                "support": len(keys),
                "lift": lift,
                "spread_services": len(svc),
                "spread_teams": len(teams),
                "first_seen": ev["started_at"].min(),
                "last_seen": last,
                "recent": recent,
                "previous": previous,
                "trend": _trend_word(recent, previous),
                "score": score,
                "incidents": keys,
                "_members": members,
            }
        )
        evidence_rows.append(ev)

    if text_evidence:
        for tc in text_clusters(kbase, features, min_support=min_together, seed=seed, weights=weights):
            row, ev = _text_row(tc, incidents, svc_items, team_items, ref, window_days)
            rows.append(row)
            evidence_rows.append(ev)

    order = sorted(range(len(rows)), key=lambda i: (-rows[i]["score"], rows[i]["name"]))
    cluster_of_node: dict[str, int] = {}
    evidence = []
    for rank, i in enumerate(order, start=1):
        rows[i]["cluster"] = rank
        for lab in rows[i]["_members"]:
            cluster_of_node[lab] = rank
        ev = evidence_rows[i]
        ev.insert(0, "cluster", rank)
        evidence.append(ev)
    nx.set_node_attributes(graph, {n: cluster_of_node.get(n, 0) for n in graph.nodes}, "cluster")
    ranked = [rows[i] for i in order]
    findings = _addressing_findings(kbase, ranked)
    for row in ranked:
        mine = findings[findings["cluster"] == row["cluster"]]
        row["findings"] = mine["finding"].tolist()
        row["findings_agreed"] = int(mine["status"].isin(AGREED_STATUSES).sum())
        row["work_items"] = int(mine["work_items"].sum())
        row["work_items_done"] = int(mine["work_items_done"].sum())
        row["addressed"] = _addressed(mine)
    clusters = pd.DataFrame([{c: r[c] for c in CLUSTER_COLUMNS} for r in ranked], columns=CLUSTER_COLUMNS)
    ev_frame = (
        pd.concat(evidence, ignore_index=True)
        if evidence
        else pd.DataFrame(columns=["cluster", "incident", "started_at", "severity", "matched"])
    )
    return ClusterResult(clusters, ev_frame, findings, graph, co, params)


def _confirmed(features: IncidentFeatures, weights: dict[tuple[str, str], float]) -> IncidentFeatures:
    """The features without the themes nobody confirmed (a keyword guess in an unreviewed import, a
    suggestion accepted below CONFIRMED): a guess never makes a stated cluster."""
    themes = features.items["kind"] == "theme"
    if not themes.any():
        return features
    sure = [
        not is_theme or weights.get((str(i), f"theme:{item}"), 1.0) >= CONFIRMED
        # Column lists: iterating an Arrow-backed column costs a conversion per cell.
        for i, item, is_theme in zip(
            features.items["incident"].tolist(), features.items["item"].tolist(), themes.tolist(), strict=True
        )
    ]
    return IncidentFeatures(features.incidents, features.items[sure].reset_index(drop=True))


def _windows(ev: pd.DataFrame, ref: pd.Timestamp, window_days: int) -> tuple[int, int, float, float]:
    """recent, previous, trend factor, recency factor of a cluster's evidence incidents."""
    recent = int(((ev["started_at"] > ref - timedelta(days=window_days)) & (ev["started_at"] <= ref)).sum())
    previous = int(
        (
            (ev["started_at"] > ref - timedelta(days=2 * window_days))
            & (ev["started_at"] <= ref - timedelta(days=window_days))
        ).sum()
    )
    days_since = max(0.0, (ref - ev["started_at"].max()).total_seconds() / 86400)
    trend = min(2.0, max(0.5, math.sqrt((recent + 1) / (previous + 1))))
    return recent, previous, trend, 0.5 ** (days_since / 365)


class _ItemsByIncident:
    """The items of one kind each incident has, for the spread of many clusters: filtering the whole
    items frame once per cluster grew with clusters x incidents."""

    def __init__(self, features: IncidentFeatures, kind: str) -> None:
        rows = features.items_of(kind)
        self._of: dict[Any, set[Any]] = {}
        for incident, item in zip(rows["incident"].tolist(), rows["item"].tolist(), strict=True):
            self._of.setdefault(incident, set()).add(item)

    def among(self, incidents: Iterable[Any]) -> set[Any]:
        """The distinct items of these incidents."""
        out: set[Any] = set()
        for incident in set(incidents):
            out |= self._of.get(incident, set())
        return out


def _text_row(
    tc: dict[str, Any],
    incidents: pd.DataFrame,
    svc_items: _ItemsByIncident,
    team_items: _ItemsByIncident,
    ref: pd.Timestamp,
    window_days: int,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """A cluster found in the text of unreviewed incidents, as a row like the stated ones. Its score
    is scaled by its confidence: it never ranks like a cluster people confirmed."""
    keys = list(tc["incidents"])
    ev = incidents[incidents["incident"].isin(keys)][["incident", "started_at", "severity"]].copy()
    items = [*(f"service:{s}" for s in tc["services"]), *(f"component:{c}" for c in tc["components"])]
    ev["matched"] = [sorted(items) or [f"{tc['basis']}:{tc['name']}"] for _ in range(len(ev))]
    svc = svc_items.among(keys) | set(tc["services"])
    teams = team_items.among(keys)
    recent, previous, trend, recency = _windows(ev, ref, window_days)
    lift = float(tc.get("lift", 1.0))
    spread = len(svc) + len(teams)
    confidence = float(tc["confidence"])
    score = len(keys) * math.log2(1 + lift) * (1 + math.log1p(spread)) * recency * trend * confidence
    row = {
        "name": tc["name"],
        "themes": [],
        "barriers": [],
        "services": list(tc["services"]),
        "components": list(tc["components"]),
        "basis": tc["basis"],
        "confidence": confidence,
        "support": len(keys),
        "lift": lift,
        "spread_services": len(svc),
        "spread_teams": len(teams),
        "first_seen": ev["started_at"].min(),
        "last_seen": ev["started_at"].max(),
        "recent": recent,
        "previous": previous,
        "trend": _trend_word(recent, previous),
        "score": score,
        "incidents": keys,
        "_members": [],
    }
    return row, ev


def _communities(graph: nx.Graph, resolution: float, seed: int) -> list[list[str]]:
    if graph.number_of_edges() == 0:
        return []
    names = sorted(graph.nodes)
    index = {n: i for i, n in enumerate(names)}
    edges = sorted(
        (min(index[a], index[b]), max(index[a], index[b]), d["weight"]) for a, b, d in graph.edges(data=True)
    )
    g = ig.Graph(n=len(names), edges=[(a, b) for a, b, _ in edges])
    g.es["weight"] = [w for _, _, w in edges]
    part = leidenalg.find_partition(
        g,
        leidenalg.RBConfigurationVertexPartition,
        weights="weight",
        resolution_parameter=resolution,
        seed=seed,
        n_iterations=-1,
    )
    groups = [sorted(names[v] for v in community) for community in part if len(community) >= 2]
    return sorted(groups)


def _dense_core(graph: nx.Graph, members: list[str]) -> list[str]:
    """Drop, until none is left, members tied to fewer than half of the others: an item that joined a
    community through a single shared barrier is not part of the pattern."""
    kept = list(members)
    while len(kept) > 2:
        sub = graph.subgraph(kept)
        need = max(1.0, 0.5 * (len(kept) - 1))
        weak = [n for n in kept if sub.degree(n) < need]
        if not weak:
            break
        kept = [n for n in kept if n not in weak]
    return kept


def _themes_recur_together(graph: nx.Graph, members: list[str]) -> bool:
    themes = [lab for lab in members if split_label(lab)[0] == "theme"]
    return any(graph.has_edge(a, b) for i, a in enumerate(themes) for b in themes[i + 1 :])


def _trend_word(recent: int, previous: int) -> str:
    if recent > previous * 1.25 and recent - previous >= 2:
        return "rising"
    if recent < previous * 0.75 and previous - recent >= 2:
        return "falling"
    return "steady"


def _addressed(findings: pd.DataFrame) -> str:
    """none: nothing addresses it; open: findings but work not done; done: every finding done."""
    if findings.empty:
        return "none"
    return "done" if bool(findings["done"].all()) else "open"


def finding_targets(kbase: Queryable) -> pd.DataFrame:
    """finding, label ("theme:SLUG" / "barrier:SLUG"): what each finding addresses, directly or via a factor."""
    parts = []
    for name, kind, col in (
        ("patterns_finding_themes", "theme", "theme"),
        ("patterns_finding_factor_themes", "theme", "theme"),
        ("patterns_finding_barriers", "barrier", "barrier"),
        ("patterns_finding_factor_barriers", "barrier", "barrier"),
    ):
        df = kbase.query(name)
        if not df.empty:
            parts.append(pd.DataFrame({"finding": df["finding"], "label": kind + ":" + df[col].astype(str)}))
    if not parts:
        return pd.DataFrame(columns=["finding", "label"])
    return pd.concat(parts, ignore_index=True).drop_duplicates(ignore_index=True)


def work_status(kbase: Queryable) -> pd.DataFrame:
    """finding, work_items, work_items_done."""
    work = kbase.query("patterns_finding_work")
    if work.empty:
        return pd.DataFrame(columns=["finding", "work_items", "work_items_done"])
    done = work["status"].fillna("").str.lower().isin(DONE_WORK) | work["closed_at"].notna()
    work = work.assign(done=done.astype(int))
    out = work.groupby("finding").agg(work_items=("work_item", "count"), work_items_done=("done", "sum"))
    return out.reset_index()


def _addressing_findings(kbase: Queryable, clusters: Iterable[dict[str, Any]]) -> pd.DataFrame:
    columns = ["cluster", "finding", "incident", "status", "statement", "work_items", "work_items_done", "done"]
    clusters = list(clusters)
    if not clusters:
        return pd.DataFrame(columns=columns)
    targets = finding_targets(kbase)
    member_rows = [{"cluster": c["cluster"], "label": lab} for c in clusters for lab in c["_members"]]
    parts = []
    if member_rows and not targets.empty:
        parts.append(targets.merge(pd.DataFrame(member_rows), on="label")[["cluster", "finding"]])
    by_text = {k: c["cluster"] for c in clusters if not c["_members"] for k in c["incidents"]}
    if by_text:
        # A cluster found in text has no theme for a finding to address: its incidents' own findings.
        produced = kbase.query("loop_findings")
        if not produced.empty:
            # Each cluster's findings in the answer's order, through the rows of each of its incidents:
            # scanning every finding for every cluster grew with clusters x findings.
            findings = produced["finding"].tolist()
            rows_of: dict[Any, list[int]] = {}
            for row, incident in enumerate(produced["incident"].tolist()):
                rows_of.setdefault(incident, []).append(row)
            own = [
                (c["cluster"], findings[row])
                for c in clusters
                if not c["_members"]
                for row in sorted(r for i in set(c["incidents"]) for r in rows_of.get(i, ()))
            ]
            parts.append(pd.DataFrame(own, columns=["cluster", "finding"]))
    if not parts:
        return pd.DataFrame(columns=columns)
    hit = pd.concat(parts, ignore_index=True).drop_duplicates()
    if hit.empty:
        return pd.DataFrame(columns=columns)
    info = kbase.query("patterns_findings", keys=sorted(set(hit["finding"])))
    if info.empty:
        return pd.DataFrame(columns=columns)
    out = hit.merge(info[["finding", "incident", "status", "statement"]], on="finding")
    out = out.merge(work_status(kbase), on="finding", how="left")
    out["work_items"] = out["work_items"].fillna(0).astype(int)
    out["work_items_done"] = out["work_items_done"].fillna(0).astype(int)
    out["done"] = (out["status"] == "done") | ((out["work_items"] > 0) & (out["work_items_done"] == out["work_items"]))
    return out[columns].sort_values(["cluster", "finding"], kind="stable").reset_index(drop=True)


# -- the same clusters as of another moment ------------------------------------------------------


def clusters_as_of(kbase: Queryable, now: datetime | None) -> ClusterResult:
    """find_clusters(kbase, now=now). A reader that remembers (kb.analysis.reuse.once: a report asks
    for the clusters as of its quarter's end and as of the latest incident) finds the clusters once and
    ranks them again for each moment: only the recency, the trend and so the order depend on `now`."""
    from kb.analysis.reuse import once

    if getattr(kbase, "remember", None) is None:
        return find_clusters(kbase, now=now)
    found = once(kbase, find_clusters)
    return found if now is None else once(kbase, _reranked_as_of, now)


def _reranked_as_of(kbase: Queryable, now: datetime) -> ClusterResult:
    from kb.analysis.reuse import once

    return reranked(once(kbase, find_clusters), now)


def reranked(result: ClusterResult, now: datetime) -> ClusterResult:
    """`result` as clusters_from_features gives it with this `now`: each cluster's recent and previous
    incidents, trend and score recomputed from its evidence, then numbered again best first. What
    does not depend on `now` (the co-occurrence, the communities, the evidence, the findings) is kept."""
    ref = pd.Timestamp(now)
    if ref.tzinfo is None:
        ref = ref.tz_localize("UTC")
    window_days = int(result.params["window_days"])
    old = result.clusters
    evidence = {int(c): ev for c, ev in result.evidence.groupby("cluster", sort=False)}
    fresh = []
    for row in old.to_dict("records"):
        ev = evidence[int(row["cluster"])]
        recent, previous, trend, recency = _windows(ev, ref, window_days)
        spread = int(row["spread_services"]) + int(row["spread_teams"])
        score = int(row["support"]) * math.log2(1 + float(row["lift"])) * (1 + math.log1p(spread)) * recency * trend
        if row["basis"] != "stated":  # a found cluster's score is scaled by its confidence
            score *= float(row["confidence"])
        fresh.append({**row, "recent": recent, "previous": previous, "trend": _trend_word(recent, previous)})
        fresh[-1]["score"] = score
    order = sorted(range(len(fresh)), key=lambda i: (-fresh[i]["score"], fresh[i]["name"]))
    number = {int(fresh[i]["cluster"]): rank for rank, i in enumerate(order, start=1)}
    ranked = [{**fresh[i], "cluster": number[int(fresh[i]["cluster"])]} for i in order]
    clusters = pd.DataFrame(ranked, columns=CLUSTER_COLUMNS).astype(old.dtypes.to_dict())
    parts = []
    for i in order:
        ev = evidence[int(fresh[i]["cluster"])].copy()
        ev["cluster"] = number[int(fresh[i]["cluster"])]
        parts.append(ev)
    ev_frame = pd.concat(parts, ignore_index=True) if parts else result.evidence.copy()
    findings = result.findings.copy()
    findings["cluster"] = findings["cluster"].map(number).astype(result.findings["cluster"].dtype)
    findings = findings.sort_values(["cluster", "finding"], kind="stable").reset_index(drop=True)
    graph = result.graph.copy()
    nx.set_node_attributes(graph, {n: number.get(int(c), 0) for n, c in graph.nodes(data="cluster")}, "cluster")
    return ClusterResult(clusters, ev_frame, findings, graph, result.cooccurrence, dict(result.params))


# -- scoring against planted ground truth ----------------------------------------------------


@dataclass
class ClusterScore:
    precision: float
    recall: float
    incident_precision: float
    incident_recall: float
    matches: pd.DataFrame
    """planted, cluster, jaccard, incident_precision, incident_recall (one row per planted cluster)."""


def _planted_items(planted: Any) -> set[str]:
    return {f"theme:{t}" for t in getattr(planted, "themes", ())} | {
        f"barrier:{b}" for b in getattr(planted, "barriers", ())
    }


def _planted_incidents(planted: Any) -> set[str]:
    for attr in ("incidents", "incident_ids", "incident_keys"):
        if hasattr(planted, attr):
            return {str(v) for v in getattr(planted, attr)}
    return set()


def score_clusters(result: ClusterResult, planted: Sequence[Any], min_jaccard: float = 0.5) -> ClusterScore:
    """Match found clusters one-to-one to planted ones by the Jaccard overlap of their themes and
    barriers (best pairs first); a pair with overlap >= `min_jaccard` is a hit.
    precision = hits / found clusters, recall = hits / planted clusters; the incident scores
    average the evidence-incident precision and recall over the hits."""
    found = [
        (
            {f"theme:{t}" for t in as_list(r.themes)} | {f"barrier:{b}" for b in as_list(r.barriers)},
            set(as_list(r.incidents)),
            int(r.cluster),
        )
        for r in result.clusters.itertuples(index=False)
    ]
    cands = []
    for pi, p in enumerate(planted):
        pitems = _planted_items(p)
        for fi, (fitems, _, _) in enumerate(found):
            union = pitems | fitems
            j = len(pitems & fitems) / len(union) if union else 0.0
            if j >= min_jaccard:
                cands.append((j, pi, fi))
    cands.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_p: set[int] = set()
    used_f: set[int] = set()
    match_rows = []
    for j, pi, fi in cands:
        if pi in used_p or fi in used_f:
            continue
        used_p.add(pi)
        used_f.add(fi)
        truth = _planted_incidents(planted[pi])
        got = found[fi][1]
        inc_p = len(truth & got) / len(got) if got else 0.0
        inc_r = len(truth & got) / len(truth) if truth else 0.0
        match_rows.append(
            {
                "planted": getattr(planted[pi], "name", str(pi)),
                "cluster": found[fi][2],
                "jaccard": j,
                "incident_precision": inc_p,
                "incident_recall": inc_r,
            }
        )
    for pi, p in enumerate(planted):
        if pi not in used_p:
            match_rows.append(
                {
                    "planted": getattr(p, "name", str(pi)),
                    "cluster": None,
                    "jaccard": 0.0,
                    "incident_precision": 0.0,
                    "incident_recall": 0.0,
                }
            )
    matches = pd.DataFrame(
        match_rows, columns=["planted", "cluster", "jaccard", "incident_precision", "incident_recall"]
    )
    hits = matches[matches["cluster"].notna()]
    return ClusterScore(
        precision=len(used_f) / len(found) if found else 0.0,
        recall=len(used_p) / len(planted) if planted else 0.0,
        incident_precision=float(hits["incident_precision"].mean()) if len(hits) else 0.0,
        incident_recall=float(hits["incident_recall"].mean()) if len(hits) else 0.0,
        matches=matches,
    )
