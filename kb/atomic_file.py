"""Replacing a file so that a reader sees the old content or the new, never half of either.

The files kb keeps beside a database (the similarity index, kept answers, counts) are written
aside under a name of this process and swapped in with os.replace, which is atomic on POSIX
and Windows; a crash leaves the old file, or the new one, and perhaps an aside file that the
next write of this process replaces.

The small JSON ones (counts, printed rows) also share one shape: a format tag and the snapshot id
of the content they were computed from, beside what they hold (`write_keyed_json`,
`read_keyed_json`).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

T = TypeVar("T")


def replace_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write `path`'s new content with `write(file)` aside, then swap it in. Errors propagate."""
    aside = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(aside, "wb") as fh:
            write(fh)
        os.replace(aside, path)
    finally:
        with contextlib.suppress(OSError):
            aside.unlink()


def write_keyed_json(path: Path, fmt: str, snapshot: str, body: dict[str, Any]) -> None:
    """Keep `body` for the content `snapshot` names; a folder that cannot be written only makes the
    next reader slower."""
    text = json.dumps({"format": fmt, "snapshot": snapshot, **body}, ensure_ascii=False)
    with contextlib.suppress(OSError):
        replace_atomically(path, lambda fh: fh.write(text.encode("utf-8")))


def read_keyed_json(path: Path, fmt: str, snapshot: str) -> dict[str, Any] | None:
    """What `write_keyed_json` kept at `path` in format `fmt` for `snapshot`; None when there is
    nothing, it was kept for other content or in another format, or it does not parse."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != fmt or data.get("snapshot") != snapshot:
        return None
    return data


def kept_or_computed(
    kbase: Any,
    name: str,
    load: Callable[[Path, str], T | None],
    compute: Callable[[], T],
    save: Callable[[Path, str, T], None],
) -> T:
    """What `load` finds kept in file `name` for the content this connection sees, else `compute()`'s
    answer, saved when the engine keeps files and no write showed while computing (a server's
    reads see other clients' writes as they commit, so the snapshot is read again after)."""
    snapshot = kbase.snapshot() if hasattr(kbase, "snapshot") else None
    path = kbase.cache_path(name) if hasattr(kbase, "cache_path") else None
    if snapshot is None or path is None:
        return compute()
    kept = load(Path(path), snapshot)
    if kept is not None:
        return kept
    value = compute()
    if kbase.snapshot() == snapshot:
        save(Path(path), snapshot, value)
    return value


__all__ = ["kept_or_computed", "read_keyed_json", "replace_atomically", "write_keyed_json"]
