"""Recurring factor clusters: planted clusters are found, on a hand-made corpus and on the demo corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd
import pytest
from typer.testing import CliRunner

from kb.analysis.clusters import ClusterResult, find_clusters, score_clusters
from kb.cli import app
from kb.demo import DemoCorpus
from kb.knowledge_base import KnowledgeBase

from .patterns_fixture import CONFIG, DB, engine_fixture, loaded_db, packets

pattern_kb = engine_fixture(packets)


@pytest.fixture(scope="module")
def result(pattern_kb: KnowledgeBase) -> ClusterResult:
    return find_clusters(pattern_kb)


def _by_theme(result: ClusterResult, theme: str) -> dict[str, Any]:
    rows: list[dict[str, Any]] = [r for r in result.clusters.to_dict("records") if theme in r["themes"]]
    assert len(rows) == 1, f"expected one cluster with {theme}, got {rows}"
    return rows[0]


def test_the_two_planted_clusters_and_nothing_else(result: ClusterResult) -> None:
    assert len(result.clusters) == 2
    db = _by_theme(result, "core-db-saturation")
    assert db["themes"] == ["campaign-load", "core-db-saturation"]
    assert db["barriers"] == ["load-shedding"]
    assert db["services"] == ["core-db"]
    assert sorted(db["incidents"]) == DB
    config = _by_theme(result, "config-drift")
    assert config["themes"] == ["config-drift", "unvalidated-config-push"]
    assert config["barriers"] == ["config-validation"]
    assert sorted(config["incidents"]) == CONFIG
    # 40 incidents, 10 with both: lift = 10 * 40 / (10 * 10) = 4; config: 8 * 40 / (8 * 8) = 5
    assert db["lift"] == pytest.approx(4.0)
    assert config["lift"] == pytest.approx(5.0)


def test_ranking_and_spread(result: ClusterResult) -> None:
    top = result.clusters.iloc[0]
    assert "core-db-saturation" in top["themes"]  # more incidents, more recent
    assert list(result.clusters["cluster"]) == [1, 2]
    assert result.clusters["score"].is_monotonic_decreasing
    db = _by_theme(result, "core-db-saturation")
    # DB incidents P-01, P-05, ... P-37: services cycle i % 5 over search, billing, identity, catalog, notifications
    assert db["spread_services"] == 6  # those five + core-db
    assert db["spread_teams"] == 5


def test_findings_that_address_each_cluster(result: ClusterResult) -> None:
    db = _by_theme(result, "core-db-saturation")
    assert db["findings"] == ["P-01/finding/R1"]
    assert (db["work_items"], db["work_items_done"], db["addressed"]) == (1, 1, "done")
    config = _by_theme(result, "config-drift")
    # The config finding addresses factor F2 (unvalidated-config-push): found through the factor.
    assert config["findings"] == ["P-03/finding/R1"]
    assert (config["work_items"], config["work_items_done"], config["addressed"]) == (1, 0, "open")
    assert set(result.findings["finding"]) == {"P-01/finding/R1", "P-03/finding/R1"}


def test_graph_and_evidence(result: ClusterResult) -> None:
    g = result.graph
    assert isinstance(g, nx.Graph)
    assert g.nodes["theme:core-db-saturation"]["cluster"] == g.nodes["service:core-db"]["cluster"]
    assert g.nodes["theme:core-db-saturation"]["cluster"] != g.nodes["theme:config-drift"]["cluster"]
    assert not g.has_edge("theme:core-db-saturation", "theme:config-drift")
    ev = result.evidence
    assert set(ev.loc[ev["cluster"] == 1, "incident"]) == set(DB)
    assert str(ev["started_at"].dtype) == "datetime64[ns, UTC]" or "UTC" in str(ev["started_at"].dtype)


def test_score_against_planted(result: ClusterResult) -> None:
    class Planted:
        def __init__(self, name: str, themes: list[str], barriers: list[str], incidents: list[str]) -> None:
            self.name, self.themes, self.barriers, self.incidents = name, themes, barriers, incidents

    planted = [
        Planted("db", ["core-db-saturation", "campaign-load"], ["load-shedding"], DB),
        Planted("config", ["config-drift"], ["config-validation"], CONFIG),
        Planted("missing", ["clock-skew", "memory-leak"], [], ["P-02"]),
    ]
    s = score_clusters(result, planted)
    assert s.precision == 1.0
    assert s.recall == pytest.approx(2 / 3)
    assert s.incident_precision == 1.0 and s.incident_recall == 1.0
    assert pd.isna(s.matches.set_index("planted").loc["missing", "cluster"])


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return loaded_db(tmp_path_factory.mktemp("clusters-cli") / "g.lbug", packets)


def test_cli_clusters_table_and_json(cli_db: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["clusters", "--db", str(cli_db)])
    assert out.exit_code == 0, out.output
    assert "2 recurring clusters" in out.output and "campaign-" in out.output
    out = runner.invoke(app, ["clusters", "--db", str(cli_db), "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert [sorted(c["themes"]) for c in data][0] == ["campaign-load", "core-db-saturation"]
    assert data[0]["incidents"] and data[0]["findings"] == ["P-01/finding/R1"]


# -- the demo corpus ------------------------------------------------------------------------------


def _demo() -> DemoCorpus:
    demo = pytest.importorskip("kb.demo")
    if not hasattr(demo, "generate_corpus"):
        pytest.skip("kb.demo.generate_corpus is not there yet")
    corpus: DemoCorpus = demo.generate_corpus(n_incidents=320, seed=7)
    return corpus


@pytest.fixture(scope="module")
def demo_corpus():  # type: ignore[no-untyped-def]
    return _demo()


demo_kb = engine_fixture(lambda: _demo().packets)

MIN_PRECISION = 0.8
MIN_RECALL = 1.0


def test_demo_planted_clusters_are_found(demo_kb: KnowledgeBase, demo_corpus) -> None:  # type: ignore[no-untyped-def]
    result = find_clusters(demo_kb)
    s = score_clusters(result, demo_corpus.truth.clusters)
    assert s.recall >= MIN_RECALL, s.matches
    assert s.precision >= MIN_PRECISION, result.clusters[["name", "themes", "barriers", "support"]]
    assert s.incident_precision >= 0.8 and s.incident_recall >= 0.8, s.matches


def test_demo_cli_prints_precision_and_recall(tmp_path: Path, demo_corpus) -> None:  # type: ignore[no-untyped-def]
    db = loaded_db(tmp_path / "demo.lbug", lambda: demo_corpus.packets)
    out = CliRunner().invoke(app, ["clusters", "--db", str(db), "--score"])
    assert out.exit_code == 0, out.output
    assert "precision" in out.output and "recall" in out.output
    out = CliRunner().invoke(app, ["clusters", "--db", str(db), "--score", "--format", "json"])
    score = json.loads(out.output)["score"]
    assert score["recall"] >= MIN_RECALL and score["precision"] >= MIN_PRECISION
