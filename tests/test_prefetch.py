"""CachedReads.prefetch reads named answers up front (side by side on Neo4j, Engine.read_many): each
is the frame `query` or `query_every` gives, held so that asking for it reads nothing more; the loop
metrics read theirs so, once each."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from kb import report
from kb.analysis import metric_reads, metrics
from kb.graph import catalogue
from kb.knowledge_base import CachedReads, KnowledgeBase
from kb.quickstart import load_demo
from kb.report import latest_quarter, write_report
from tests.loop_fixture import loop_packets

NAMES = ("loop_findings", "incidents", "loop_analyses", "loop_work_items")
EVERY = ("loop_gate_judged",)


@pytest.fixture
def loaded(any_kb: KnowledgeBase) -> KnowledgeBase:
    any_kb.ingest_packets(loop_packets())
    return any_kb


class _CountingReads:
    """Records the engine's reads of a knowledge base (the real engine answers them; a batch of
    reads, Engine.read_many, reads each through `read`, on Neo4j on threads of its own)."""

    def __init__(self, kbase: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
        self.texts: list[str] = []
        self.batches: list[int] = []  # the size of each Engine.read_many
        engine = getattr(kbase.engine, "_engine", kbase.engine)  # the session's Neo4j engine behind the tests' wrapper
        real_read, real_many = engine.read, engine.read_many

        def read(cypher: str, params: Any = None) -> pd.DataFrame:
            self.texts.append(cypher)
            return real_read(cypher, params)

        def read_many(queries: Any) -> Any:
            self.batches.append(len(queries))
            return real_many(queries)

        monkeypatch.setattr(engine, "read", read)
        monkeypatch.setattr(engine, "read_many", read_many)


def test_prefetched_answers_are_the_answers_and_are_not_read_again(
    loaded: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = {name: loaded.query(name) for name in NAMES} | {
        f"every:{name}": loaded.query_every(name) for name in EVERY
    }
    assert all(len(frame) for frame in expected.values())
    cached = CachedReads(loaded)
    reads = _CountingReads(cached, monkeypatch)
    cached.prefetch(NAMES, every_incident=EVERY)
    assert len(reads.texts) == len(NAMES) + len(EVERY)
    for name in NAMES:
        pd.testing.assert_frame_equal(cached.query(name), expected[name])
    for name in EVERY:
        pd.testing.assert_frame_equal(cached.query_every(name), expected[f"every:{name}"])
    cached.prefetch(NAMES, every_incident=EVERY)  # all held: nothing read
    assert len(reads.texts) == len(NAMES) + len(EVERY)


def test_the_metrics_read_each_answer_once_through_their_prefetch(
    loaded: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_of = datetime(2025, 7, 1, tzinfo=UTC)
    expected = metrics.loop_metrics(loaded, as_of=as_of)
    cached = CachedReads(loaded)
    reads = _CountingReads(cached, monkeypatch)
    pd.testing.assert_frame_equal(metrics.loop_metrics(cached, as_of=as_of), expected)
    prefetched = [catalogue.query_text(name, loaded.dialect) for name in metric_reads.READS] + [
        str(catalogue.query_text_every(name, loaded.dialect)) for name in metric_reads.READS_EVERY_INCIDENT
    ]
    assert reads.batches == [len(prefetched)]
    assert sorted(reads.texts[: len(prefetched)]) == sorted(prefetched)  # read first, together
    assert len(reads.texts) == len(set(reads.texts)), "an answer was read again after its prefetch"


def test_the_report_reads_each_answer_once_and_its_prefetch_first(
    any_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    load_demo(any_kb, incidents=40, seed=7)
    quarter = latest_quarter(any_kb)
    assert quarter
    reads = _CountingReads(any_kb, monkeypatch)
    write_report(any_kb, quarter, tmp_path / "review", static=False)
    prefetched = [catalogue.query_text(name, any_kb.dialect) for name in report._READS] + [
        str(catalogue.query_text_every(name, any_kb.dialect)) for name in report._READS_EVERY_INCIDENT
    ]
    assert reads.batches[0] == len(prefetched)
    assert sorted(reads.texts[: len(prefetched)]) == sorted(prefetched)
    assert len(reads.texts) == len(set(reads.texts)), "an answer was read again after its prefetch"
