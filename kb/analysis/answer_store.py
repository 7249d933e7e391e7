"""Analysis answers kept on disk beside the database, so `kb repeats` and `kb hotspots` do not recompute them.

Computing them reads every incident's text, runs the similarity matches of every incident and joins
every (incident, subject) pair: seconds at 10,000 incidents, against milliseconds to load the frames.
Each file is keyed like the similarity index (kb.analysis.similarity_store) by the database's
snapshot id, which every write changes:
- a reader loads a file saved for its snapshot; with any other file (or none) it computes the
  answer in memory and never writes;
- a writer (the after-ingest hook, `kb demo`) computes the answer and saves it aside, then swaps it
  in with os.replace, so a crash leaves the old file or the new one; a file that does not load is
  computed again. Engines without a snapshot id (Neo4j, in-memory Ladybug) keep nothing on disk.
Frames are stored column by column in an .npz without pickles (a file beside a database must not run
code); a frame with a column of another shape is not kept, only computed.

A file also names the catalogue queries its answer was computed from and a digest of their answers
(kb.knowledge_base.recording_reads), when every read went through the hooks' SnapshotReads. After a
write that left all of them answering the same (a title edited: the hotspots read no text), the
answer is the same: the file is taken for the new snapshot (and re-keyed by a writer) instead of
computed again. Ingesting one packet into 10,000 incidents recomputed every kept answer before.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from kb.atomic_file import replace_atomically

FORMAT = "kb-answers-1"
"""Bump when a stored answer's computation or encoding changes: a file of another format is recomputed."""

Frames = dict[str, pd.DataFrame]
Inputs = list[tuple[str, dict[str, Any]]]
"""The (name, params) of the catalogue queries an answer was computed from."""


class Unstorable(ValueError):
    """A column this encoding cannot restore exactly."""


def stored(kbase: Any, name: str, compute: Callable[[], Mapping[str, pd.DataFrame]]) -> Frames:
    """The frames `compute` returns for the graph as `kbase` sees it: loaded from the file `name`
    beside the database when it was saved for this snapshot, or for other content whose inputs
    answer the same now (see the module notes), else computed (and saved by a writer)."""
    from kb.knowledge_base import note_reads

    for used in _USING:
        used.add(name)
    path, snapshot = _path(kbase, name), snapshot_of(kbase)
    kept = _kept(path) if path is not None and snapshot is not None else None
    if kept is not None and kept.snapshot == snapshot:
        frames = kept.frames()
        if frames is not None:
            note_reads(kept.inputs)  # an answer computed from the file's answer read these too
            return frames
    if kept is not None:
        frames = _taken(kbase, kept)
        if frames is not None:
            return frames
    uses: set[str] = set()
    _USING.append(uses)
    try:
        computed, inputs = computed_from(kbase, lambda: dict(compute()))
    finally:
        _USING.remove(uses)
    digest = inputs_digest(kbase, inputs) if inputs is not None else None
    _save_in_step(kbase, path, computed, snapshot, inputs, digest, sorted(uses))
    return computed


_USING: list[set[str]] = []
"""The names of the kept answers each running computation took its answer from (see `_taken`)."""


def _taken(kbase: Any, kept: _Kept) -> Frames | None:
    """The frames of `kept`, a file of other content, if the queries it was computed from answer the
    same now; re-keyed to this snapshot (by a writer) with the kept answers it was made from, which
    read no more than it did and so are in step too."""
    snapshot = snapshot_of(kbase)
    if kept.inputs is None or snapshot is None or not records(kbase):
        return None
    digest = inputs_digest(kbase, kept.inputs)  # reads them, so an enclosing answer notes them
    frames = kept.frames() if digest == kept.digest else None
    if frames is not None:
        _save_in_step(kbase, kept.path, frames, snapshot, kept.inputs, digest, kept.uses)
        for used in kept.uses:
            path = _path(kbase, used)
            inner = _kept(path) if path is not None else None
            if inner is not None and inner.snapshot != snapshot:
                _taken(kbase, inner)
    return frames


def _save_in_step(
    kbase: Any,
    path: Path | None,
    frames: Frames,
    snapshot: str | None,
    inputs: Inputs | None,
    digest: str | None,
    uses: list[str],
) -> None:
    """Save, if a writer with files, and no write showed while computing (a server's reads see
    other clients' writes)."""
    if (
        path is not None
        and snapshot is not None
        and not getattr(kbase, "read_only", True)
        and snapshot_of(kbase) == snapshot
    ):
        with contextlib.suppress(OSError, Unstorable):  # a cache that cannot be written is only slower next time
            save(path, frames, snapshot, inputs, digest, uses)


T = TypeVar("T")


def computed_from(kbase: Any, compute: Callable[[], T]) -> tuple[T, Inputs | None]:
    """`compute()`, and the queries it read when all its reads went through the hooks' SnapshotReads
    (kb.knowledge_base.recording_reads); None when anything else was read (or `kbase` records nothing)."""
    from kb.knowledge_base import recording_reads

    if not records(kbase):
        return compute(), None
    with recording_reads() as log:
        value = compute()
    return value, list(log.inputs.values()) if log.complete else None


def noting_reads(kbase: Any, compute: Callable[[], T]) -> Callable[[], T]:
    """`compute` computed once: every call gives its value and tells the running logs what it read,
    as if it read it again (one computation behind several kept answers, each with its inputs)."""
    from kb.knowledge_base import note_reads

    held: list[tuple[T, Inputs | None]] = []

    def call() -> T:
        if held:
            note_reads(held[0][1])
        else:
            held.append(computed_from(kbase, compute))
        return held[0][0]

    return call


def records(kbase: Any) -> bool:
    """Whether `kbase` (or what it reads through: RecordingQueries) answers through a SnapshotReads,
    which logs what it reads."""
    from kb.knowledge_base import SnapshotReads

    for _ in range(8):
        if isinstance(kbase, SnapshotReads):
            return True
        kbase = getattr(kbase, "kbase", None)
    return False


_digests: dict[tuple[str, str], bytes] = {}
"""(snapshot, query key) -> the digest of its answer: several kept answers read the same queries."""


def hold_digests(snapshot: str | None, digests: Mapping[str, bytes]) -> None:
    """Take the digests of answers (by SnapshotReads.key) that a caller read and knows to be what the
    queries answer at `snapshot` (the after-ingest hook's, carried over its own write)."""
    if snapshot is None:
        return
    if any(s != snapshot for s, _ in _digests):
        _digests.clear()
    _digests.update({(snapshot, key): digest for key, digest in digests.items()})


def inputs_digest(kbase: Any, inputs: Iterable[tuple[str, Mapping[str, Any]]]) -> str:
    """A digest of what the queries `inputs` answer now (each answer's rows in any order:
    kb.analysis.similarity_store.frame_digest), through `kbase`."""
    from kb.analysis.similarity_store import frame_digest
    from kb.knowledge_base import SnapshotReads

    snapshot = snapshot_of(kbase)
    if any(s != snapshot for s, _ in _digests):
        _digests.clear()
    h = hashlib.blake2b(digest_size=16)
    for key, (query, params) in sorted({SnapshotReads.key(n, p): (n, p) for n, p in inputs}.items()):
        answer = kbase.query(query, **params)
        if snapshot is None or snapshot_of(kbase) != snapshot:  # no id, or a write showed: nothing held
            held = frame_digest(answer)
        else:
            held = _digests.get((snapshot, key)) or _digests.setdefault((snapshot, key), frame_digest(answer))
        h.update(key.encode())
        h.update(held)
    return h.hexdigest()


def in_step(kbase: Any, name: str) -> bool:
    """Whether a file saved for the connection's current snapshot holds `name`."""
    path, snapshot = _path(kbase, name), snapshot_of(kbase)
    return path is not None and snapshot is not None and load(path, snapshot) is not None


def keeps_files(kbase: Any) -> bool:
    """Whether this connection may save answers: a writer on an engine with snapshot ids and files."""
    return _path(kbase, "x") is not None and snapshot_of(kbase) is not None and not getattr(kbase, "read_only", True)


def _path(kbase: Any, name: str) -> Path | None:
    cache_path = getattr(kbase, "cache_path", None)
    return cache_path(f"{name}.npz") if cache_path else None


def snapshot_of(kbase: Any) -> str | None:
    """The connection's snapshot id (kb.engines: changed by every write), None where there is none."""
    snapshot = getattr(kbase, "snapshot", None)
    return snapshot() if snapshot else None


def save(
    path: Path,
    frames: Mapping[str, pd.DataFrame],
    snapshot: str,
    inputs: Inputs | None = None,
    digest: str | None = None,
    uses: list[str] | None = None,
) -> None:
    """Write the frames aside and swap them in (os.replace): readers see the old file or the new one.
    `inputs` and `digest`: the queries they were computed from and the digest of their answers;
    `uses`: the kept answers they were made from."""
    arrays: dict[str, np.ndarray] = {"meta": np.asarray([FORMAT, snapshot], dtype=str)}
    if inputs is not None and digest is not None:
        queries = json.dumps({"queries": [[n, dict(p)] for n, p in inputs], "uses": list(uses or [])})
        arrays["inputs"] = np.asarray([queries, digest], dtype=str)
    arrays["frames"] = _strings(list(frames))
    for f, frame in enumerate(frames.values()):
        arrays.update(encode(frame, f"f{f}"))
    replace_atomically(path, lambda fh: np.savez(fh, allow_pickle=False, **arrays))


def load(path: Path, snapshot: str) -> Frames | None:
    """The frames of a readable file of this format saved for `snapshot`, else None."""
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = z["meta"].tolist()
            if meta != [FORMAT, snapshot]:
                return None
            return {str(name): decode(z, f"f{f}") for f, name in enumerate(z["frames"].tolist())}
    except (OSError, ValueError, KeyError, EOFError, TypeError, zipfile.BadZipFile):  # cut short: no zip
        return None


@dataclass
class _Kept:
    """A readable file of this format: the snapshot it was saved for, its inputs (None: unknown)."""

    path: Path
    snapshot: str
    inputs: Inputs | None
    digest: str | None
    uses: list[str] = field(default_factory=list)

    def frames(self) -> Frames | None:
        return load(self.path, self.snapshot)


def _kept(path: Path) -> _Kept | None:
    """The header of the file at `path` when it is a readable file of this format, else None."""
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = z["meta"].tolist()
            if len(meta) != 2 or meta[0] != FORMAT:
                return None
            if "inputs" not in z.files:
                return _Kept(path, str(meta[1]), None, None)
            text, digest = z["inputs"].tolist()
        queries = json.loads(text)
        inputs = [(str(n), dict(p)) for n, p in queries["queries"]]
        return _Kept(path, str(meta[1]), inputs, str(digest), [str(u) for u in queries["uses"]])
    except (OSError, ValueError, KeyError, EOFError, TypeError, zipfile.BadZipFile):  # cut short: no zip
        return None


# -- the encoding: one array (or two) per column, and each column's dtype ---------------------------


def _strings(values: list[Any]) -> np.ndarray:
    return np.asarray(values, dtype=str) if values else np.zeros(0, dtype="<U1")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def encode(frame: pd.DataFrame, prefix: str) -> dict[str, np.ndarray]:
    """Arrays that `decode` turns back into `frame` (columns, dtypes, values, missing cells). Raises
    Unstorable for a column it cannot restore exactly."""
    if not all(isinstance(c, str) for c in frame.columns) or not frame.columns.is_unique:
        raise Unstorable("column names must be distinct strings")
    kinds = [_kind(frame[c]) for c in frame.columns]  # once: it looks at every cell of a text column
    out: dict[str, np.ndarray] = {
        f"{prefix}_columns": _strings([str(c) for c in frame.columns]),
        f"{prefix}_dtypes": _strings([str(t) for t in frame.dtypes]),
        f"{prefix}_kinds": _strings(kinds),
    }
    if not frame.index.equals(pd.RangeIndex(len(frame))):
        raise Unstorable("the index must be 0..n-1")
    for i, (column, kind) in enumerate(zip(frame.columns, kinds, strict=True)):
        s = frame[column]
        key = f"{prefix}_{i}"
        if kind == "datetime":
            out[key] = s.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
        elif kind == "numpy":
            out[key] = s.to_numpy()
        elif kind == "text":
            values = s.tolist()
            # Each distinct string once; a code per cell (-1: None, -2: NaN; a string column's missing
            # cells are NaN either way).
            codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
            codes = codes.astype(np.int32)
            if any(issubclass(t, float) for t in set(map(type, values))):  # a cell per value only then
                nan = np.fromiter((isinstance(v, float) for v in values), dtype=bool, count=len(values))
                codes[nan] = -2
            out.update(_text_parts(key, [str(u) for u in uniques]))
            out[f"{key}_codes"] = codes
        else:  # lists of strings: each distinct list once (flattened, with each one's end), a code per cell
            cells = [tuple(c) for c in s.tolist()]
            distinct = list(dict.fromkeys(cells))
            code_of = {c: j for j, c in enumerate(distinct)}
            out[f"{key}_codes"] = np.fromiter((code_of[c] for c in cells), dtype=np.int32, count=len(cells))
            out[f"{key}_cells"] = np.cumsum([len(c) for c in distinct], dtype=np.int64)
            out.update(_text_parts(key, [v for c in distinct for v in c]))
    return out


def _text_parts(key: str, values: list[str]) -> dict[str, np.ndarray]:
    """Strings as one text and the end offset of each (fixed-width numpy strings would pad every one
    to the longest, and drop trailing NUL characters)."""
    text = "".join(values)
    arr = np.asarray([text], dtype=str)
    if str(arr[0]) != text:
        raise Unstorable(f"{key}: text ending in a NUL character")
    return {f"{key}_text": arr, f"{key}_ends": np.cumsum([len(v) for v in values], dtype=np.int64)}


def _text_values(z: Any, key: str) -> list[str]:
    text = str(z[f"{key}_text"][0])
    ends = z[f"{key}_ends"].tolist()
    return [text[a:b] for a, b in zip([0, *ends][:-1], ends, strict=True)]


_TEXT_TYPES = {str, type(None), float}


def _kind(s: pd.Series) -> str:
    """How a column is stored: datetime (UTC), numpy (a plain numpy dtype), text (strings and missing
    cells) or lists (lists of strings). Anything else is Unstorable."""
    if isinstance(s.dtype, pd.DatetimeTZDtype) and str(s.dtype.tz) == "UTC":
        return "datetime"
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "biufM":
        return "numpy"
    values = s.tolist()
    if isinstance(s.dtype, pd.StringDtype) or s.dtype == object:
        # The types of the cells first (at C speed): a test per cell only for floats (NaN or not).
        types = set(map(type, values))
        if types <= _TEXT_TYPES and (float not in types or all(v != v for v in values if type(v) is float)):
            return "text"
        if types == {list} and set(map(type, chain.from_iterable(values))) <= {str}:
            return "lists"
        if all(_missing(v) or type(v) is str for v in values):
            return "text"
        if all(type(v) is list and all(type(x) is str for x in v) for v in values):
            return "lists"
    raise Unstorable(f"column {s.name!r} of dtype {s.dtype}")


def decode(z: Any, prefix: str) -> pd.DataFrame:
    columns = z[f"{prefix}_columns"].tolist()
    dtypes = z[f"{prefix}_dtypes"].tolist()
    kinds = z[f"{prefix}_kinds"].tolist()
    data: dict[str, pd.Series] = {}
    for i, (column, dtype, kind) in enumerate(zip(columns, dtypes, kinds, strict=True)):
        key = f"{prefix}_{i}"
        if kind == "datetime":
            data[column] = pd.Series(z[key]).dt.tz_localize("UTC").astype(dtype)
        elif kind == "numpy":
            data[column] = pd.Series(z[key], dtype=dtype)
        elif kind == "text":
            uniques = np.asarray([*_text_values(z, key), float("nan"), None], dtype=object)
            data[column] = pd.Series(uniques[z[f"{key}_codes"]], dtype=dtype)
        elif kind == "lists":
            flat = _text_values(z, key)
            ends = z[f"{key}_cells"].tolist()
            lists = np.empty(len(ends), dtype=object)
            for j, (a, b) in enumerate(zip([0, *ends][:-1], ends, strict=True)):
                lists[j] = flat[a:b]
            # Cells with the same list share one, as a merge's rows of one incident do: read, never changed.
            data[column] = pd.Series(lists[z[f"{key}_codes"]], dtype=object)
        else:
            raise ValueError(f"unknown column kind {kind!r}")
    n = len(next(iter(data.values()))) if data else 0
    return pd.DataFrame(data, columns=columns, index=pd.RangeIndex(n))


__all__ = ["Frames", "in_step", "keeps_files", "load", "save", "stored"]
