"""`kb similar` answered from the kept similarity index file with numpy alone.

The index file beside the database (kb.analysis.similarity_store) holds every matrix a query needs.
Loading it through SimilarityIndex imports pandas and scipy.sparse (about 0.7 s of the 1 s that
`kb similar` took at 10,000 incidents), although one query is a few vector operations. Here the
query runs on the file's raw arrays, step for step as SimilarityIndex.matches and .reason compute
it, with each sparse product summed in the order scipy sums it (so the scores are the same floats,
bit for bit: tests/test_similarity_file.py compares every incident of a corpus). Whatever this module
does not reproduce exactly (another file format, rows with unsorted columns, a timestamp with
nanoseconds) returns None, and the caller answers through SimilarityIndex.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "kb-similarity-6"
CACHE_NAME = "similarity.npz"
"""kb.analysis.similarity_store's FORMAT this reader understands, and its file (a test checks they agree)."""
TEXT_WEIGHT = 0.6
STRUCTURE_WEIGHT = 0.4
QUERY_TERMS = 24
CANDIDATES = 20
STRUCTURE_KINDS: tuple[str, ...] = ("theme", "barrier", "service", "component")
"""kb.analysis.similarity's constants (a test checks they agree): that module imports pandas and scipy."""
COLUMNS = ["rank", "incident", "similar", "started_at", "title", "score", "text", "structure", "reason"]


@dataclass(frozen=True)
class Csr:
    """A compressed-sparse-row matrix as three arrays (scipy's layout)."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray

    def row(self, r: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = int(self.indptr[r]), int(self.indptr[r + 1])
        return self.indices[lo:hi], self.data[lo:hi]

    def sorted_rows(self) -> np.ndarray:
        """Per row, whether its columns strictly ascend (scipy's canonical format): scipy multiplies
        two such matrices elementwise in column order, others in another order (see _product)."""
        unsorted = np.flatnonzero(np.diff(self.indices) <= 0) + 1  # entries not above the one before
        rows = np.searchsorted(self.indptr, unsorted, side="right") - 1
        starts = self.indptr[rows] == unsorted  # a row's first entry may be lower than the last row's
        out = np.ones(len(self.indptr) - 1, dtype=bool)
        out[rows[~starts]] = False
        return out

    def row_sums(self, values: np.ndarray) -> np.ndarray:
        """scipy's csr.sum(axis=1) of a matrix with these values: np.add.reduceat over non-empty rows."""
        out = np.zeros(len(self.indptr) - 1)
        nonempty = np.flatnonzero(np.diff(self.indptr))
        if len(nonempty):
            out[nonempty] = np.add.reduceat(values, self.indptr[nonempty].astype(np.intp))
        return out

    def times_rows(self, entries: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """A sparse row vector times this matrix transposed (scipy's csr_matmat of the row with
        M.T): per matrix row, the sum of value * M[row, column] over the vector's entries in their
        stored order, starting from 0."""
        columns, values = entries
        n = len(self.indptr) - 1
        out = np.zeros(n)
        if len(columns) == 0:
            return out
        hit = np.flatnonzero(np.isin(self.indices, columns))
        rows = np.searchsorted(self.indptr, hit, side="right") - 1
        cols = self.indices[hit]
        for c, v in zip(columns.tolist(), values.tolist(), strict=True):
            at = cols == c
            out[rows[at]] += v * self.data[hit[at]]
        return out


@dataclass
class KeptIndex:
    """The arrays of a kept similarity index file."""

    keys: list[str]
    titles: list[str]
    started_at: np.ndarray  # datetime64[ns], UTC
    text: Csr
    text_terms: list[str]
    labels: list[str]
    structure: Csr

    def __post_init__(self) -> None:
        self.row_of = {k: i for i, k in enumerate(self.keys)}
        self.sorted = self.text.sorted_rows()
        st = self.structure
        self.sizes = st.row_sums(st.data * st.data)
        counts = np.diff(st.indptr)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.sureness = np.where(counts > 0, st.row_sums(st.data) / counts, 0.0)


def load(path: Path, snapshot: str) -> KeptIndex | None:
    """The index file at `path` when it was saved for `snapshot` in a layout this module reproduces
    exactly, else None."""
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = [str(v) for v in z["meta"]]
            if len(meta) != 4 or meta[0] != FORMAT or meta[1] != snapshot or not meta[3].endswith(", UTC]"):
                return None
            started = z["started_at"]
            index = KeptIndex(
                keys=_strings(z, "keys"),
                titles=_strings(z, "titles"),
                started_at=started,
                text=Csr(z["text_data"], z["text_indices"], z["text_indptr"]),
                text_terms=_strings(z, "text_terms"),
                labels=_strings(z, "labels"),
                structure=Csr(z["structure_data"], z["structure_indices"], z["structure_indptr"]),
            )
    except (OSError, ValueError, KeyError, EOFError, TypeError, zipfile.BadZipFile):
        return None
    if started.dtype != np.dtype("datetime64[ns]"):
        return None
    return index


def _strings(z: Any, prefix: str) -> list[str]:
    text = z[f"{prefix}_utf8"].tobytes().decode("utf-8", "surrogatepass")
    ends = z[f"{prefix}_ends"].tolist()
    return [text[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]


def similar_rows(index: KeptIndex, incident: str, k: int, earlier_only: bool = True) -> list[list[Any]] | None:
    """SimilarityIndex.similar's rows (COLUMNS) as the plain values its JSON output holds; None when
    a value cannot be given exactly so (a timestamp with nanoseconds)."""
    r = index.row_of[incident]
    rows: list[list[Any]] = []
    for rank, (hit, score, text, struct) in enumerate(_matches(index, r, k, earlier_only), start=1):
        started = _iso(index.started_at[hit])
        if started is False:
            return None
        reason = _basis(index, r, hit, text, struct) + _words(index, r, hit)
        rows.append(
            [rank, incident, index.keys[hit], started, index.titles[hit], round(score, 4), round(text, 4),
             round(struct, 4), reason]
        )  # fmt: skip
    return rows


def _iso(value: np.datetime64) -> str | None | bool:
    """What the JSON output prints of a UTC timestamp (pandas' to_pydatetime().isoformat()); False
    for one with nanoseconds (pandas warns as it drops them: that path prints it)."""
    if np.isnat(value):
        return None
    ns = int(value.astype(np.int64))
    if ns % 1000:
        return False
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=ns // 1000)).isoformat()


def _pruned(index: KeptIndex, r: int) -> tuple[np.ndarray, np.ndarray]:
    """SimilarityIndex._pruned of one row: its QUERY_TERMS heaviest terms, in the order kept there."""
    ix, d = index.text.row(r)
    if len(d) > QUERY_TERMS:
        keep = np.argpartition(-d, QUERY_TERMS - 1)[:QUERY_TERMS]
        d, ix = d[keep], ix[keep]
    return ix, d


def _product(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray], canonical: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The nonzero entries of the elementwise product of sparse rows a and b, in scipy's order
    (csr_binop_csr): by column when every row of both operands is sorted (`canonical`), else the
    reverse of their order in a (its general method links columns as it meets them, last first)."""
    shared, ia, ib = np.intersect1d(a[0], b[0], assume_unique=True, return_indices=True)
    if not canonical:
        order = np.argsort(ia)[::-1]
        shared, ia, ib = shared[order], ia[order], ib[order]
    values = a[1][ia] * b[1][ib]
    nonzero = values != 0
    return shared[nonzero], values[nonzero]


def _matches(index: KeptIndex, r: int, k: int, earlier_only: bool) -> list[tuple[int, float, float, float]]:
    """SimilarityIndex.matches([r], k, earlier_only): (hit, score, text, structure), best first."""
    n = len(index.keys)
    if n == 0 or k <= 0:
        return []
    chunk = np.asarray([r], dtype=np.int64)
    cols = np.arange(n)
    n_cand = min(n, max(CANDIDATES, 4 * k))
    approx = index.text.times_rows(_pruned(index, r))[None, :] * TEXT_WEIGHT
    inter = index.structure.times_rows(index.structure.row(r))[None, :]
    union = index.sizes[chunk][:, None] + index.sizes[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        jacc = np.where(union > 0, inter / union, 0.0)
    sw = STRUCTURE_WEIGHT * np.minimum(index.sureness[chunk][:, None], index.sureness[None, :])
    approx = (approx + sw * jacc) / (TEXT_WEIGHT + sw)
    allowed = cols[None, :] < chunk[:, None] if earlier_only else cols[None, :] != chunk[:, None]
    approx[~allowed] = -1.0
    cand = np.argpartition(-approx, n_cand - 1, axis=1)[:, :n_cand]
    # The exact cosine of each candidate: scipy sums each row of the product with np.add.reduceat.
    query = index.text.row(r)
    # One product of the query row (repeated) and every candidate row: canonical only if all are sorted.
    canonical = bool(index.sorted[r] and index.sorted[cand[0]].all())
    products = [_product(query, index.text.row(int(c)), canonical)[1] for c in cand[0]]
    exact = np.zeros(len(products))
    nonempty = [i for i, p in enumerate(products) if len(p)]
    if nonempty:
        offsets = np.cumsum([0, *[len(products[i]) for i in nonempty[:-1]]]).astype(np.intp)
        exact[nonempty] = np.add.reduceat(np.concatenate([products[i] for i in nonempty]), offsets)
    text = exact.reshape(cand.shape)
    struct = np.take_along_axis(jacc, cand, axis=1)
    csw = np.take_along_axis(sw, cand, axis=1)
    score = (TEXT_WEIGHT * text + csw * struct) / (TEXT_WEIGHT + csw)
    ok = np.take_along_axis(allowed, cand, axis=1)
    score[~ok] = -1.0
    out = []
    for j in np.lexsort((cand[0], -score[0]))[:k]:
        if score[0, j] < 0:
            break
        out.append((int(cand[0, j]), float(score[0, j]), float(text[0, j]), float(struct[0, j])))
    return out


def _basis(index: KeptIndex, a: int, b: int, text: float, structure: float) -> str:
    """SimilarityIndex.basis: the text score and the shared structure."""
    sa = dict(zip(*(v.tolist() for v in index.structure.row(a)), strict=True))
    sb = dict(zip(*(v.tolist() for v in index.structure.row(b)), strict=True))
    shared: dict[str, list[str]] = {kind: [] for kind in STRUCTURE_KINDS}
    for j in sorted(sa.keys() & sb.keys()):
        kind, _, item = index.labels[j].partition(":")
        w = min(sa[j], sb[j])
        shared[kind].append(item if w >= 1.0 else f"{item} (weight {w:.2f})")
    parts = [f"text {text:.2f}"]
    if structure == 0 and not any(shared.values()):
        parts[0] = f"text {text:.2f} (no shared stated structure)"
    parts.extend(f"{kind}s {', '.join(shared[kind])}" for kind in STRUCTURE_KINDS if shared[kind])
    return "; ".join(parts)


def _words(index: KeptIndex, a: int, b: int) -> str:
    """SimilarityIndex.reason's tail: the words that made the texts alike."""
    columns, values = _product(index.text.row(a), index.text.row(b), bool(index.sorted[a] and index.sorted[b]))
    order = np.argsort(-values, kind="stable")[:4]
    words = list(dict.fromkeys(index.text_terms[int(columns[i])] for i in order))
    return f"; words {', '.join(words)}" if words else ""


__all__ = ["CACHE_NAME", "COLUMNS", "FORMAT", "KeptIndex", "load", "similar_rows"]
