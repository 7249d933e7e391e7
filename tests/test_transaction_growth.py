"""Ladybug's ingest transactions grow with the graph (each one copies the database file), new packets'
rows are held packed across read chunks up to a limit, and the graph they leave is the one
fixed-size transactions leave."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

import kb
from kb.demo.generator import generate_corpus
from kb.demo.output import write_corpus
from kb.engines.base import Packed
from kb.engines.ladybug_engine import LadybugEngine
from tests.graph_dump import graph_dump


def test_a_transaction_carries_a_share_of_the_stored_incidents_within_bounds(tmp_path: Path) -> None:
    sizes = _asked(tmp_path, LadybugEngine.packets_per_transaction, (0, 10_000, 20_000, 40_000, 80_000, 1_000_000))
    assert sizes == [2_500, 2_500, 2_500, 5_000, 10_000, 10_000]


@pytest.fixture(scope="module")
def packets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(generate_corpus(n_incidents=40, seed=3), tmp_path_factory.mktemp("corpus")) / "packets"


def ingest(
    db: Path, packets: Path, monkeypatch: pytest.MonkeyPatch, share: int, least: int = 3
) -> tuple[list[int], dict]:  # type: ignore[type-arg]
    """The batch sizes of an ingest of the first 12 packets, then of the rest, with transactions of at least
    1/share of the stored incidents (from `least` up to 8 packets); and the graph it leaves."""
    monkeypatch.setattr(LadybugEngine, "bulk_packets_per_transaction", least)
    monkeypatch.setattr(LadybugEngine, "TRANSACTION_SHARE", share)
    monkeypatch.setattr(LadybugEngine, "MAX_PACKETS_PER_TRANSACTION", 8)
    files = sorted(packets.glob("*.yaml"))
    batches: list[int] = []
    with kb.connect(engine="ladybug", db=db) as kbase:
        for part in (files[:12], files[12:]):
            report = kbase.ingest_paths(part, on_batch=batches.append)
            assert report.ok and len(report.accepted) == len(part)
        return batches, graph_dump(kbase)


def test_growing_transactions_leave_the_graph_fixed_ones_leave(
    tmp_path: Path, packets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The reference: each call's packets in one transaction (a transaction per file copy costs ~1 s).
    fixed, fixed_graph = ingest(tmp_path / "fixed.lbug", packets, monkeypatch, share=10**9, least=40)
    grown, grown_graph = ingest(tmp_path / "grown.lbug", packets, monkeypatch, share=3)
    assert fixed == [12, 28]
    # At least 3, else a third of what is stored (12 -> 4, 16 -> 5, 21 -> 7), at most 8 (28 -> 8).
    assert grown == [3, 3, 3, 3] + [4, 5, 7, 8, 4]
    assert sum(len(rows) for rows in grown_graph.values()) > 1_000  # the dumps hold the graph
    assert grown_graph == fixed_graph


def test_new_packets_are_held_packed_and_written_in_transactions_up_to_the_limit(
    tmp_path: Path, packets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each COPY into a table that holds rows costs several times one into an empty table: new packets'
    # rows read in chunks of 3 are held as Arrow columns and written 6 at a time (3 more would pass 8).
    monkeypatch.setattr(LadybugEngine, "bulk_packets_per_transaction", 3)
    monkeypatch.setattr(LadybugEngine, "MAX_PACKETS_PER_TRANSACTION", 8)
    incidents = _incidents_per_write(monkeypatch)
    chunks: list[int] = []
    with kb.connect(engine="ladybug", db=tmp_path / "g.lbug") as kbase:
        report = kbase.ingest_paths(sorted(packets.glob("*.yaml"))[:12], on_batch=chunks.append)
        assert report.ok and kbase.incident_count() == 12
    assert incidents == [6, 6] and chunks == [3, 3, 3, 3]


def test_a_staged_write_carries_up_to_twice_the_stored_incidents_within_bounds(tmp_path: Path) -> None:
    sizes = _asked(tmp_path, LadybugEngine.staged_packets, (0, 5_000, 10_000, 14_000, 20_000, 1_000_000))
    assert sizes == [10_000, 10_000, 20_000, 28_000, 30_000, 30_000]


def test_staged_writes_grow_with_the_graph_and_leave_the_graph_one_write_leaves(
    tmp_path: Path, packets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each staged write into a graph that holds rows pays a cost of its own: after a first write of 4
    # packets, each carries up to twice what is stored (4 -> 8), at most 12, as whole read chunks (which
    # grow to 3, then 4 packets: 9 + 4 would pass 12), so 40 packets take 5 writes, not 10.
    monkeypatch.setattr(LadybugEngine, "bulk_packets_per_transaction", 2)
    monkeypatch.setattr(LadybugEngine, "MAX_PACKETS_PER_TRANSACTION", 4)
    monkeypatch.setattr(LadybugEngine, "MAX_STAGED_PACKETS", 12)
    incidents = _incidents_per_write(monkeypatch)
    files = sorted(packets.glob("*.yaml"))
    with kb.connect(engine="ladybug", db=tmp_path / "grown.lbug") as kbase:
        report = kbase.ingest_paths(files)
        assert report.ok and kbase.incident_count() == len(files) == 40
        grown = graph_dump(kbase)
    assert incidents == [4, 8, 12, 9, 7]
    monkeypatch.setattr(LadybugEngine, "MAX_PACKETS_PER_TRANSACTION", 40)
    with kb.connect(engine="ladybug", db=tmp_path / "one.lbug") as kbase:
        assert kbase.ingest_paths(files).ok
        assert graph_dump(kbase) == grown
    assert incidents[5:] == [40]


def _incidents_per_write(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of incidents each staged write carries, appended as the writes happen."""
    incidents: list[int] = []
    bulk_write = LadybugEngine.bulk_write

    def counted(self: LadybugEngine, before: Any, label_rows: Any, rel_rows: Any, after: Any) -> None:
        rows = label_rows.get("Incident", [])  # the after-ingest hooks write no incidents
        if rows:
            incidents.append(sum(part.num_rows for part in rows) if isinstance(rows, Packed) else len(rows))
        bulk_write(self, before, label_rows, rel_rows, after)

    monkeypatch.setattr(LadybugEngine, "bulk_write", counted)
    return incidents


def _asked(tmp_path: Path, limit: Callable[[LadybugEngine, int], int], stored: Sequence[int]) -> list[int]:
    """An engine's limit for graphs of each `stored` number of incidents."""
    engine = LadybugEngine(tmp_path / "g.lbug")
    try:
        return [limit(engine, n) for n in stored]
    finally:
        engine.close()
