"""A read-only command's printed rows, kept beside the embedded database for the content they were
computed from, so asking again prints them without loading pandas or opening the engine.

`kb repeats` and `kb hotspots` at 10,000 incidents spent about 0.9 s as whole processes, half of it
importing pandas, although their answers were already kept (kb.analysis.answer_store). Each
command's rows are saved as the plain values its JSON output holds (the same that the table and
CSV are printed from), in a file per command and option set, keyed by the snapshot id of the content
they were computed from (every write changes it). A file is used only for that very snapshot, so it
can never show another content's answer; any process that computed the rows may save them: a reader
that lost a race with a writer saves them under the old id, which no later reader opens. Neo4j keeps
them in the user's cache folder (kb.engines.base.cache_dir); an in-memory database keeps nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.atomic_file import kept_or_computed, read_keyed_json, write_keyed_json

if TYPE_CHECKING:
    import pandas as pd

FORMAT = "kb-output-1"
"""Bump when what a kept command prints changes (columns, cell values): other files are recomputed."""


@dataclass(frozen=True)
class Kept:
    """A command's answer as printed: its columns, rows of plain values, and title."""

    columns: list[str]
    rows: list[list[Any]]
    title: str


def _name(command: str, options: Mapping[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(dict(options), sort_keys=True, default=str).encode()).hexdigest()[:16]
    return f"output-{command}-{digest}.json"


def replay(command: str, options: Mapping[str, Any], engine: str | None, db: Path | None) -> Kept | None:
    """The rows kept for this command and options for the embedded database's current content, read
    without opening it; None when there are none for it, or it is no embedded database (open it:
    `answer`)."""
    from kb.engines import unopened

    peek = unopened(engine, db)
    return None if peek is None else _load(peek.cache_path(_name(command, options)), peek.snapshot)


def answer(
    kbase: Any, command: str, options: Mapping[str, Any], compute: Callable[[], tuple[list[str], list[list[Any]], str]]
) -> Kept:
    """The rows kept for the content this connection sees, else `compute()`'s (columns, rows, title),
    kept when the engine keeps files and no write showed while computing (a server's reads see
    other clients' writes as they commit)."""

    def computed() -> Kept:
        columns, rows, title = compute()
        return Kept([str(c) for c in columns], [list(r) for r in rows], title)

    return kept_or_computed(kbase, _name(command, options), _load, computed, _save)


def keeps(kbase: Any) -> bool:
    """Whether answers computed on this connection can be kept (an engine with snapshot ids and files)."""
    snapshot = getattr(kbase, "snapshot", None)
    return (
        snapshot is not None
        and snapshot() is not None
        and getattr(kbase, "cache_path", lambda _: None)("x") is not None
    )


def _load(path: Path, snapshot: str) -> Kept | None:
    data = read_keyed_json(path, FORMAT, snapshot)
    if data is None:
        return None  # none yet, for other content, of another format, or damaged: compute again
    try:
        kept = Kept([str(c) for c in data["columns"]], list(data["rows"]), str(data["title"]))
    except (TypeError, KeyError):
        return None
    return kept if all(isinstance(r, list) and len(r) == len(kept.columns) for r in kept.rows) else None


def _save(path: Path, snapshot: str, kept: Kept) -> None:
    write_keyed_json(path, FORMAT, snapshot, {"columns": kept.columns, "rows": kept.rows, "title": kept.title})


def frame_rows(df: pd.DataFrame, title: str) -> tuple[list[str], list[list[Any]], str]:
    """A frame's columns, rows of the plain values its JSON output holds, and the title: what
    `answer`'s compute returns."""
    from kb.cli.output import plain_columns

    columns = plain_columns(df)
    rows = [list(r) for r in zip(*columns, strict=True)] if columns else []
    return [str(c) for c in df.columns], rows, title


__all__ = ["FORMAT", "Kept", "answer", "frame_rows", "keeps", "replay"]
