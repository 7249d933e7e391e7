"""Packet files -> rows on every core: worker processes read, validate and build each file's
rows (the writer's input), returned in the files' order.

Rows, not packets, come back: unpickling pydantic packets took the reading process a fifth of
what parsing them took. The workers are kb.workers' (`python -m kb.graph.parallel_read`
processes fed through pipes). A worker that dies costs nothing but time: its files are read
here instead.

A caller that knows it will read many files before it opens the database (`kb ingest`) starts the
workers then (`prestart`): their imports (~0.4 CPU s each) overlap the opening, not the reading.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import subprocess
import sys
from collections.abc import Generator, Sequence
from pathlib import Path

from kb import workers as pipes
from kb.graph.rows import PacketRows, pack_task, packet_rows
from kb.packets import PacketError, PacketProblem, read_packet

PARALLEL_MIN_FILES = 500
"""Below this many files, one process is faster than starting workers (~1 s each)."""
FILES_PER_TASK = 64

Answer = PacketRows | list[PacketProblem]


def read_rows(file: Path) -> PacketRows:
    """One file's rows, or its PacketError."""
    packet = read_packet(file)
    return PacketRows(packet.key, packet_rows(packet))


def _read_many(files: Sequence[Path], packer: str | None = None) -> list[Answer]:
    """Each file's rows or its problems (a PacketError's arguments do not survive pickling); with a
    packer (`Engine.packer`), the accepted files' new-only rows packed together (`pack_task`)."""
    out: list[Answer] = []
    for file in files:
        try:
            out.append(read_rows(file))
        except PacketError as exc:
            out.append(exc.problems)
    if packer:
        pack_task([a for a in out if isinstance(a, PacketRows)], packer)
    return out


def _serve(packer: str | None) -> None:
    """The worker: tasks (lists of paths) in on stdin, answers out on stdout, until stdin closes; a
    str message is the packer, for a worker started before its caller knew it (`prestart`)."""
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    if packer:
        importlib.import_module(packer).load()  # before the freeze below: its modules are never rescanned
    # Cyclic collection once per task, not at every allocation threshold (~17% of a worker's CPU):
    # a file's YAML nodes, packet and rows are acyclic; the modules' objects are never rescanned.
    gc.freeze()
    gc.disable()
    for message in pipes.messages(inp):
        if isinstance(message, str):
            packer = message
            importlib.import_module(packer).load()
            gc.freeze()  # the packer's modules too
            continue
        assert isinstance(message, list)
        pipes.send(out, _read_many(message, packer))
        gc.collect()  # what cycles a task made (a rejected file's traceback) go now


def _start_worker(packer: str | None = None) -> subprocess.Popen[bytes] | None:
    return pipes.start("kb.graph.parallel_read", *([packer] if packer else []))


_prestarted: list[subprocess.Popen[bytes]] = []
"""Workers started by `prestart`, not yet taken by `read_packets`."""


def prestart(files: int) -> None:
    """Start the workers now if `read_packets` will take them for this many files (it tells them the
    packer then); `stop_prestarted`, or the end of the process, ends any that no read took."""
    if files < PARALLEL_MIN_FILES or _prestarted:
        return
    _prestarted.extend(w for w in (_start_worker() for _ in range(pipes.cores())) if w)


def stop_prestarted() -> None:
    """End the workers `prestart` started that no read took (again is a no-op)."""
    pipes.stop(_prestarted)
    _prestarted.clear()


atexit.register(stop_prestarted)


def _workers(packer: str | None) -> list[subprocess.Popen[bytes]]:
    """One worker per core: those `prestart` started (told the packer now), else new ones."""
    taken, ready = _prestarted[:], []
    _prestarted.clear()
    for worker in taken:
        try:
            if packer:
                pipes.send(worker.stdin, packer)  # type: ignore[arg-type]
            ready.append(worker)
        except OSError:  # it died: its files go to the others
            pipes.stop([worker])
    if taken:
        return ready
    started = (_start_worker(packer) for _ in range(pipes.cores()))
    return [w for w in started if w]


def read_packets(
    files: Sequence[Path], packer: str | None = None
) -> Generator[tuple[Path, PacketRows | PacketError], None, None]:
    """Each file's rows or PacketError, in the files' order; on every core for many files.
    With a packer (`Engine.packer`), the workers pack the rows they read (kb.graph.rows.pack_task):
    the writing process then neither unpickles, merges nor packs them row by row.
    Close it when done (the workers end then, not when it is garbage-collected)."""
    tasks = [list(files[i : i + FILES_PER_TASK]) for i in range(0, len(files), FILES_PER_TASK)]
    workers = _workers(packer) if len(files) >= PARALLEL_MIN_FILES else []
    alive = [True] * len(workers)
    n = len(workers)

    def give(k: int) -> None:
        # Task k always goes to worker k % n; two tasks per worker in flight bound the memory.
        w = k % n
        if k < len(tasks) and alive[w]:
            try:
                pipes.send(workers[w].stdin, tasks[k])  # type: ignore[arg-type]
            except OSError:
                alive[w] = False

    sent: set[int] = set()
    try:
        for k in range(min(2 * n, len(tasks))):
            give(k)
            sent.add(k)
        for k, task in enumerate(tasks):
            answers: list[Answer] | None = None
            if n and k in sent and alive[k % n]:
                try:
                    got = pipes.receive(workers[k % n].stdout)  # type: ignore[arg-type]
                    assert isinstance(got, list) and len(got) == len(task)
                    answers = got
                except pipes.Failed:
                    alive[k % n] = False
            if answers is None:
                answers = _read_many(task)
            if n and k + 2 * n < len(tasks):
                give(k + 2 * n)
                sent.add(k + 2 * n)
            if k == len(tasks) - 1:
                pipes.stop(workers)  # every file is read: the workers end before the caller's last write, not after
            for file, answer in zip(task, answers, strict=True):
                yield file, answer if isinstance(answer, PacketRows) else PacketError(file, answer)
    finally:
        pipes.stop(workers)


if __name__ == "__main__":
    _serve(sys.argv[1] if len(sys.argv) > 1 else None)
