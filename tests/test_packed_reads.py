"""Reader processes that pack rows (Engine.packer, kb.graph.rows.pack_task) change nothing that is
stored or reported: an ingest through them stores the graph one process stores, also into a graph
that holds some of the incidents already (those chunks go the replace path, with the packed rows
unpacked) and when a dead worker leaves plain rows among packed ones; the rows they unpack are the
rows they packed."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest

import kb
from kb.demo import generate_corpus, write_corpus
from kb.engines import arrow_rows
from kb.graph import parallel_read, writer
from kb.graph.rows import PacketRows, new_only, pack_task
from kb.knowledge_base import KnowledgeBase
from kb.packets import packet_files, read_packet, write_packet
from tests.graph_dump import dump_differences, graph_dump
from tests.worker_path import ANY_PACKER, force_worker_path

PACKER = arrow_rows.__name__


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """31 demo packets and two files to reject (one unreadable, one naming the first's incident)."""
    root = write_corpus(generate_corpus(n_incidents=30, seed=5), tmp_path_factory.mktemp("packets")) / "packets"
    first = sorted(root.iterdir())[0]
    (root / "INC-0000-bad-field.yaml").write_text("incident:\n  id: INC-X\n  severity: nine\n")
    shutil.copy(first, root / "zz-same-id-as-first.yaml")
    # The same theme twice on a factor: two equal INSTANCE_OF rows, which the writer stores once.
    packet = read_packet(first)
    packet.incident.id = "INC-0000-twice"
    factor = next(f for a in packet.analyses for f in a.factors if f.themes)
    factor.themes = [factor.themes[0], *factor.themes]
    write_packet(packet, root / "INC-0000-twice.yaml")
    return root


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[subprocess.Popen[bytes]]]:
    """The worker path for a small folder (tasks of 4 files, chunks of 7: a chunk ends mid-task);
    Ladybug's stage, so the workers pack."""
    started = force_worker_path(monkeypatch, 4, PACKER)
    monkeypatch.setattr("kb.engines.ladybug_engine.LadybugEngine.bulk_packets_per_transaction", 7)
    yield started


def ingest(db: Path, *folders: Path) -> tuple[list[list[str]], dict[str, list[tuple[Any, ...]]], list[int]]:
    reports = []
    with kb.connect(engine="ladybug", db=db) as kbase:
        assert isinstance(kbase, KnowledgeBase)
        for f in folders:
            report = kbase.ingest_paths([f])
            reports.append([str(e) for e in report.rejected] + report.incidents + [str(report.rows)])
        dump = graph_dump(kbase)
    return reports, dump, [len(r) for r in reports]


def alone(monkeypatch: pytest.MonkeyPatch, db: Path, *folders: Path) -> Any:
    with monkeypatch.context() as m:
        m.setattr(parallel_read, "PARALLEL_MIN_FILES", 10**9)
        return ingest(db, *folders)


def test_packed_ingest_stores_what_one_process_stores(
    folder: Path, workers: list[subprocess.Popen[bytes]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    packed = ingest(tmp_path / "packed.lbug", folder)
    assert workers, "the worker path was not taken"
    serial = alone(monkeypatch, tmp_path / "serial.lbug", folder)
    assert not dump_differences(packed[1], serial[1])
    assert packed == serial  # the same rejections, incidents and row counts too


def test_packed_rows_replace_stored_incidents(
    folder: Path, workers: list[subprocess.Popen[bytes]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Some of the files stored first: their chunks are written by the replace path from unpacked rows."""
    some = tmp_path / "some"
    some.mkdir()
    monkeypatch.setattr("kb.engines.ladybug_engine.LadybugEngine.bulk_packets_per_transaction", 12)
    for f in sorted(folder.iterdir())[3:8]:
        shutil.copy(f, some / f.name)
    packed = ingest(tmp_path / "packed.lbug", some, folder)
    serial = alone(monkeypatch, tmp_path / "serial.lbug", some, folder)
    assert not dump_differences(packed[1], serial[1])
    assert packed == serial
    assert len(packed[1]["node:Incident"]) == 31


def test_a_dead_worker_leaves_plain_rows_among_packed_ones(
    folder: Path, workers: list[subprocess.Popen[bytes]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    started = parallel_read._start_worker
    count = {"n": 0}

    def one_dies(packer: str | None = None) -> subprocess.Popen[bytes] | None:
        worker = started(packer)
        count["n"] += 1
        if worker is not None and count["n"] == 1:
            worker.kill()  # its tasks are read in the writing process, unpacked
        return worker

    monkeypatch.setattr(parallel_read, "_start_worker", one_dies)
    packed = ingest(tmp_path / "packed.lbug", folder)
    serial = alone(monkeypatch, tmp_path / "serial.lbug", folder)
    assert not dump_differences(packed[1], serial[1])
    assert packed == serial


def test_unpacked_rows_are_the_rows_packed(folder: Path) -> None:
    files = [folder / "INC-0000-twice.yaml", *[f for f in packet_files([folder]) if f.name.startswith("INC-2")][:5]]
    plain = [parallel_read.read_rows(f) for f in files]
    packed = [parallel_read.read_rows(f) for f in files]
    pack_task(packed, PACKER)
    for i, (p, q) in enumerate(zip(plain, packed, strict=True)):
        assert q.packed is not None and q.index == i
        assert all(not new_only(label) for label in q.rows.nodes)  # only shared nodes left as dicts
        rows = writer.collect_rows([p])
        assert as_stored(writer.collect_rows([q])) == as_stored(rows)
        own = sum(len(v) for k, v in rows.nodes.items() if new_only(k)) + sum(map(len, rows.rels.values()))
        assert q.packed_count == own


def as_stored(rows: Any) -> dict[Any, list[dict[str, Any]]]:
    """Rows with timestamps as the engine binds them (naive UTC), per table."""

    def value(v: Any) -> Any:
        return v.astimezone(UTC).replace(tzinfo=None) if getattr(v, "tzinfo", None) else v

    tables = {**rows.nodes, **rows.rels}
    return {k: [{c: value(v) for c, v in r.items()} for r in rs] for k, rs in tables.items() if rs}


def test_packed_rows_survive_the_pipe(folder: Path) -> None:
    """Across the process boundary (pickle, the parts as Arrow IPC) the packed rows are unchanged."""
    import pickle

    files = list(packet_files([folder]))[:5]
    answers = parallel_read._read_many(files, PACKER)
    back = pickle.loads(pickle.dumps(answers, protocol=pickle.HIGHEST_PROTOCOL))
    for a, b in zip(answers, back, strict=True):
        if isinstance(a, PacketRows):
            assert isinstance(b, PacketRows) and b.packed is not None and a.packed is not None
            assert as_stored(b.all_rows()) == as_stored(a.all_rows())
            assert b.packed.starts == a.packed.starts


def test_the_stage_looks_up_stored_incidents_by_key(folder: Path, tmp_path: Path) -> None:
    """A chunk naming a stored incident is not staged (it goes the replace path); one of new incidents is."""
    files = [f for f in packet_files([folder]) if f.name.startswith("INC-2")][:4]
    with kb.connect(engine="ladybug", db=tmp_path / "g.lbug") as kbase:
        assert isinstance(kbase, KnowledgeBase)
        kbase.ingest_paths(files[:1])
        stage = writer.StagedInserts(kbase.engine, check_stored=True)
        rows = [parallel_read.read_rows(f) for f in files]
        assert stage.add(rows[1:]) == writer.collect_rows(rows[1:]).count()
        assert stage.add(rows[:2]) is None and stage.packets == 3


def test_prestarted_workers_are_told_the_packer(folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Workers `prestart` started before the engine was known (kb ingest, while the database opens)
    are the ones a read takes, told the packer: they pack, and the ingest stores the same graph."""
    started = force_worker_path(monkeypatch, 4, ANY_PACKER)
    files = list(packet_files([folder]))
    parallel_read.prestart(len(files))
    assert started, "prestart started no worker"
    prestarted = list(started)
    reads = list(parallel_read.read_packets(files, PACKER))
    assert started == prestarted, "the read started workers of its own"
    rows = [r for _, r in reads if isinstance(r, PacketRows)]
    assert rows and all(r.packed is not None and r.packed.packer == PACKER for r in rows)
    assert all(w.returncode is not None for w in prestarted)  # ended with the read
    parallel_read.prestart(len(files))
    packed = ingest(tmp_path / "prestarted.lbug", folder)
    serial = alone(monkeypatch, tmp_path / "serial.lbug", folder)
    assert not dump_differences(packed[1], serial[1])
    assert packed == serial


def test_prestarted_workers_no_read_took_end(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started = force_worker_path(monkeypatch, 4, ANY_PACKER)
    parallel_read.prestart(len(list(packet_files([folder]))))
    assert started
    parallel_read.stop_prestarted()
    assert all(w.returncode is not None for w in started)
    parallel_read.stop_prestarted()  # again: a no-op
