"""Replacing a file so that a reader sees the old content or the new, never half of either.

The files kb keeps beside a database (the similarity index, kept answers, counts) are written
aside under a name of this process and swapped in with os.replace, which is atomic on POSIX
and Windows; a crash leaves the old file, or the new one, and perhaps an aside file named
after the dead process, which the next write of that file deletes.

The small JSON ones (counts, printed rows) also share one shape: a format tag and the snapshot id
of the content they were computed from, beside what they hold (`write_keyed_json`,
`read_keyed_json`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

T = TypeVar("T")


def replace_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write `path`'s new content with `write(file)` aside, then swap it in. Errors propagate."""
    drop_dead_asides(path)
    aside = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(aside, "wb") as fh:
            write(fh)
        os.replace(aside, path)
    finally:
        with contextlib.suppress(OSError):
            aside.unlink()


def drop_dead_asides(path: Path) -> list[Path]:
    """Delete `path`'s aside files (`<name>.<pid>.tmp`) whose process is gone: a writer killed
    between writing aside and the swap leaves one, and no later write of another process would
    replace it. A live process's aside is its write in progress; it is left alone. Returns what
    was deleted."""
    pattern = re.compile(re.escape(path.name) + r"\.(?P<pid>[0-9]{1,10})\.tmp")
    try:
        found = [(p, m) for p in path.parent.iterdir() if (m := pattern.fullmatch(p.name))]
    except OSError:
        return []
    removed = []
    for aside, named in found:
        pid = int(named["pid"])
        if pid != os.getpid() and not _process_alive(pid):
            with contextlib.suppress(OSError):
                aside.unlink()
                removed.append(aside)
    return removed


def _process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (one of another user's counts as alive)."""
    if pid <= 0 or os.name != "posix":
        return True  # not a process id kb writes; elsewhere os.kill(pid, 0) would end the process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


def write_keyed_json(path: Path, fmt: str, snapshot: str, body: dict[str, Any]) -> None:
    """Keep `body` for the content `snapshot` names; a folder that cannot be written only makes the
    next reader slower."""
    text = json.dumps({"format": fmt, "snapshot": snapshot, **body}, ensure_ascii=False)
    with contextlib.suppress(OSError):
        replace_atomically(path, lambda fh: fh.write(text.encode("utf-8")))


def read_keyed_json(path: Path, fmt: str, snapshot: str | None) -> dict[str, Any] | None:
    """What `write_keyed_json` kept at `path` in format `fmt` for `snapshot` (None: for any content);
    None when there is nothing, it was kept for other content or in another format, or it does not parse."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != fmt:
        return None
    if snapshot is not None and data.get("snapshot") != snapshot:
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
        live = getattr(kbase, "live_snapshot", kbase.snapshot)
        if live() == snapshot:  # never a reader that opened older content: it would drop the current files
            prune_kept(Path(path), name, snapshot)
    return value


# Kept files pile up, one per option set or settings digest, and each is of use for one snapshot only.
KEPT_PER_KIND = 16
"""At most this many kept files of one kind (a command's printed rows, a lint) for the current content:
every option set asked of one snapshot would otherwise stay until the next write."""
REUSED_AFTER_A_WRITE = frozenset({"lint"})
"""Kinds whose file of older content is still read: `kb check --all` after a write lints again only the
incidents whose inputs moved and takes the rest from it (kb.lint.kept). Only the per-kind cap removes them."""
_DIGEST_NAME = re.compile(r"(?P<kind>[a-z][a-z0-9-]*)-[0-9a-f]{16}\.json")
_HEADER = re.compile(rb'\{"format": "kb-[a-z]+(?:-[a-z]+)*-[0-9]+", "snapshot": "(?P<snapshot>[^"\\]*)"')


def prune_kept(path: Path, name: str, snapshot: str) -> list[Path]:
    """Delete the files kb kept beside `path` (just saved as `name` for the current `snapshot`) that can
    no longer be used: those of another snapshot, and the oldest of a kind beyond KEPT_PER_KIND.
    Only files kb wrote are touched: named `<prefix><kind>-<16 hex digits>.json` beside it, and starting
    with the format and snapshot header `write_keyed_json` writes. Returns what was deleted."""
    prefix, saved = path.name[: len(path.name) - len(name)], _DIGEST_NAME.fullmatch(name)
    if not path.name.endswith(name) or saved is None:
        return []
    try:
        siblings = [p for p in path.parent.iterdir() if p.name.startswith(prefix) and p != path]
    except OSError:
        return []
    stale: list[Path] = []
    current: dict[str, list[tuple[int, Path]]] = {}
    for sibling in siblings:
        named = _DIGEST_NAME.fullmatch(sibling.name[len(prefix) :])
        header = _kept_header(sibling) if named else None
        if named is None or header is None:
            continue
        if header != snapshot and named["kind"] not in REUSED_AFTER_A_WRITE:
            stale.append(sibling)
        else:
            with contextlib.suppress(OSError):
                current.setdefault(named["kind"], []).append((sibling.stat().st_mtime_ns, sibling))
    same = sorted(current.get(saved["kind"], []), key=lambda t: (t[0], t[1].name))
    stale += [p for _, p in same[: max(0, len(same) - (KEPT_PER_KIND - 1))]]  # the saved file is one of them
    removed = []
    for p in stale:
        with contextlib.suppress(OSError):
            p.unlink()
            removed.append(p)
    return removed


def _kept_header(path: Path) -> str | None:
    """The snapshot named in a file's first bytes when they are a kb keyed file's header, else None."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return None
    found = _HEADER.match(head)
    return found["snapshot"].decode("utf-8", "replace") if found else None


__all__ = [
    "REUSED_AFTER_A_WRITE",
    "drop_dead_asides",
    "kept_or_computed",
    "prune_kept",
    "read_keyed_json",
    "replace_atomically",
    "write_keyed_json",
]
