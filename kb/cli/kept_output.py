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

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.atomic_file import kept_or_computed, prune_kept, read_keyed_json, write_keyed_json

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
    import hashlib  # here: OpenSSL's start-up is not for `kb --help`

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
    other clients' writes as they commit). Rows kept for other content are taken (and kept for
    this one) when the queries they were computed from answer the same now (kb.analysis.answer_store)."""
    from kb.analysis.answer_store import computed_from, inputs_digest

    name = _name(command, options)
    taken = _taken(kbase, name)
    if taken is not None:
        return taken
    read: dict[str, Any] = {}

    def computed() -> Kept:
        (columns, rows, title), read["inputs"] = computed_from(kbase, compute)
        return Kept([str(c) for c in columns], [list(r) for r in rows], title)

    def save(path: Path, snapshot: str, kept: Kept) -> None:
        inputs = read.get("inputs")
        _save(path, snapshot, kept, inputs, inputs_digest(kbase, inputs) if inputs is not None else None)

    return kept_or_computed(kbase, name, _load, computed, save)


def take(kbase: Any, command: str, options: Mapping[str, Any]) -> bool:
    """Keep for this content the rows kept for other content when what they read answers the same
    (see `answer`), deleting no other file: a writer takes all it can before it computes any (the
    first file it saves deletes the others' files of older content). Whether they were taken."""
    return _taken(kbase, _name(command, options), prune=False) is not None


def _taken(kbase: Any, name: str, prune: bool = True) -> Kept | None:
    """The rows in file `name` kept for other content, if the queries they were computed from (named in
    the file) answer the same now through the hooks' SnapshotReads; kept for this content too."""
    from kb.analysis.answer_store import inputs_digest, records

    snapshot = kbase.snapshot() if hasattr(kbase, "snapshot") else None
    path = kbase.cache_path(name) if hasattr(kbase, "cache_path") else None
    if snapshot is None or path is None or not records(kbase):
        return None
    data = read_keyed_json(Path(path), FORMAT, None)
    kept = _load(Path(path), str(data.get("snapshot"))) if data is not None else None
    if data is None or kept is None or data.get("snapshot") == snapshot or not data.get("digest"):
        return None
    try:
        inputs = [(str(n), dict(p)) for n, p in data["inputs"]]
    except (TypeError, ValueError, KeyError):
        return None
    digest = inputs_digest(kbase, inputs)
    if digest != data["digest"]:
        return None
    if kbase.snapshot() == snapshot:
        _save(Path(path), snapshot, kept, inputs, digest)
        live = getattr(kbase, "live_snapshot", kbase.snapshot)
        if prune and live() == snapshot:  # as kept_or_computed: never a reader of older content
            prune_kept(Path(path), name, snapshot)
    return kept


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


def _save(
    path: Path,
    snapshot: str,
    kept: Kept,
    inputs: list[tuple[str, dict[str, Any]]] | None = None,
    digest: str | None = None,
) -> None:
    """Keep the rows; `inputs` and `digest`: the queries they were computed from and the digest of
    their answers (kb.analysis.answer_store), so the next write that leaves them alone takes them."""
    body: dict[str, Any] = {"columns": kept.columns, "rows": kept.rows, "title": kept.title}
    if inputs is not None and digest is not None:
        body |= {"inputs": [[n, p] for n, p in inputs], "digest": digest}
    write_keyed_json(path, FORMAT, snapshot, body)


def frame_rows(df: pd.DataFrame, title: str) -> tuple[list[str], list[list[Any]], str]:
    """A frame's columns, rows of the plain values its JSON output holds, and the title: what
    `answer`'s compute returns."""
    from kb.cli.output import plain_columns

    columns = plain_columns(df)
    rows = [list(r) for r in zip(*columns, strict=True)] if columns else []
    return [str(c) for c in df.columns], rows, title


__all__ = ["FORMAT", "Kept", "answer", "frame_rows", "keeps", "replay", "take"]
