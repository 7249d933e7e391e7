"""The files of an embedded Ladybug database and how kb changes them without ever
writing the live file in place.

A Ladybug database is one file (graph.lbug) plus, while it has uncommitted or
unchecked-pointed writes, a write-ahead log beside it (graph.lbug.wal). Killing a writer
in the middle of a COPY or a checkpoint was measured to leave partial commits or a WAL
that no longer opens. So every write goes to a copy (graph.lbug.shadow), which is
checkpointed, closed and fsynced, then renamed over the live file: os.replace is atomic,
so a reader or a restart sees the old database or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from pathlib import Path
from typing import IO

from kb.engines.base import EngineUnavailable

try:  # POSIX; elsewhere Ladybug's own lock is the only guard
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]


MEMORY = ":memory:"


def description(path: Path, read_only: bool) -> str:
    return f"ladybug (embedded) at {path}{' (read-only)' if read_only else ''}"


def shadow_path(live: Path) -> Path:
    return live.with_name(live.name + ".shadow")


def wal_path(db: Path) -> Path:
    return db.with_name(db.name + ".wal")


def discard(db: Path) -> None:
    """Remove a database file kb made (a shadow copy) and its WAL."""
    for p in (db, wal_path(db)):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def clean_leftovers(live: Path) -> None:
    """A shadow copy left by a killed write was never swapped in: it is not data, drop it."""
    discard(shadow_path(live))


def copy_for_write(live: Path, shadow: Path) -> None:
    discard(shadow)
    if live.exists():
        shutil.copyfile(live, shadow)


def _fsync(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def swap_in(shadow: Path, live: Path) -> None:
    """Make the (closed, checkpointed) shadow the live database, durably and atomically.

    The generation file beside it is blanked first and given a fresh id after: a crash in
    between leaves it blank (content unknown), never naming the old content for the new."""
    _fsync(shadow)
    _write_generation(live, "")
    os.replace(shadow, live)
    _fsync(live.parent, directory=True)
    st = os.stat(live)
    _write_generation(live, f"{uuid.uuid4().hex} {st.st_ino} {st.st_size}")


def generation_path(live: Path) -> Path:
    return live.with_name(live.name + ".generation")


def read_generation(live: Path) -> str | None:
    """The id of the database's current content, given by its last write (None: unknown)."""
    try:
        gen, ino, size = generation_path(live).read_text(encoding="ascii").split()
        st = os.stat(live)
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    # A file put in place by other means (a copy, a restore) is not the content the id names.
    return gen if (str(st.st_ino), str(st.st_size)) == (ino, size) else None


def _write_generation(live: Path, value: str) -> None:
    path = generation_path(live)
    aside = path.with_name(path.name + ".tmp")
    aside.write_text(value, encoding="ascii")
    os.replace(aside, path)


def recovery_hint(live: Path, error: str) -> str | None:
    """The one-line recovery step for a database that does not open because of its WAL."""
    wal = wal_path(live)
    if "lock" in error.lower() or not wal.exists():
        return None  # kb never leaves a WAL beside the live file: one there is from elsewhere
    return (
        f"the write-ahead log {wal} is damaged (left by a crash of an older kb or of another program); "
        f"move it aside with `mv '{wal}' '{wal}.damaged'` and run the command again: the database "
        f"then opens as of its last complete write"
    )


def _holder(pid: int | None) -> str:
    """`PID 123: python -m kb ingest ...`, or just the PID where /proc does not tell."""
    if pid is None:
        return "PID unknown"
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return f"PID {pid}"
    text = " ".join(" ".join(a.decode(errors="replace").split()) for a in args if a)  # one line, always
    return f"PID {pid}: {text[:80]}" if text else f"PID {pid}"


def busy_message(live: Path, pid: int | None) -> str:
    """One line for a writer that finds the database held by another: who holds it, what to do."""
    return (
        f"the database at {live} is open for writing in another process ({_holder(pid)}); "
        "read-only commands still work; to write, finish or close that process (a notebook: run its "
        "last cell or shut down its kernel) and run this again"
    )


class WriterLock:
    """One kb process writes a database at a time (held for the engine's lifetime).

    Ladybug's own file lock is released while kb swaps files, so it cannot be the guard."""

    def __init__(self, live: Path) -> None:
        self.path = live.with_name(live.name + ".lock")
        self._file: IO[str] | None = None
        if fcntl is None:
            return
        f = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held open on purpose
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.seek(0)
            holder = f.read().strip() or "unknown"
            f.close()
            raise EngineUnavailable(busy_message(live, int(holder) if holder.isdigit() else None)) from None
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        self._file = f

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the file releases the lock
            self._file = None
