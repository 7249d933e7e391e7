"""The files of an embedded Ladybug database and how kb changes them without ever
writing the live file in place.

A Ladybug database is one file (graph.lbug) plus, while it has unfinished writes or is
checkpointing, files of Ladybug's own beside it: a write-ahead log (graph.lbug.wal, renamed
graph.lbug.wal.checkpoint while it is applied), a shadow file of committed pages
(graph.lbug.shadow) and checkpoint locks. Killing a writer in the middle of a COPY or a
checkpoint was measured to leave partial commits or a WAL that no longer opens. So every
write goes to a copy (graph.lbug.kb-write), which is checkpointed, closed and fsynced, then
renamed over the live file: os.replace is atomic, so a reader or a restart sees the old
database or the new one, never a mix.

The copy's name is kb's own: a copy named like one of Ladybug's files (an older kb called it
graph.lbug.shadow) was taken for Ladybug's shadow file, and deleting it as a stale copy lost
the pages of a checkpoint that Ladybug had not finished (a WAL that no longer opened). Ladybug's
files beside the live database are Ladybug's to recover; kb only ever removes its copy's.
"""

from __future__ import annotations

import contextlib
import glob
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


COPY_SUFFIX = ".kb-write"
LADYBUG_MAGIC = b"LBUG"
"""How a Ladybug database file starts (a shadow file of Ladybug's own starts otherwise)."""


def write_copy_path(live: Path) -> Path:
    """Where a write runs before it is swapped in: a name no file of Ladybug's can have."""
    return live.with_name(live.name + COPY_SUFFIX)


def wal_path(db: Path) -> Path:
    return db.with_name(db.name + ".wal")


def _named_after(copy: Path) -> list[Path]:
    """The files Ladybug made beside a database kb made: its WAL, shadow pages, checkpoint locks."""
    return sorted(p for p in copy.parent.glob(glob.escape(copy.name) + ".*") if p.is_file())


def pending_recovery(live: Path) -> bool:
    """Ladybug left a log or shadow pages beside the live file (a crash in its own checkpoint,
    or a program that wrote the file in place): only opening it for writing replays them."""
    names = (".wal", ".wal.checkpoint", ".shadow")
    return any(live.with_name(live.name + n).exists() for n in names)


def discard(copy: Path) -> None:
    """Remove a database file kb made (its write copy) and every file Ladybug made beside it."""
    for p in [copy, *_named_after(copy)]:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def clean_leftovers(live: Path) -> None:
    """A write copy left by a killed write was never swapped in: it is not data, drop it, and the
    log and shadow pages Ladybug kept for it, which would otherwise be replayed into the next copy.

    An older kb named its copy graph.lbug.shadow, which is also the name of Ladybug's own shadow
    file: such a file is kb's copy only if it is a whole database (and then its files are too)."""
    discard(write_copy_path(live))
    legacy = live.with_name(live.name + ".shadow")
    for p in _named_after(legacy):  # files of a database named graph.lbug.shadow: kb's old copy
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
    with contextlib.suppress(OSError), open(legacy, "rb") as f:
        is_copy = f.read(len(LADYBUG_MAGIC)) == LADYBUG_MAGIC
        if is_copy:
            legacy.unlink()


def copy_for_write(live: Path, copy: Path) -> None:
    discard(copy)
    if live.exists():
        shutil.copyfile(live, copy)


def _fsync(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def swap_in(copy: Path, live: Path) -> None:
    """Make the (closed, checkpointed) write copy the live database, durably and atomically.

    The generation file beside it is blanked first and given a fresh id after: a crash in
    between leaves it blank (content unknown), never naming the old content for the new."""
    _fsync(copy)
    _write_generation(live, "")
    os.replace(copy, live)
    _fsync(live.parent, directory=True)
    _name_content(live)


def name_unknown_content(live: Path) -> None:
    """Give the database a fresh generation id if its content is unknown (a file copied or restored
    into place, or a crash between a swap and its id): readers keep answers again for it, where
    before none were kept until the next write. Only a writer, holding the lock, calls it."""
    if live.exists() and read_generation(live) is None:
        _name_content(live)


def _name_content(live: Path) -> None:
    """A new generation id for the file now at `live` (its inode and size tell a later copy apart)."""
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


def recovery_hint(live: Path, error: str, read_only: bool) -> str | None:
    """The one-line recovery step for a database that does not open because of its WAL."""
    wal = wal_path(live)
    if "lock" in error.lower() or not pending_recovery(live):
        return None
    if read_only and "read-only" in error.lower():
        return (
            f"the database at {live} has writes in its write-ahead log that only a writer can apply "
            f"(left by a crash inside Ladybug or by another program); run `kb init --db '{live}'` once, "
            "then this command again"
        )
    if not wal.exists():
        return None
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
