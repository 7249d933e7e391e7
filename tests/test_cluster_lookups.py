"""The lookups find_clusters makes per cluster give what filtering the frames per cluster gave (issue 15:
those filters grew with clusters x incidents and clusters x findings), on both engines."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kb.analysis.clusters import _addressing_findings, _ItemsByIncident
from kb.analysis.incident_features import IncidentFeatures, load_features, membership
from kb.knowledge_base import KnowledgeBase

from .patterns_fixture import CONFIG, DB, engine_fixture, packets

pattern_kb = engine_fixture(packets)

KEY_SETS = [DB, CONFIG, ["P-02", "P-02", "P-40"], ["P-99"], [], [f"P-{i:02d}" for i in range(1, 41)]]


def test_items_among_incidents_as_the_frame_filter(pattern_kb: KnowledgeBase) -> None:
    features = load_features(pattern_kb, with_text=False)
    for kind in ("service", "team", "theme"):
        rows = features.items_of(kind)
        lookup = _ItemsByIncident(features, kind)
        for keys in KEY_SETS:
            assert lookup.among(keys) == set(rows.loc[rows["incident"].isin(keys), "item"]), (kind, keys)
    assert _ItemsByIncident(features, "service").among(DB) >= {"core-db"}


def _own_findings_by_scanning(kbase: KnowledgeBase, clusters: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """What _addressing_findings listed for clusters found in text before: every finding, per cluster."""
    produced = kbase.query("loop_findings")
    pairs = list(zip(produced["finding"].tolist(), produced["incident"].tolist(), strict=True))
    return [(c["cluster"], f) for c in clusters for f, i in pairs if i in set(c["incidents"])]


def test_text_clusters_get_their_incidents_findings(pattern_kb: KnowledgeBase) -> None:
    # Clusters without members (found in text): their incidents' own findings, in the answer's order.
    clusters = [{"cluster": n, "_members": [], "incidents": keys} for n, keys in enumerate(KEY_SETS, start=1) if keys]
    got = _addressing_findings(pattern_kb, clusters)
    expected = _own_findings_by_scanning(pattern_kb, clusters)
    assert list(zip(got["cluster"], got["finding"], strict=True)) == sorted(set(expected))
    assert len(got) > 1


def _membership_by_isin(features: IncidentFeatures, kinds: list[str]) -> tuple[list[str], np.ndarray]:
    keys = features.incidents["incident"].tolist()
    sel = features.items[features.items["kind"].isin(kinds)]
    sel = sel[sel["incident"].isin(keys)]
    labels = sorted(set((sel["kind"] + ":" + sel["item"]).tolist()))
    dense = np.zeros((len(keys), len(labels)))
    for inc, lab in zip(sel["incident"], sel["kind"] + ":" + sel["item"], strict=True):
        dense[keys.index(inc), labels.index(lab)] = 1.0
    return labels, dense


def test_membership_keeps_the_items_of_known_incidents_only(pattern_kb: KnowledgeBase) -> None:
    features = load_features(pattern_kb, with_text=False)
    # An item of an incident the features do not list is left out (and an empty selection stays empty).
    stray = pd.DataFrame({"incident": ["NOT-AN-INCIDENT"], "kind": ["theme"], "item": ["stray-theme"]})
    features = IncidentFeatures(features.incidents, pd.concat([features.items, stray], ignore_index=True))
    for kinds in (["theme", "barrier", "service"], ["team"], ["no-such-kind"]):
        mem = membership(features, kinds)
        labels, dense = _membership_by_isin(features, kinds)
        assert mem.labels == labels and "theme:stray-theme" not in mem.labels
        assert np.array_equal(mem.matrix.toarray(), dense)
