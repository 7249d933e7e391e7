"""The parallel reader's worker path forced for a small folder, and the worker processes it starts
recorded (tests/test_parallel_read.py, tests/test_packed_reads.py)."""

from __future__ import annotations

import subprocess

import pytest

from kb.graph import parallel_read

ANY_PACKER = object()
"""`packer` of force_worker_path: the workers may be started with any packer."""


def force_worker_path(
    monkeypatch: pytest.MonkeyPatch, files_per_task: int, packer: str | None | object = ANY_PACKER
) -> list[subprocess.Popen[bytes]]:
    """Workers for any folder, `files_per_task` files a task; the list fills with the workers started,
    each of which must have been asked for `packer` unless it is ANY_PACKER."""
    started: list[subprocess.Popen[bytes]] = []
    start = parallel_read._start_worker

    def recording(asked: str | None = None) -> subprocess.Popen[bytes] | None:
        if packer is not ANY_PACKER:
            assert asked == packer, f"a worker was started with packer {asked!r}, not {packer!r}"
        worker = start(asked)
        if worker is not None:
            started.append(worker)
        return worker

    monkeypatch.setattr(parallel_read, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(parallel_read, "FILES_PER_TASK", files_per_task)
    monkeypatch.setattr(parallel_read, "_start_worker", recording)
    return started
