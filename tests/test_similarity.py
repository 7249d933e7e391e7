"""Similar incidents: text + structure, reasons, and the after-ingest RELATED_TO check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kb.analysis import similarity
from kb.analysis.similarity import SimilarityIndex, similar_incidents, stored_related
from kb.cli import app
from kb.demo import DemoCorpus
from kb.knowledge_base import KnowledgeBase

from .patterns_fixture import NEAR_DUPLICATE, engine_fixture, loaded_db, packet, packets

pattern_kb = engine_fixture(packets)


def test_near_duplicate_is_the_best_match_with_reasons(pattern_kb: KnowledgeBase) -> None:
    df = similar_incidents(pattern_kb, NEAR_DUPLICATE[0], k=3)
    assert list(df["rank"]) == [1, 2, 3]
    top = df.iloc[0]
    assert top["similar"] == NEAR_DUPLICATE[1]
    assert top["score"] == pytest.approx(1.0)
    assert "themes memory-leak" in top["reason"] and "services identity" in top["reason"]
    assert "words" in top["reason"]
    assert df["score"].is_monotonic_decreasing
    # Only earlier incidents by default; with earlier_only=False later ones may come too.
    later = similar_incidents(pattern_kb, NEAR_DUPLICATE[1], k=1, earlier_only=False)
    assert later.iloc[0]["similar"] == NEAR_DUPLICATE[0]
    earlier = similar_incidents(pattern_kb, NEAR_DUPLICATE[1], k=40)
    assert NEAR_DUPLICATE[0] not in set(earlier["similar"])
    assert len(earlier) == 21  # P-22 has 21 incidents before it


def test_structure_alone_links_cluster_incidents(pattern_kb: KnowledgeBase) -> None:
    df = similar_incidents(pattern_kb, "P-37", k=5)
    # The DB cluster's incidents share two themes, a failed barrier and core-db: they fill the top 5.
    assert set(df["similar"]) <= {"P-01", "P-05", "P-09", "P-13", "P-17", "P-21", "P-25", "P-29", "P-33"}
    assert all("barriers load-shedding" in r for r in df["reason"])


def test_ingest_stored_related_edges_to_earlier_incidents(pattern_kb: KnowledgeBase) -> None:
    edges = stored_related(pattern_kb)
    assert len(edges) > 0
    assert set(edges["origin"]) == {"similarity"}
    assert (edges["score"] >= similarity.MIN_STORED_SCORE).all()
    assert edges.groupby("incident").size().max() <= similarity.DEFAULT_K
    # Always to an earlier incident: keys are in start order in this fixture.
    assert (edges["incident"] > edges["related"]).all()
    dup = edges[(edges["incident"] == NEAR_DUPLICATE[0]) & (edges["related"] == NEAR_DUPLICATE[1])]
    assert len(dup) == 1 and "themes memory-leak" in dup.iloc[0]["basis"]
    assert "P-01" not in set(edges["incident"])  # nothing before the first incident


def test_reingest_replaces_the_check_without_duplicates(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets(packets())
    before = stored_related(any_kb)
    any_kb.ingest_packets([packet(40)])
    after = stored_related(any_kb)
    assert len(after) == len(before)
    assert after.reset_index(drop=True).equals(before.reset_index(drop=True))


def test_one_index_build_per_ingest_call(any_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    builds = []
    original = SimilarityIndex.build.__func__  # type: ignore[attr-defined]

    def counting(cls: type[SimilarityIndex], kbase: KnowledgeBase) -> SimilarityIndex:
        builds.append(1)
        return original(cls, kbase)  # type: ignore[no-any-return]

    monkeypatch.setattr(SimilarityIndex, "build", classmethod(counting))
    any_kb.ingest_packets(packets())
    assert len(builds) == 1
    assert len(stored_related(any_kb)) > 0


def test_empty_and_single_incident(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets([packet(1)])
    assert stored_related(any_kb).empty
    assert similar_incidents(any_kb, "P-01").empty
    with pytest.raises(KeyError):
        similar_incidents(any_kb, "NOPE")


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return loaded_db(tmp_path_factory.mktemp("similar-cli") / "g.lbug", packets)


def test_cli_similar(cli_db: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["similar", NEAR_DUPLICATE[0], "-k", "2", "--db", str(cli_db), "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert [r["similar"] for r in rows][0] == NEAR_DUPLICATE[1] and len(rows) == 2
    out = runner.invoke(app, ["similar", NEAR_DUPLICATE[0], "--db", str(cli_db)])
    assert out.exit_code == 0 and NEAR_DUPLICATE[1] in out.output
    out = runner.invoke(app, ["similar", "INC-NOPE", "--db", str(cli_db)])
    assert out.exit_code == 2
    assert "INC-NOPE" in out.output and "no such incident" in out.output


# -- the demo corpus: planted near-duplicates -----------------------------------------------------


def _demo() -> DemoCorpus:
    from kb.demo import generate_corpus

    return generate_corpus(n_incidents=320, seed=7)


demo_kb = engine_fixture(lambda: _demo().packets)


def test_demo_near_duplicates_recall_at_5(demo_kb: KnowledgeBase) -> None:
    truth = _demo().truth.near_duplicates
    assert len(truth) >= 10
    index = SimilarityIndex.build(demo_kb)
    found = sum(nd.duplicate_of in set(index.similar(nd.incident, 5)["similar"]) for nd in truth)
    assert found / len(truth) >= 0.9
    # and the ingest-time check stored most of them as RELATED_TO edges
    edges = stored_related(demo_kb)
    pairs = set(zip(edges["incident"], edges["related"], strict=True))
    stored = sum((nd.incident, nd.duplicate_of) in pairs for nd in truth)
    assert stored / len(truth) >= 0.9
