"""The node and relationship counts of a database, kept in a small file beside it for `kb stats`.

Counting is 40 queries (one per label and relationship type): about 0.25 s at 10,000 incidents
on the embedded engine, most of what `kb stats` waited for once the CLI started fast. A writer
saves the counts when it closes the connection, keyed by the snapshot id its last write gave the
database (kb.engines: every write changes it); a reader uses the file only when that id is the
one it opened, and the kinds and names are the schema's, so it never shows a count of another
content or of another schema. A reader never writes the file. Engines without a snapshot id
(Neo4j, an in-memory database) keep nothing on disk.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kb.atomic_file import read_keyed_json, write_keyed_json

FORMAT = "kb-counts-1"
NAME = "counts.json"

Counts = list[tuple[str, str, int]]


def load(path: Path | None, snapshot: str | None, names: Sequence[tuple[str, str]]) -> Counts | None:
    """The counts saved for `snapshot` with exactly these (kind, name) rows, else None."""
    data = None if path is None or snapshot is None else read_keyed_json(path, FORMAT, snapshot)
    if data is None:
        return None  # missing, half-written by another program, or of another format: count again
    try:
        rows = [(str(kind), str(name), int(count)) for kind, name, count in data["counts"]]
    except (ValueError, TypeError, KeyError):
        return None
    return rows if [(kind, name) for kind, name, _ in rows] == list(names) else None


def save(path: Path | None, snapshot: str | None, counts: Counts) -> None:
    """Write the file aside and swap it in (os.replace): a reader sees the old file or the new one."""
    if path is not None and snapshot is not None:
        write_keyed_json(path, FORMAT, snapshot, {"counts": [list(r) for r in counts]})


__all__ = ["FORMAT", "NAME", "Counts", "load", "save"]
