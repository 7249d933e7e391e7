"""Reading many packet files into rows in worker processes gives what reading them here gives, in
order: the same rows, the same errors (file, field, expectation), also when a worker dies; and an
ingest through the workers stores the same graph as one without them."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kb.demo import generate_corpus, write_corpus
from kb.graph import parallel_read
from kb.knowledge_base import KnowledgeBase
from kb.packets import PacketError, packet_files
from tests.worker_path import force_worker_path


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 demo packets, and among them files that must be rejected, each for its own reason."""
    root = write_corpus(generate_corpus(n_incidents=40, seed=3), tmp_path_factory.mktemp("packets")) / "packets"
    first = sorted(root.iterdir())[0]
    (root / "INC-0000-bad-syntax.yaml").write_text("incident:\n  id: [1\n")
    (root / "INC-0000-bad-field.yaml").write_text("incident:\n  id: INC-X\n  severity: nine\n")
    (root / "INC-0000-dupe-keys.json").write_text('{"incident": {"id": "A", "id": "B"}}')
    shutil.copy(first, root / "zz-same-id-as-first.yaml")
    return root


def outcome(read: object) -> object:
    return str(read) if isinstance(read, PacketError) else read


def serial(files: list[Path]) -> list[tuple[Path, object]]:
    out: list[tuple[Path, object]] = []
    for f in files:
        try:
            out.append((f, parallel_read.read_rows(f)))
        except PacketError as exc:
            out.append((f, str(exc)))
    return out


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Force the worker path for a small folder (tasks of 5 files) and record the workers started."""
    yield force_worker_path(monkeypatch, 5)


def test_workers_read_what_one_process_reads(folder: Path, workers: list[subprocess.Popen[bytes]]) -> None:
    files = list(packet_files([folder]))
    got = [(f, outcome(r)) for f, r in parallel_read.read_packets(files)]
    assert workers, "the worker path was not taken"
    assert got == serial(files)
    errors = [r for _, r in got if isinstance(r, str)]
    assert len(errors) == 3 and any("severity" in e for e in errors)
    assert all(w.returncode is not None for w in workers)  # none left running


def test_a_dead_worker_costs_only_time(folder: Path, workers: list[subprocess.Popen[bytes]]) -> None:
    files = list(packet_files([folder]))
    reads = parallel_read.read_packets(files)
    first = next(reads)
    workers[0].kill()  # mid-run: its tasks in flight and to come are read in this process
    got = [(first[0], outcome(first[1]))] + [(f, outcome(r)) for f, r in reads]
    assert got == serial(files)


def test_ingest_through_workers_stores_the_same_graph(
    folder: Path, workers: list[subprocess.Popen[bytes]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import kb

    def ingest(db: Path) -> tuple[list[str], list[str], dict[str, int]]:
        with kb.connect(engine="ladybug", db=db) as kbase:
            assert isinstance(kbase, KnowledgeBase)
            report = kbase.ingest_paths([folder])
            counts = {row.name: row.count for row in kbase.stats().itertuples()}
        return [str(e) for e in report.rejected], report.incidents, counts

    parallel = ingest(tmp_path / "parallel.lbug")
    assert workers
    monkeypatch.setattr(parallel_read, "PARALLEL_MIN_FILES", 10**9)
    alone = ingest(tmp_path / "serial.lbug")
    assert parallel == alone
    rejected, incidents, counts = parallel
    assert len(rejected) == 4 and "an id not used by another file of this run" in rejected[-1]
    assert len(incidents) == counts["Incident"] == 40
