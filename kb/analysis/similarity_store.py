"""The similarity index kept on disk beside the database, so `kb similar` does not rebuild it.

Building the index (about ten catalogue queries, then tokenising every incident's text) takes
seconds at 10,000 incidents; loading its matrices takes milliseconds. The file is keyed twice:
- by the database's snapshot id (kb.engines: changed by every write), which a reader can check
  without reading the graph;
- by a digest of the query results the index was built from, so a writer whose snapshot moved
  on for unrelated writes (a roadmap import) re-keys the file instead of rebuilding it.
A reader never writes: with a stale or missing file it builds the index in memory. Writers
(the after-ingest hook, `kb demo`) save it aside and swap it in with os.replace, so a crash
leaves the old file or the new one; a file that does not load is rebuilt. Engines without a
snapshot id (Neo4j, in-memory Ladybug) keep nothing on disk.
"""

from __future__ import annotations

import contextlib
import hashlib
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from kb.analysis.answer_store import snapshot_of
from kb.analysis.incident_features import Queryable
from kb.analysis.similarity import INPUT_QUERIES, SimilarityIndex
from kb.atomic_file import replace_atomically

FORMAT = "kb-similarity-6"
"""Bump when the index's inputs or scoring change: a file of another format is rebuilt."""
CACHE_NAME = "similarity.npz"


class RecordingQueries:
    """A Queryable that answers each (query, params) once and keeps a digest of every answer."""

    def __init__(self, kbase: Queryable) -> None:
        self.kbase = kbase
        self.frames: dict[str, pd.DataFrame] = {}
        self._digests: dict[str, tuple[pd.DataFrame, bytes]] = {}

    def query(self, name: str, **params: Any) -> pd.DataFrame:
        key = name + repr(sorted(params.items()))
        if key not in self.frames:
            self.frames[key] = self.kbase.query(name, **params)
        return self.frames[key].copy()

    @property
    def read_only(self) -> bool:
        return bool(getattr(self.kbase, "read_only", True))

    def snapshot(self) -> str | None:
        return snapshot_of(self.kbase)

    def cache_path(self, name: str) -> Path | None:
        return _cache_path(self.kbase, name)

    def prefetch(self, queries: Sequence[tuple[str, dict[str, Any]]]) -> str:
        """Run `queries` now; returns the digest of their answers."""
        for name, params in queries:
            self.query(name, **params)
        return self.digest()

    def forget(self, name: str) -> None:
        """Drop the answers of `name`: the caller changed what it reads."""
        self.frames = {k: v for k, v in self.frames.items() if not k.startswith(name + "[")}

    def digest(self, only: Sequence[tuple[str, dict[str, Any]]] | None = None) -> str:
        """The digest of every answer kept, or of the answers of `only` (queries with parameters)."""
        wanted = None if only is None else {name + repr(sorted(params.items())) for name, params in only}
        h = hashlib.blake2b(digest_size=16)
        for key in sorted(k for k in self.frames if wanted is None or k in wanted):
            h.update(key.encode())
            h.update(self.frame_digest(key))
        return h.hexdigest()

    def frame_digest(self, key: str) -> bytes:
        """frame_digest of the answer held as `key` (computed once while it is held)."""
        held = self._digests.get(key)
        if held is None or held[0] is not self.frames[key]:
            held = self._digests[key] = (self.frames[key], frame_digest(self.frames[key]))
        return held[1]


def _sorted_cell(value: Any) -> Any:
    return tuple(sorted(value, key=repr)) if isinstance(value, (list, tuple, np.ndarray)) else value


def frame_digest(frame: pd.DataFrame) -> bytes:
    """A digest of what a query answered, whatever the order of its rows and of collected lists.

    Cypher promises no order without ORDER BY (nor inside collect()), and the embedded engine's
    parallel scans do return another order under load: a digest of the raw bytes then called the
    same answers different and rebuilt the index for nothing."""
    h = hashlib.blake2b(digest_size=16)
    h.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    canonical = frame.copy()
    for column in canonical.columns:
        if pd.api.types.is_object_dtype(canonical[column]):  # lists live in object columns only
            canonical[column] = canonical[column].map(_sorted_cell)
    rows = pd.util.hash_pandas_object(canonical, index=False).to_numpy()
    h.update(np.sort(rows).tobytes())
    return h.digest()


def _cache_path(kbase: Any, name: str) -> Path | None:
    cache_path = getattr(kbase, "cache_path", None)
    return cache_path(name) if cache_path else None


def _path(kbase: Any) -> Path | None:
    return _cache_path(kbase, CACHE_NAME)


def _csr_parts(prefix: str, m: sp.csr_matrix) -> dict[str, np.ndarray]:
    return {
        f"{prefix}_data": m.data,
        f"{prefix}_indices": m.indices,
        f"{prefix}_indptr": m.indptr,
        f"{prefix}_shape": np.asarray(m.shape, dtype=np.int64),
    }


def _csr(z: Any, prefix: str) -> sp.csr_matrix:
    shape = tuple(int(v) for v in z[f"{prefix}_shape"])
    return sp.csr_matrix((z[f"{prefix}_data"], z[f"{prefix}_indices"], z[f"{prefix}_indptr"]), shape=shape)


def _strings(prefix: str, values: Any) -> dict[str, np.ndarray]:
    """Strings as their UTF-8 text, joined, and the character offset where each ends. Not a numpy
    string array: that pads every string to the longest, and one 5 MB token in a summary asked
    for 195 GiB (it also drops trailing NUL characters)."""
    strings = [str(v) for v in values]
    text = "".join(strings).encode("utf-8", "surrogatepass")
    return {
        f"{prefix}_utf8": np.frombuffer(text, dtype=np.uint8),
        f"{prefix}_ends": np.cumsum([len(v) for v in strings], dtype=np.int64),
    }


def _strings_of(z: Any, prefix: str) -> list[str]:
    text = z[f"{prefix}_utf8"].tobytes().decode("utf-8", "surrogatepass")
    ends = z[f"{prefix}_ends"].tolist()
    return [text[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]


def save(path: Path, index: SimilarityIndex, snapshot: str, digest: str) -> None:
    """Write the index aside and swap it in (os.replace): readers see the old file or the new one."""
    started = index.started_at
    arrays: dict[str, np.ndarray] = {
        "meta": np.asarray([FORMAT, snapshot, digest, str(started.dtype)], dtype=str),
        **_strings("keys", index.keys),
        **_strings("titles", index.titles),
        "started_at": started.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]"),
        **_strings("text_terms", index.text_terms),
        "main_terms": np.asarray([index.main_terms], dtype=np.int64),
        **_strings("labels", index.labels),
        **_csr_parts("text", index.text_matrix),
        **_csr_parts("structure", index.structure),
    }
    replace_atomically(path, lambda fh: np.savez(fh, allow_pickle=False, **arrays))


def _load(path: Path) -> tuple[list[str], Any] | None:
    """(meta, the open npz) of a readable file of this format, else None."""
    try:
        z = np.load(path, allow_pickle=False)
        meta = [str(v) for v in z["meta"]]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):  # a file cut short is no zip
        return None
    return (meta, z) if len(meta) == 4 and meta[0] == FORMAT else None


def _index(z: Any, meta: list[str]) -> SimilarityIndex:
    started = pd.Series(pd.to_datetime(z["started_at"]).tz_localize("UTC"))
    if meta[3] != str(started.dtype):
        started = started.astype(meta[3])
    return SimilarityIndex.from_arrays(
        keys=_strings_of(z, "keys"),
        titles=_strings_of(z, "titles"),
        started_at=started,
        text_matrix=_csr(z, "text"),
        text_terms=np.asarray(_strings_of(z, "text_terms"), dtype=object),
        main_terms=int(z["main_terms"][0]),
        labels=_strings_of(z, "labels"),
        structure=_csr(z, "structure"),
    )


def load_index(kbase: Queryable) -> SimilarityIndex:
    """The similarity index of the graph as this connection sees it: from the file when it was
    saved for this snapshot or for the same query answers, else built (and, by a writer, saved)."""
    path, snapshot = _path(kbase), snapshot_of(kbase)
    stored = _load(path) if path is not None and snapshot is not None and path.exists() else None
    if stored is not None and stored[0][1] == snapshot:
        try:
            index = _index(stored[1], stored[0])
        except (OSError, ValueError, KeyError):
            stored = None
        else:
            from kb.knowledge_base import note_reads

            note_reads(INPUT_QUERIES)  # an answer kept from this index follows from these (answer_store)
            return index
    queries = RecordingQueries(kbase)
    digest = queries.prefetch(INPUT_QUERIES)
    handed = _handed_over(digest)
    if handed is not None:
        keep(kbase, handed, digest, snapshot)
        return handed
    if stored is not None and stored[0][2] == digest:
        with contextlib.suppress(OSError, ValueError, KeyError):
            # The same answers as when the file was saved: its matrices are this index.
            index = _index(stored[1], stored[0])
            keep(kbase, index, digest, snapshot)
            return index
    index = SimilarityIndex.build(queries)
    keep(kbase, index, digest, snapshot)
    return index


_handed: tuple[str, SimilarityIndex] | None = None
"""An index the after-ingest hook built but could not keep (a server's snapshot moves while it
reads), with the digest of its inputs: the kept answers computed next in the same process take
it instead of building it again, if what they read has that digest."""


def hand_over(index: SimilarityIndex, digest: str) -> None:
    """Offer `index`, built from answers of INPUT_QUERIES with `digest`, to the next load_index."""
    global _handed
    _handed = (digest, index)


def _handed_over(digest: str) -> SimilarityIndex | None:
    """The index offered by hand_over, once, if it was built from answers with this digest."""
    global _handed
    offered, _handed = _handed, None
    return offered[1] if offered is not None and offered[0] == digest else None


def refresh(kbase: Queryable) -> None:
    """After writes that may not have touched the index's inputs (a roadmap import after an ingest):
    re-key the file to the current snapshot, or rebuild it. Nothing for readers or engines without files."""
    if _path(kbase) is not None and snapshot_of(kbase) is not None and not getattr(kbase, "read_only", True):
        load_index(kbase)


def keep(kbase: Any, index: SimilarityIndex, digest: str, snapshot: str | None) -> None:
    """Save the index under `snapshot`, read before its inputs were, if it may write and can keep
    files, and if the snapshot has not moved since (a server's reads see other clients' writes)."""
    path = _path(kbase)
    if path is None or snapshot is None or getattr(kbase, "read_only", True) or snapshot_of(kbase) != snapshot:
        return
    with contextlib.suppress(OSError):  # a cache that cannot be written is only slower next time
        save(path, index, snapshot, digest)


__all__ = ["RecordingQueries", "hand_over", "keep", "load_index", "refresh"]
