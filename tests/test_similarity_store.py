"""The similarity index kept beside an embedded database: in step with every write, never a stale answer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import kb
from kb.analysis import similarity_store
from kb.analysis.similarity import INPUT_QUERIES, SimilarityIndex, similar_incidents
from kb.analysis.similarity_store import CACHE_NAME, RecordingQueries, load_index
from kb.engines.ladybug_files import generation_path
from kb.knowledge_base import KnowledgeBase

from .patterns_fixture import NEAR_DUPLICATE, loaded_db, packet, packets


def _answers(index: SimilarityIndex) -> pd.DataFrame:
    return pd.concat([index.similar(k, 5, earlier_only=False) for k in index.keys], ignore_index=True)


def _fresh(kbase: KnowledgeBase) -> pd.DataFrame:
    return _answers(SimilarityIndex.build(kbase))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return loaded_db(tmp_path / "graph.lbug", packets)


def test_ingest_keeps_the_index_beside_the_database_and_readers_load_it(db: Path) -> None:
    cache = db.with_name(f"{db.name}.{CACHE_NAME}")
    assert cache.exists(), "the after-ingest hook saves the index"
    with kb.connect(engine="ladybug", db=db, read_only=True) as reader:
        assert reader.snapshot() is not None
        loaded = load_index(reader)
        # The loaded index answers exactly as one built from the graph now.
        pd.testing.assert_frame_equal(_answers(loaded), _fresh(reader))
        assert loaded.keys == SimilarityIndex.build(reader).keys


def test_every_query_the_index_reads_is_digested() -> None:
    """INPUT_QUERIES must name what SimilarityIndex.build reads, or a changed input could go unnoticed."""
    with kb.connect(engine="ladybug", db=":memory:") as kbase:
        kbase.ingest_packets(packets()[:5])
        rec = RecordingQueries(kbase)
        SimilarityIndex.build(rec)
        listed = RecordingQueries(kbase)
        listed.prefetch(INPUT_QUERIES)
        assert set(rec.frames) == set(listed.frames)


def test_a_write_makes_the_stored_index_stale_and_readers_rebuild_in_memory(db: Path) -> None:
    cache = db.with_name(f"{db.name}.{CACHE_NAME}")
    with kb.connect(engine="ladybug", db=db) as writer:
        # A write the index reads (a title), made outside any hook: the stored file is now stale.
        writer.write([("MATCH (i:Incident {key: $k}) SET i.title = 'Nothing alike at all'", {"k": NEAR_DUPLICATE[0]})])
    before = cache.read_bytes()
    with kb.connect(engine="ladybug", db=db, read_only=True) as reader:
        got = similar_incidents(reader, NEAR_DUPLICATE[0], k=3)
        want = SimilarityIndex.build(reader).similar(NEAR_DUPLICATE[0], 3)
        pd.testing.assert_frame_equal(got, want)
        assert "Nothing alike" not in " ".join(got["title"])
    assert cache.read_bytes() == before, "a reader never writes the file"
    with kb.connect(engine="ladybug", db=db) as writer:
        index = load_index(writer)  # a writer rebuilds it for the new content and keeps it
        pd.testing.assert_frame_equal(_answers(index), _fresh(writer))
    assert cache.read_bytes() != before


def test_an_unrelated_write_is_re_keyed_not_rebuilt(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with kb.connect(engine="ladybug", db=db) as writer:
        writer.write([("MATCH (i:Incident) WITH i LIMIT 1 SET i.title = i.title", {})])
        built: list[int] = []
        real = SimilarityIndex.build

        def counting(cls: type[SimilarityIndex], queries: object) -> SimilarityIndex:
            built.append(1)
            return real(queries)  # type: ignore[arg-type]

        monkeypatch.setattr(SimilarityIndex, "build", classmethod(counting))
        similarity_store.refresh(writer)
        assert built == [], "same answers to the index's queries: the stored matrices are reused"
        snapshot = writer.snapshot()
    with kb.connect(engine="ladybug", db=db, read_only=True) as reader:
        assert reader.snapshot() == snapshot
        load_index(reader)
    assert built == [], "the reader found the file keyed to its snapshot"


def test_a_fresh_ingest_updates_the_index(db: Path) -> None:
    extra = packet(1).model_copy(deep=True)
    extra.incident.id = "P-99"
    extra.incident.started_at = packets()[-1].incident.started_at + pd.Timedelta(days=1)
    with kb.connect(engine="ladybug", db=db) as writer:
        writer.ingest_packets([extra])
    with kb.connect(engine="ladybug", db=db, read_only=True) as reader:
        index = load_index(reader)
        assert "P-99" in index.keys
        pd.testing.assert_frame_equal(_answers(index), _fresh(reader))


def test_a_damaged_or_foreign_file_is_not_trusted(db: Path, tmp_path: Path) -> None:
    cache = db.with_name(f"{db.name}.{CACHE_NAME}")
    cache.write_bytes(b"not an index")
    with kb.connect(engine="ladybug", db=db, read_only=True) as reader:
        pd.testing.assert_frame_equal(_answers(load_index(reader)), _fresh(reader))
    # A database file put in place by a copy is not the content its generation id names.
    other = loaded_db(tmp_path / "other.lbug", lambda: packets()[:10])
    shutil.copyfile(other, db)
    assert generation_path(db).exists()
    with kb.connect(engine="ladybug", db=db, read_only=True) as reader:
        assert reader.snapshot() is None
        assert len(load_index(reader)) == 10


def test_no_file_without_a_snapshot(ladybug_kb: KnowledgeBase) -> None:
    """In memory nothing is kept on disk; the answers are the built index's (on Neo4j the index is
    kept in the cache folder: tests/test_neo4j_kept.py)."""
    ladybug_kb.ingest_packets(packets())
    assert ladybug_kb.snapshot() is None
    pd.testing.assert_frame_equal(_answers(load_index(ladybug_kb)), _fresh(ladybug_kb))


def test_a_huge_token_and_odd_characters_round_trip_through_the_file(tmp_path: Path) -> None:
    """Strings are stored as one UTF-8 text with offsets: a numpy string array pads every string to
    the longest, and a 5 MB token in a summary asked for 195 GiB (the ingest's hook then failed)."""
    odd = packet(900)
    odd.incident.summary = "x" * 5_000_000 + " then a long tail"
    odd.incident.title = "Zahlungsausfall: übergröße Antwort"
    db = loaded_db(tmp_path / "graph.lbug", lambda: [*packets(), odd])
    cache = db.with_name(f"{db.name}.{CACHE_NAME}")
    assert cache.exists() and cache.stat().st_size < 50_000_000
    with kb.connect(engine="ladybug", db=db, read_only=True) as reader:
        loaded = load_index(reader)
        built = SimilarityIndex.build(reader)
        assert loaded.keys == built.keys and loaded.titles == built.titles
        assert list(loaded.text_terms) == list(built.text_terms)
        assert "x" * 5_000_000 in set(loaded.text_terms)
        assert "Zahlungsausfall: übergröße Antwort" in loaded.titles
        pd.testing.assert_frame_equal(_answers(loaded), _answers(built))


def test_the_digest_ignores_the_order_the_engine_returned_rows_in() -> None:
    """Cypher promises no row order without ORDER BY, nor inside collect(): the same answers must
    digest alike, or a loaded machine rebuilds the index for nothing."""
    frame = pd.DataFrame(
        {
            "incident": ["A", "A", "B"],
            "part": ["timeline", "impact", "timeline"],
            "texts": [["x went down", "y paged"], ["customers saw 502"], []],
            "n": [1, 2, 3],
        }
    )
    shuffled = frame.iloc[[2, 0, 1]].reset_index(drop=True)
    shuffled.at[1, "texts"] = ["y paged", "x went down"]
    assert similarity_store.frame_digest(shuffled) == similarity_store.frame_digest(frame)
    changed = frame.copy()
    changed.at[0, "texts"] = ["x went down", "z paged"]
    assert similarity_store.frame_digest(changed) != similarity_store.frame_digest(frame)
    assert similarity_store.frame_digest(frame.assign(n=[1, 2, 4])) != similarity_store.frame_digest(frame)
    swapped = frame.assign(part=["impact", "timeline", "timeline"])
    assert similarity_store.frame_digest(swapped) != similarity_store.frame_digest(frame)
