"""`kb metrics` begins its reads before it imports pandas, and reads slimmer answers: a Neo4j batch of
reads (Engine.read_many) is handed to the server when asked for, not when its first answer is; the
metrics' own queries are projections of the wider ones they stand for, and the overdue counts
computed from them are followups' own."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest

from kb.analysis import metric_reads
from kb.analysis.followups import followups, overdue_findings
from kb.graph import catalogue
from kb.knowledge_base import CachedReads, KnowledgeBase
from tests.loop_fixture import loop_packets

AS_OF = [datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)]


@pytest.fixture
def loaded(any_kb: KnowledgeBase) -> KnowledgeBase:
    any_kb.ingest_packets(loop_packets())
    return any_kb


@pytest.mark.parametrize(
    ("slim", "wide"), [("loop_finding_deadlines", "evidence_followups"), ("loop_work_item_closes", "loop_work_items")]
)
def test_the_metrics_queries_are_their_wide_queries_columns(loaded: KnowledgeBase, slim: str, wide: str) -> None:
    narrow = loaded.query(slim)
    assert len(narrow)
    pd.testing.assert_frame_equal(narrow, loaded.query(wide)[list(narrow.columns)])


@pytest.mark.parametrize("as_of", AS_OF)
def test_overdue_findings_are_the_findings_followups_lists(loaded: KnowledgeBase, as_of: datetime) -> None:
    listed = followups(loaded, as_of=as_of)
    listed = listed[listed["kind"] == "finding"] if len(listed) else listed
    expected = listed[["finding", "overdue"]].reset_index(drop=True) if len(listed) else None
    got = overdue_findings(loaded, as_of=as_of)
    if expected is None:
        assert got.empty
    else:
        assert len(got), "the fixture has open findings at this date"
        pd.testing.assert_frame_equal(got, expected)


class _ReadCalls:
    """Records the threads' calls of the engine's `read` (the real engine answers them)."""

    def __init__(self, kbase: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        self._lock = threading.Lock()
        engine = getattr(kbase.engine, "_engine", kbase.engine)  # the session's engine behind the tests' wrapper
        real_read = engine.read

        def read(cypher: str, params: Any = None) -> pd.DataFrame:
            with self._lock:
                self.calls += 1
            return real_read(cypher, params)

        monkeypatch.setattr(engine, "read", read)

    def wait_for(self, calls: int, seconds: float = 60.0) -> int:
        deadline = time.monotonic() + seconds
        while self.calls < calls and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.calls


@pytest.mark.neo4j
def test_neo4j_begins_a_batch_of_reads_before_its_first_answer_is_asked_for(
    neo4j_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    neo4j_kb.ingest_packets(loop_packets())
    names = list(metric_reads.READS)
    expected = [neo4j_kb.query(name) for name in names]
    calls = _ReadCalls(neo4j_kb, monkeypatch)
    answers = neo4j_kb.engine.read_many([(catalogue.query_text(name, "neo4j"), {}) for name in names])
    assert calls.wait_for(len(names)) == len(names), "the reads waited for their first answer to be asked for"
    for got, want in zip(answers, expected, strict=True):
        pd.testing.assert_frame_equal(got, want)


def test_begun_answers_are_the_answers_and_are_read_once(
    loaded: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = {name: loaded.query(name) for name in metric_reads.READS}
    every = {name: loaded.query_every(name) for name in metric_reads.READS_EVERY_INCIDENT}
    calls = _ReadCalls(loaded, monkeypatch)
    reads = metric_reads.begin_metric_reads(loaded)
    assert isinstance(reads, CachedReads)
    reads.begin_prefetch(metric_reads.READS)  # begun already: not begun again
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(reads.query(name), frame)
    for name, frame in every.items():
        pd.testing.assert_frame_equal(reads.query_every(name), frame)
    reads.prefetch(metric_reads.READS, every_incident=metric_reads.READS_EVERY_INCIDENT)  # all held
    assert calls.calls == len(expected) + len(every)


def test_the_metrics_reads_are_named_without_loading_pandas() -> None:
    code = "import sys, kb.analysis.metric_reads; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
