"""Which incidents' packets an ingest wrote, kept beside the database by content id, so a reader
holding results for earlier content (`kb check --all`'s, kb.lint.kept) reads back only those packets.

Each entry names the snapshot id before an ingest and after it (its hooks included) and the keys
of the packets it wrote. Every kb write gives the content a new random id (kb.engines), so a write
that records nothing here (a loop write, `kb themes`, a hook of unknown effect) leaves a gap that
no chain of entries crosses: then nothing is known and everything is read. An entry is recorded
only by a connection no other writer can interleave with (Engine.pinned_snapshot), and only after
the whole ingest succeeded; a damaged file is the same as none.

What an ingest writes for a packet goes to nodes the incident owns, except shared nodes (barriers,
work items, objectives, roadmap items): a reader of the keys named here reads those parts of every
incident (kb.graph.reader.SHARED_PARTS).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kb.atomic_file import replace_atomically

FILE = "changes.json"
"""The name beside the database (Engine.cache_path)."""
FORMAT = "kb-changes-1"
KEEP = 32
"""Entries kept: the last this many ingests (a reader kept behind more reads everything)."""
MAX_KEYS = 1000
"""An ingest of more packets records "all": a reader would read nearly everything anyway."""


def _entries(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("entries"), list):
        return []
    return [e for e in data["entries"] if _valid(e)]


def _valid(entry: Any) -> bool:
    if not isinstance(entry, dict):
        return False
    keys = entry.get("keys")
    return (
        isinstance(entry.get("before"), str)
        and isinstance(entry.get("after"), str)
        and (keys is None or (isinstance(keys, list) and all(isinstance(k, str) for k in keys)))
    )


def record(path: Path, before: str, after: str, keys: Iterable[str]) -> None:
    """Note that the write from content `before` to content `after` wrote the packets of `keys`
    (and nothing else of any packet). A folder that cannot be written only makes readers slower."""
    listed = sorted(set(keys))
    entry = {"before": before, "after": after, "keys": listed if len(listed) <= MAX_KEYS else None}
    entries = [*_entries(path), entry][-KEEP:]
    text = json.dumps({"format": FORMAT, "entries": entries})
    with contextlib.suppress(OSError):
        replace_atomically(path, lambda fh: fh.write(text.encode("utf-8")))


def changed_since(path: Path, since: str, now: str) -> set[str] | None:
    """The keys of the packets written from content `since` to content `now`, when recorded entries
    chain one to the next all the way; None when anything in between is not known."""
    following = {e["before"]: e for e in _entries(path)}
    changed: set[str] = set()
    at = since
    for _ in range(KEEP + 1):
        if at == now:
            return changed
        entry = following.get(at)
        if entry is None or entry["keys"] is None:
            return None
        changed.update(entry["keys"])
        at = entry["after"]
    return None


__all__ = ["FILE", "changed_since", "record"]
