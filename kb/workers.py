"""Worker processes fed through pipes: the one way kb uses more than one core (reading packet
files at ingest, kb.graph.parallel_read; validating and linting packets, kb.lint.workers).

Workers are plain `python -m <module>` processes, not a multiprocessing pool: a pool's spawn
re-imports the caller's __main__ (it would run the CLI again), and a forked worker would inherit
the caller's open database and lock. Messages are length-prefixed pickles, both ways.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

MAX_WORKERS = 8


def cores() -> int:
    """How many workers to start: one per core, at most MAX_WORKERS."""
    return min(os.cpu_count() or 1, MAX_WORKERS)


def send(stream: IO[bytes], obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    _write_all(stream.fileno(), len(data).to_bytes(8, "little") + data)


def receive(stream: IO[bytes]) -> object:
    """The next message; EOFError when the other end closed (a worker that died, the caller done)."""
    fd = stream.fileno()
    size = int.from_bytes(_read_exactly(fd, 8), "little")
    return pickle.loads(_read_exactly(fd, size))  # noqa: S301 - from our own worker process


# Messages go through the pipes' file descriptors, not the buffered streams around them: with the
# buffered ones, a worker stopped and continued again and again (as a sampling profiler does) once
# in a while sent a message whose end never arrived, and the caller waited for it until the deadline
# (tests/test_worker_pipes.py). Each call here is one system call, its short count looped over.


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exactly(fd: int, size: int) -> bytes:
    parts = []
    while size > 0:
        part = os.read(fd, min(size, _READ_AT_MOST))
        if not part:
            raise EOFError("worker closed its output")
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


_READ_AT_MOST = 1 << 20


def messages(stream: IO[bytes]) -> Iterator[object]:
    """A worker's incoming messages, until the caller closes its input."""
    while True:
        try:
            yield receive(stream)
        except EOFError:
            return


Failed = (EOFError, OSError, pickle.UnpicklingError, AssertionError)
"""What talking to a worker raises when it died or answered nonsense: the caller does the work itself."""


def start(module: str, *args: str) -> subprocess.Popen[bytes] | None:
    """`python -m module args...` with pipes for input and output; None when it cannot be started."""
    root = str(Path(__file__).resolve().parents[1])  # kb importable as the caller imported it
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    try:
        return subprocess.Popen(
            [sys.executable, "-m", module, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
    except OSError:
        return None


def stop(workers: list[subprocess.Popen[bytes]]) -> None:
    """Close the workers' input (they exit at its end) and wait for them; again is a no-op."""
    for worker in workers:
        if worker.stdin and not worker.stdin.closed:
            with contextlib.suppress(OSError):  # a dead worker's pipe: what was buffered for it is dropped
                worker.stdin.close()
    for worker in workers:
        try:
            worker.wait(timeout=5)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        if worker.stdout:
            worker.stdout.close()


__all__ = ["MAX_WORKERS", "Failed", "cores", "messages", "receive", "send", "start", "stop"]
