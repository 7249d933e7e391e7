"""What kb keeps for a Neo4j database (the similarity index, the answers of `kb repeats` and
`kb hotspots`, their printed rows, the counts): keyed by the bookmark of a read transaction, which
names the last transaction committed on the database by any client; never kept when a write
showed while it was computed; served only for the content it was computed from."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from neo4j import GraphDatabase
from typer.testing import CliRunner

from kb.analysis import answer_store, repeat_evidence
from kb.analysis.repeats import find_repeats
from kb.analysis.similarity import SimilarityIndex
from kb.analysis.similarity_store import load_index
from kb.cli import app, kept_output
from kb.engines.neo4j_engine import Neo4jSettings
from kb.knowledge_base import KnowledgeBase

from .loop_fixture import loop_packets
from .test_answer_store import Fresh

pytestmark = pytest.mark.neo4j


def _foreign_write(settings: Neo4jSettings, cypher: str) -> None:
    """A write by another program, through a driver of its own."""
    with GraphDatabase.driver(settings.uri, auth=(settings.user, settings.password)) as driver:
        driver.execute_query(cypher, database_=settings.database)


def _passes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the passes over every incident's text that computing the repeats takes."""
    passes: list[int] = []
    real = repeat_evidence.text_and_twin_repeats

    def counted(kbase: Any, *args: Any, **kwargs: Any) -> pd.DataFrame:
        passes.append(1)
        return real(kbase, *args, **kwargs)

    monkeypatch.setattr(repeat_evidence, "text_and_twin_repeats", counted)
    return passes


def test_the_snapshot_moves_with_every_write_by_anyone(neo4j_kb: KnowledgeBase, neo4j_settings: Neo4jSettings) -> None:
    first = neo4j_kb.snapshot()
    assert first is not None and neo4j_kb.snapshot() == first, "reads do not move it"
    neo4j_kb.ingest_packets(loop_packets()[:2])
    after_kb = neo4j_kb.snapshot()
    assert after_kb not in (None, first)
    _foreign_write(settings=neo4j_settings, cypher="MATCH (i:Incident) SET i.title = i.title + '!'")
    assert neo4j_kb.snapshot() not in (None, first, after_kb)
    assert not neo4j_kb.pinned_snapshot


def test_kept_answers_serve_the_content_they_were_computed_from(
    neo4j_kb: KnowledgeBase, neo4j_settings: Neo4jSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    neo4j_kb.ingest_packets(loop_packets())  # the after-ingest hook keeps the answers
    path = neo4j_kb.cache_path("repeats.npz")
    assert path is not None and path.exists() and "neo4j" in path.parts
    assert neo4j_settings.password not in str(path) and neo4j_settings.uri not in str(path)
    passes = _passes(monkeypatch)
    kept = find_repeats(neo4j_kb)
    assert passes == [], "in step with the graph: no pass over the texts"
    pd.testing.assert_frame_equal(kept, find_repeats(Fresh(neo4j_kb)))
    passes.clear()
    # Another program rewrites a title: the kept answer is not for this content any more.
    _foreign_write(neo4j_settings, "MATCH (i:Incident {key: 'INC-A'}) SET i.title = 'renamed elsewhere'")
    again = find_repeats(neo4j_kb)
    assert passes == [1]
    pd.testing.assert_frame_equal(again, find_repeats(Fresh(neo4j_kb)))


def test_nothing_is_kept_when_a_write_shows_while_computing(
    neo4j_kb: KnowledgeBase, neo4j_settings: Neo4jSettings
) -> None:
    neo4j_kb.ingest_packets(loop_packets()[:3])

    def computed_during_a_write() -> dict[str, pd.DataFrame]:
        _foreign_write(neo4j_settings, "CREATE (:Service {name: 'written-meanwhile'})")
        return {"probe": pd.DataFrame({"a": [1]})}

    answer_store.stored(neo4j_kb, "probe", computed_during_a_write)
    probe = neo4j_kb.cache_path("probe.npz")
    assert probe is not None and not probe.exists()

    def rows_during_a_write() -> tuple[list[str], list[list[Any]], str]:
        _foreign_write(neo4j_settings, "CREATE (:Service {name: 'written-meanwhile-2'})")
        return ["a"], [[1]], "probe"

    assert kept_output.answer(neo4j_kb, "probe", {}, rows_during_a_write).rows == [[1]]
    assert not list(probe.parent.glob("output-probe-*"))

    index_file = neo4j_kb.cache_path("similarity.npz")
    assert index_file is not None
    index_file.unlink(missing_ok=True)
    load_index(neo4j_kb)
    assert index_file.exists(), "built while nothing moved: kept"
    index_file.unlink()
    build = SimilarityIndex.build

    def build_during_a_write(queries: Any) -> SimilarityIndex:
        _foreign_write(neo4j_settings, "CREATE (:Service {name: 'written-meanwhile-3'})")
        return build(queries)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(SimilarityIndex, "build", build_during_a_write)
        load_index(neo4j_kb)
    assert not index_file.exists()


def test_the_cli_prints_the_same_rows_from_what_it_kept(neo4j_kb: KnowledgeBase, neo4j_settings: Neo4jSettings) -> None:
    neo4j_kb.ingest_packets(loop_packets())
    env = {
        "NEO4J_URI": neo4j_settings.uri,
        "NEO4J_USERNAME": neo4j_settings.user,
        "NEO4J_PASSWORD": neo4j_settings.password,
        "NEO4J_DATABASE": neo4j_settings.database,
    }
    runner = CliRunner()
    outputs = []
    for _ in range(2):
        for args in (["repeats", "--format", "json"], ["hotspots"], ["stats"]):
            result = runner.invoke(app, [*args, "--engine", "neo4j"], env=env)
            assert result.exit_code == 0, result.output
            outputs.append(result.stdout)
    assert outputs[:3] == outputs[3:]
    folder = neo4j_kb.cache_path("x")
    assert folder is not None
    kept = sorted(p.name.split("-")[1] for p in folder.parent.glob("output-*.json"))
    assert kept == ["hotspots", "repeats"]


def _counted_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the similarity index builds (tokenising every incident's text)."""
    builds: list[int] = []
    build = SimilarityIndex.build

    def counted(queries: Any) -> SimilarityIndex:
        builds.append(1)
        return build(queries)

    monkeypatch.setattr(SimilarityIndex, "build", counted)
    return builds


def _answers(index: SimilarityIndex) -> pd.DataFrame:
    return pd.concat([index.similar(k, 5, earlier_only=False) for k in index.keys], ignore_index=True)


def test_an_ingest_builds_the_index_once_and_keeps_it(neo4j_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    """The after-ingest hook cannot keep its index (the server's snapshot moves under it); the kept
    answers computed next take it over when they read the same inputs, instead of building it again."""
    builds = _counted_builds(monkeypatch)
    neo4j_kb.ingest_packets(loop_packets())
    assert builds == [1]
    index_file = neo4j_kb.cache_path("similarity.npz")
    assert index_file is not None and index_file.exists()
    builds.clear()
    kept = load_index(neo4j_kb)
    assert builds == [], "served from the file"
    pd.testing.assert_frame_equal(_answers(kept), _answers(SimilarityIndex.build(Fresh(neo4j_kb))))


def test_the_hooks_index_is_not_taken_over_after_another_write(
    neo4j_kb: KnowledgeBase, neo4j_settings: Neo4jSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    neo4j_kb.ingest_packets(loop_packets()[:3], run_hooks=False)
    keys = [p.key for p in loop_packets()[:3]]
    from kb.analysis.similarity import record_related

    builds = _counted_builds(monkeypatch)
    record_related(neo4j_kb, keys)  # the hook alone: its index is handed over, not kept
    assert builds == [1]
    # Another program rewrites a title the index reads before the kept answers are computed.
    _foreign_write(neo4j_settings, f"MATCH (i:Incident {{key: '{keys[0]}'}}) SET i.title = 'renamed elsewhere'")
    index = load_index(neo4j_kb)
    assert builds == [1, 1], "inputs changed: built again"
    assert index.titles[index.keys.index(keys[0])] == "renamed elsewhere"
    pd.testing.assert_frame_equal(_answers(index), _answers(SimilarityIndex.build(Fresh(neo4j_kb))))
