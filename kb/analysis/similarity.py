"""Similar past incidents, by text and by structure, each hit with the reason it matched.

score = (0.6 * text + s * structure) / (0.6 + s), s = 0.4 * how sure the less sure incident is of
its structure (the mean weight of its items): 0.6 text + 0.4 structure when both are sure,
text alone when either has none. Text is the cosine of TF-IDF vectors of an incident's title, summary, tags,
impact, factor statements and timeline entries: it is always evidence. Structure is the
weighted Jaccard (Tanimoto) overlap of themes, failed barriers and services, each weighed
by how sure it is: what a packet's author or a reviewer stated counts 1.0, a theme accepted
in bulk its confidence, a service or component found in the text ENTITY_WEIGHT, and a theme
that an importer guessed by keyword in an unreviewed packet GUESSED_THEME_WEIGHT (nothing):
wrong guesses outranked the real twins on real post-mortems (bench/real_eval.py).

The index is built once (a few catalogue queries, sparse matrices) and queried per
incident: a query scores the corpus approximately (its 24 most distinctive terms, exact
structure overlap: sparse products), rescores the best 20 candidates exactly and keeps
the top k. Nothing builds an all-pairs matrix. The after-ingest hook stores each incident's
best earlier matches as RELATED_TO {score, basis, origin "similarity"} edges, for the fresh
incidents and for the later incidents whose neighbourhood they enter, so the stored edges
do not depend on the order (or the batches) in which incidents were loaded.
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from kb.analysis.entities import (
    find_mentions,
    hold_documents,
    incident_documents,
    mention_pairs,
    mentions_once_replaced,
)
from kb.analysis.incident_features import (
    DEFEATED_STATUSES,
    IncidentFeatures,
    Queryable,
    load_features,
    split_label,
)
from kb.analysis.text import TfidfIndex, normalise_rows
from kb.graph.enrich import SIMILARITY_ORIGIN
from kb.model.schema import PACKET_ORIGIN

try:  # scipy's own kernels of a sparse product, called without its counting pass (_dense_product)
    from scipy.sparse._sparsetools import csr_matmat as _matmat
    from scipy.sparse._sparsetools import csr_todense as _todense
except ImportError:  # pragma: no cover - another scipy layout: the public product
    _matmat = _todense = None

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase

TEXT_WEIGHT = 0.6
STRUCTURE_WEIGHT = 0.4
STRUCTURE_KINDS: tuple[str, ...] = ("theme", "barrier", "service", "component")
DEFAULT_K = 5
MIN_STORED_SCORE = 0.3
"""Below this a match is background resemblance, not worth an edge."""
BLOCK_CELLS = 2_000_000
"""Upper bound on query-rows x corpus scores held at once by the batch check (a few x 16 MB)."""
THREADS = min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
"""Blocks of the batch check scored at once: numpy's and scipy's kernels release the GIL."""
PARALLEL_CELLS = 20_000_000
"""Below this many scores in all (~1.5 CPU s) the check runs on the calling thread alone: a second
thread builds its own prefix matrices, which a short check would not earn back."""
PREFIX_STEPS = 32
"""The earlier-only check of many rows scores them against the first incidents up to the next of
this many cuts: at most 1/32 of the columns more than needed, and 32 partial matrices built."""
QUERY_TERMS = 24
"""Candidate retrieval uses a query's 24 heaviest terms; the candidates are then rescored exactly."""
CANDIDATES = 20
TIMELINE_SHARE = 0.05
"""Share of the text cosine from timeline entries (bench/real_eval.py, 39 real reports: recall@5 0.81
with timeline text mixed into the one index, 0.87 without, 0.86 at 0.05, 0.85 at 0.1)."""
GUESSED_THEME_WEIGHT = 0.0
"""A theme an importer guessed by keyword in a packet nobody reviewed: not evidence."""
ENTITY_WEIGHT = 0.25
"""A service or component named in the text (tool-made, whole-word match): a quarter of a stated one
(bench/real_eval.py recall@5: 0.92 at 0.1-0.25, 0.85 at 0.5, 0.77 at 1.0)."""
INPUT_QUERIES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("incidents_with_text", {}),
    ("patterns_incident_themes", {}),
    ("patterns_incident_barriers", {"statuses": list(DEFEATED_STATUSES)}),
    ("patterns_incident_services", {}),
    ("patterns_incident_teams", {}),
    ("patterns_factors", {}),
    ("patterns_incident_text", {}),
    ("patterns_incident_theme_evidence", {}),
    ("patterns_incident_mentions", {}),
)
"""Every catalogue query SimilarityIndex.build runs (kb.analysis.similarity_store digests their answers)."""
MENTIONS_KEY = "patterns_incident_mentions[]"
"""RecordingQueries' key of the mentions query (no parameters), which the after-ingest hook fills in."""
COLUMNS = ["rank", "incident", "similar", "started_at", "title", "score", "text", "structure", "reason"]


@dataclass
class Match:
    query: int
    hit: int
    score: float
    text: float
    structure: float


class SimilarityIndex:
    """Text and structure vectors of every incident, rows in (started_at, key) order."""

    def __init__(
        self,
        features: IncidentFeatures,
        factors: pd.DataFrame,
        extra_text: dict[tuple[str, str], list[str]] | None = None,
        weights: dict[tuple[str, str], float] | None = None,
    ) -> None:
        inc = features.incidents
        self.keys: list[str] = inc["incident"].tolist()
        # Column lists: iterating an Arrow-backed column (or its rows) costs a conversion per cell.
        title_list, summaries, tag_lists = (inc[c].tolist() for c in ("title", "summary", "tags"))
        self.titles: list[str] = [str(t) if t is not None else "" for t in title_list]
        self.started_at = inc["started_at"]
        statements: dict[str, list[str]] = defaultdict(list)
        if not factors.empty:
            for key, text in zip(*_column_lists(factors, ("incident", "statement")), strict=True):
                if text is not None:
                    statements[str(key)].append(str(text))
        timeline: dict[str, list[str]] = defaultdict(list)
        for (key, part), texts in (extra_text or {}).items():
            (timeline if part == "timeline" else statements)[key].extend(texts)
        docs = [
            " ".join([_s(title), _s(title), _s(summary), " ".join(tags), *statements.get(key, [])])
            for key, title, summary, tags in zip(self.keys, title_list, summaries, tag_lists, strict=True)
        ]
        # Timeline entries are evidence too, but full of alert boilerplate: their own TF-IDF, blended
        # in at TIMELINE_SHARE of the cosine ([sqrt(1-s) A, sqrt(s) B] rows: dot = (1-s) a.b + s a'.b').
        main_text = TfidfIndex(docs)
        timeline_text = TfidfIndex([" ".join(timeline.get(k, [])) for k in self.keys])
        # Rows re-normalised: an incident without timeline entries is all main text (twins score 1).
        self.text_matrix = normalise_rows(
            sp.hstack(
                [
                    main_text.matrix * np.sqrt(1 - TIMELINE_SHARE),
                    timeline_text.matrix * np.sqrt(TIMELINE_SHARE),
                ]
            ).tocsr()
        )
        self.text_terms = np.concatenate([main_text.terms, timeline_text.terms])
        self.main_terms = len(main_text.terms)  # text columns before this are the main text, after it the timeline
        self.labels, self.structure, certainty = _weighted_structure(self.keys, features.items, weights)
        self._certainty: dict[tuple[str, str], float] | None = certainty
        self._derive()

    def _derive(self) -> None:
        """What follows from the stored matrices (also after loading them from kb.analysis.similarity_store)."""
        self.row_of = {k: i for i, k in enumerate(self.keys)}
        self.sizes = np.asarray(self.structure.multiply(self.structure).sum(axis=1)).ravel()
        # How sure an incident's structure is: the mean weight of its items (0 without any).
        counts = np.diff(self.structure.indptr)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.sureness = np.where(counts > 0, np.asarray(self.structure.sum(axis=1)).ravel() / counts, 0.0)
        self._text_t = self.text_matrix.T.tocsr()
        self._struct_t = self.structure.T.tocsr()
        self._prefixes: dict[str, tuple[int, sp.csr_matrix]] = {}
        self._split: list[tuple[str, str]] | None = None

    @classmethod
    def build(cls, kbase: Queryable) -> SimilarityIndex:
        features = load_features(kbase)
        return cls(features, kbase.query("patterns_factors"), incident_text(kbase), evidence_weights(kbase))

    @classmethod
    def from_arrays(
        cls,
        keys: list[str],
        titles: list[str],
        started_at: pd.Series,
        text_matrix: sp.csr_matrix,
        text_terms: np.ndarray,
        main_terms: int,
        labels: list[str],
        structure: sp.csr_matrix,
    ) -> SimilarityIndex:
        """An index from its stored parts (kb.analysis.similarity_store): no query, no tokenising."""
        index = cls.__new__(cls)
        index.keys, index.titles, index.started_at = keys, titles, started_at
        index.text_matrix, index.text_terms, index.main_terms = text_matrix, text_terms, main_terms
        index.labels, index.structure, index._certainty = labels, structure, None
        index._derive()
        return index

    @property
    def certainty(self) -> dict[tuple[str, str], float]:
        """(incident, "kind:item") -> weight of every structure cell (the matrix's entries, by name)."""
        if self._certainty is None:
            m = self.structure.tocoo()
            names = zip(
                np.asarray(self.keys, dtype=object)[m.row].tolist(),
                np.asarray(self.labels, dtype=object)[m.col].tolist(),
                strict=True,
            )
            self._certainty = dict(zip(names, m.data.tolist(), strict=True))
        return self._certainty

    def __len__(self) -> int:
        return len(self.keys)

    # -- scoring ---------------------------------------------------------------------------
    def _pruned(self, rows: np.ndarray) -> sp.csr_matrix:
        """The text vectors of `rows`, each cut to its QUERY_TERMS heaviest (most distinctive) terms:
        common words have long posting lists and decide little, so candidate retrieval skips them."""
        m = self.text_matrix[rows].tocsr()
        indptr, indices, data = [0], [], []
        for i in range(m.shape[0]):
            lo, hi = m.indptr[i], m.indptr[i + 1]
            d, ix = m.data[lo:hi], m.indices[lo:hi]
            if hi - lo > QUERY_TERMS:
                keep = np.argpartition(-d, QUERY_TERMS - 1)[:QUERY_TERMS]
                d, ix = d[keep], ix[keep]
            data.append(d)
            indices.append(ix)
            indptr.append(indptr[-1] + len(d))
        return sp.csr_matrix(
            (
                np.concatenate(data) if data else np.zeros(0),
                np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64),
                np.array(indptr),
            ),
            shape=m.shape,
        )

    def _against(
        self, vectors: sp.csr_matrix, which: str, width: int, held: dict[str, tuple[int, sp.csr_matrix]]
    ) -> np.ndarray:
        """Dense products of `vectors` (text or structure rows) with the first `width` incidents'."""
        if width == len(self.keys):
            return _dense_product(vectors, self._text_t if which == "text" else self._struct_t, width)
        return _dense_product(vectors, self._prefix(which, width, held), width)

    def _prefix(self, which: str, width: int, held: dict[str, tuple[int, sp.csr_matrix]]) -> sp.csr_matrix:
        """The transposed text or structure matrix of the first incidents, at least `width` of them:
        cut at one of PREFIX_STEPS widths, kept in `held` (one per thread) until a wider one is asked
        for. A product with it adds the same terms in the same order to each of those columns as with
        the whole matrix."""
        n = len(self.keys)
        step = -(-n // PREFIX_STEPS)
        cut = min(n, -(-width // step) * step)
        prefix = held.get(which)
        if prefix is None or prefix[0] != cut:
            m = self._text_t if which == "text" else self._struct_t
            keep = m.indices < cut
            indptr = np.concatenate([[0], np.cumsum(keep)])[m.indptr]  # entries kept before each row's start
            prefix = (cut, sp.csr_matrix((m.data[keep], m.indices[keep], indptr), shape=(m.shape[0], cut)))
            held[which] = prefix
        return prefix[1]

    def _exact_text(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Cosine of the text vectors of row pairs (a[i], b[i])."""
        if len(a) == 0:
            return np.zeros(0)
        return np.asarray(self.text_matrix[a].multiply(self.text_matrix[b]).sum(axis=1)).ravel()

    def matches(
        self, rows: Sequence[int], k: int = DEFAULT_K, earlier_only: bool = True, min_score: float = 0.0
    ) -> Generator[Match, None, None]:
        """Top-k matches of each row, best first; ties broken by row order (so both engines agree).

        Per block of rows: approximate scores against every incident (pruned query terms plus
        exact structure overlap), the best CANDIDATES per row rescored exactly, then the top k.
        Many blocks are scored on THREADS threads (numpy's and scipy's kernels release the GIL),
        each block as it would be alone, and given back in order: the same matches, the same bits."""
        n = len(self.keys)
        if n == 0 or k <= 0:
            return
        block = max(1, BLOCK_CELLS // n)
        rows_arr = np.asarray(list(rows), dtype=np.int64)
        # Many rows in order (the after-ingest checks): each block's scores only against the incidents
        # before its last row. One row (`kb similar`) or rows in any order: against all of them.
        narrow = earlier_only and len(rows_arr) > block and bool(np.all(np.diff(rows_arr) >= 0))
        chunks = [rows_arr[start : start + block] for start in range(0, len(rows_arr), block)]
        cells = sum(int(c.max()) + 1 if narrow else n for c in chunks) * block
        if len(chunks) < 2 or cells < PARALLEL_CELLS or THREADS < 2:
            held: dict[str, tuple[int, sp.csr_matrix]] = self._prefixes
            for chunk in chunks:
                yield from self._block(chunk, k, earlier_only, min_score, narrow, held)
            return
        yield from _in_threads(chunks, lambda chunk, held: self._block(chunk, k, earlier_only, min_score, narrow, held))

    def _block(
        self,
        chunk: np.ndarray,
        k: int,
        earlier_only: bool,
        min_score: float,
        narrow: bool,
        held: dict[str, tuple[int, sp.csr_matrix]],
    ) -> list[Match]:
        """The matches of one block of rows, in row order, best first (see `matches`)."""
        n = len(self.keys)
        n_cand = min(n, max(CANDIDATES, 4 * k))
        # Earlier-only: the columns from the chunk's last row on are never allowed, so their scores
        # are not computed (half the work of a first load, where every row is checked; these dense
        # blocks of every row against every incident are what grows with the square of the corpus).
        width = int(chunk.max()) if narrow else n
        if width == 0:
            return []  # the first incident: nothing earlier
        # In place, each operation as written in the module docstring's formula (the same bits): these
        # dense blocks of every row against every incident are what grows with the square of the corpus.
        approx = self._against(self._pruned(chunk), "text", width, held)
        approx *= TEXT_WEIGHT
        inter = self._against(self.structure[chunk], "structure", width, held)
        union = np.add(self.sizes[chunk][:, None], self.sizes[None, :width])
        union -= inter
        # In place (each fresh dense block is a round of page faults): 0 where the union is not positive.
        jacc = np.divide(inter, union, out=inter, where=union > 0)
        jacc[union <= 0] = 0.0
        # Structure counts as much as the less sure of the two is of it: not at all without any.
        sw = np.minimum(self.sureness[chunk][:, None], self.sureness[None, :width])
        sw *= STRUCTURE_WEIGHT
        weighed = np.multiply(sw, jacc, out=union)
        approx += weighed
        del weighed, union
        sw += TEXT_WEIGHT
        approx /= sw
        del sw
        _disallow(approx, chunk, earlier_only)
        cand = _candidates(approx, n, n_cand)
        # A candidate past the width (a row with fewer allowed columns than candidates) is not allowed.
        inside = cand < width
        at = np.where(inside, cand, 0)
        qa = np.repeat(chunk, n_cand)
        cb = cand.ravel()
        text = self._exact_text(qa, cb).reshape(cand.shape)
        struct = np.take_along_axis(jacc, at, axis=1)
        csw = STRUCTURE_WEIGHT * np.minimum(self.sureness[chunk][:, None], self.sureness[at])
        score = (TEXT_WEIGHT * text + csw * struct) / (TEXT_WEIGHT + csw)
        ok = (at < chunk[:, None] if earlier_only else at != chunk[:, None]) & inside
        score[~ok] = -1.0
        # Each row's k best, best first, ties by candidate row (a stable sort per row, as np.lexsort of
        # the row alone), up to the first one not allowed or below min_score (the rest score no more).
        order = np.lexsort((cand, -score), axis=1)[:, :k]
        best = np.take_along_axis(score, order, axis=1)
        kept = np.logical_and.accumulate(~((best < 0) | (best < min_score)), axis=1)
        i, j = np.nonzero(kept)
        pick = order[i, j]
        return [
            Match(q, h, s, t, st)
            for q, h, s, t, st in zip(
                chunk[i].tolist(),
                cand[i, pick].tolist(),
                score[i, pick].tolist(),
                text[i, pick].tolist(),
                struct[i, pick].tolist(),
                strict=True,
            )
        ]

    # -- explanation -----------------------------------------------------------------------
    def shared(self, a: int, b: int) -> dict[str, list[str]]:
        ptr, ix, data = self.structure.indptr, self.structure.indices, self.structure.data
        # A shared item's weight on each side is its cell in the structure matrix (the certainty).
        sa = dict(zip(ix[ptr[a] : ptr[a + 1]].tolist(), data[ptr[a] : ptr[a + 1]].tolist(), strict=True))
        sb = dict(zip(ix[ptr[b] : ptr[b + 1]].tolist(), data[ptr[b] : ptr[b + 1]].tolist(), strict=True))
        out: dict[str, list[str]] = {kind: [] for kind in STRUCTURE_KINDS}
        if self._split is None:  # (kind, item) of each label, split once: the hook explains ~50,000 matches
            self._split = [split_label(label) for label in self.labels]
        split = self._split
        for j in sorted(sa.keys() & sb.keys()):
            kind, item = split[j]
            w = min(sa[j], sb[j])
            out[kind].append(item if w >= 1.0 else f"{item} (weight {w:.2f})")
        return out

    def basis(self, m: Match) -> str:
        """Short reason stored on the edge: the text score and the shared structure."""
        shared = self.shared(m.query, m.hit)
        parts = [f"text {m.text:.2f}"]
        if m.structure == 0 and not any(shared.values()):
            parts[0] = f"text {m.text:.2f} (no shared stated structure)"
        for kind in STRUCTURE_KINDS:
            if shared[kind]:
                parts.append(f"{kind}s {', '.join(shared[kind])}")
        return "; ".join(parts)

    def bases(self, matches: Sequence[Match]) -> list[str]:
        """[self.basis(m) for m in matches], the same strings: the shared items of every pair at once
        (the elementwise minimum of the two structure rows is each shared item's weight on both sides),
        so a first ingest's ~50,000 edges build no dictionaries per edge."""
        if not matches:
            return []
        qa = np.fromiter((m.query for m in matches), dtype=np.int64, count=len(matches))
        hb = np.fromiter((m.hit for m in matches), dtype=np.int64, count=len(matches))
        both = self.structure[qa].minimum(self.structure[hb]).tocsr()
        both.sort_indices()
        ptr, ix, data = both.indptr.tolist(), both.indices.tolist(), both.data.tolist()
        if self._split is None:
            self._split = [split_label(label) for label in self.labels]
        split = self._split
        out: list[str] = []
        for i, m in enumerate(matches):
            lo, hi = ptr[i], ptr[i + 1]
            shared: dict[str, list[str]] = {kind: [] for kind in STRUCTURE_KINDS}
            for j, w in zip(ix[lo:hi], data[lo:hi], strict=True):
                kind, item = split[j]
                shared[kind].append(item if w >= 1.0 else f"{item} (weight {w:.2f})")
            parts = [f"text {m.text:.2f}"]
            if m.structure == 0 and lo == hi:
                parts[0] = f"text {m.text:.2f} (no shared stated structure)"
            for kind in STRUCTURE_KINDS:
                if shared[kind]:
                    parts.append(f"{kind}s {', '.join(shared[kind])}")
            out.append("; ".join(parts))
        return out

    def reason(self, m: Match) -> str:
        """The basis plus the words that made the texts alike."""
        prod = self.text_matrix[m.query].multiply(self.text_matrix[m.hit]).tocsr()
        order = np.argsort(-prod.data, kind="stable")[:4]
        words = list(dict.fromkeys(str(self.text_terms[prod.indices[i]]) for i in order))
        return self.basis(m) + (f"; words {', '.join(words)}" if words else "")

    def similar(self, incident: str, k: int = DEFAULT_K, earlier_only: bool = True) -> pd.DataFrame:
        """The k most similar incidents to `incident` (earlier ones only by default)."""
        if incident not in self.row_of:
            raise KeyError(incident)
        out = []
        for rank, m in enumerate(self.matches([self.row_of[incident]], k, earlier_only), start=1):
            out.append(
                {
                    "rank": rank,
                    "incident": incident,
                    "similar": self.keys[m.hit],
                    "started_at": self.started_at.iloc[m.hit],
                    "title": self.titles[m.hit],
                    "score": round(m.score, 4),
                    "text": round(m.text, 4),
                    "structure": round(m.structure, 4),
                    "reason": self.reason(m),
                }
            )
        return pd.DataFrame(out, columns=COLUMNS)


def _dense_product(a: sp.csr_matrix, b: sp.csr_matrix, width: int) -> np.ndarray:
    """(a @ b).toarray()[:, :width], the same bits: scipy's product of sparse matrices (each cell
    summed in the order of a's row) into a buffer sized from b's posting lengths, which skips the
    pass scipy makes first only to count the cells, then scattered into a dense block."""
    m, cols = a.shape[0], b.shape[1]
    reach = np.concatenate([[0], np.cumsum(np.diff(b.indptr)[a.indices])])  # posting cells before each entry
    bound = int(np.minimum(reach[a.indptr[1:]] - reach[a.indptr[:-1]], cols).sum())
    if _matmat is None or bound == 0 or max(bound, cols, b.shape[0]) >= np.iinfo(np.int32).max:
        return np.asarray((a @ b).toarray()[:, :width])
    i32, f64 = np.int32, np.float64
    cp, cj, cx = np.empty(m + 1, dtype=i32), np.empty(bound, dtype=i32), np.empty(bound, dtype=f64)
    _matmat(
        m, cols, a.indptr.astype(i32, copy=False), a.indices.astype(i32, copy=False), a.data.astype(f64, copy=False),
        b.indptr.astype(i32, copy=False), b.indices.astype(i32, copy=False), b.data.astype(f64, copy=False),
        cp, cj, cx,
    )  # fmt: skip
    out = np.zeros((m, cols))
    _todense(m, cols, cp, cj, cx, out)
    return out[:, :width] if width < cols else out


def _in_threads(
    chunks: list[np.ndarray], score: Callable[[np.ndarray, dict[str, tuple[int, sp.csr_matrix]]], list[Match]]
) -> Iterator[Match]:
    """score(chunk, held) of every chunk on THREADS threads, each with its own prefix matrices, given
    back in the chunks' order; at most two chunks ahead per thread are held (each a few dense blocks)."""
    local = threading.local()

    def run(chunk: np.ndarray) -> list[Match]:
        if not hasattr(local, "held"):
            local.held = {}
        return score(chunk, local.held)

    with ThreadPoolExecutor(THREADS, thread_name_prefix="kb-similarity") as pool:
        pending: deque[Future[list[Match]]] = deque()
        ahead = iter(chunks)
        try:
            for chunk in islice(ahead, 2 * THREADS):
                pending.append(pool.submit(run, chunk))
            while pending:
                done = pending.popleft().result()
                for chunk in islice(ahead, 1):
                    pending.append(pool.submit(run, chunk))
                yield from done
        finally:  # a caller that stops early: the chunks not started are not scored
            for f in pending:
                f.cancel()


def _disallow(approx: np.ndarray, chunk: np.ndarray, earlier_only: bool) -> None:
    """Mark the columns a row may not match -1: itself and, earlier-only, every later incident."""
    for i, r in enumerate(chunk.tolist()):
        if earlier_only:
            approx[i, r:] = -1.0
        elif r < approx.shape[1]:
            approx[i, r] = -1.0


def _candidates(approx: np.ndarray, n: int, n_cand: int) -> np.ndarray:
    """The columns np.argpartition(-scores, n_cand - 1, axis=1)[:, :n_cand] picks on each row of the
    n-column scores whose first columns `approx` holds (the rest never allowed: -1). The set is the
    same from the held columns alone when it is unique: n_cand allowed columns score at least the
    least of them, and no other does. A row with ties at that edge (or fewer allowed columns) is
    partitioned whole, as it was, so its tie picks the same columns."""
    width = approx.shape[1]
    if width == n:
        return np.argpartition(-approx, n_cand - 1, axis=1)[:, :n_cand]
    out = np.empty((len(approx), n_cand), dtype=np.intp)
    whole = np.ones(len(approx), dtype=bool)
    if width >= n_cand:
        cand = np.argpartition(-approx, n_cand - 1, axis=1)[:, :n_cand]
        least = np.take_along_axis(approx, cand, axis=1).min(axis=1)
        unique = (least >= 0) & ((approx >= least[:, None]).sum(axis=1) == n_cand)
        out[unique] = cand[unique]
        whole = ~unique
    if whole.any():
        full = np.full((int(whole.sum()), n), -1.0)
        full[:, :width] = approx[whole]
        out[whole] = np.argpartition(-full, n_cand - 1, axis=1)[:, :n_cand]
    return out


def _s(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def incident_text(kbase: Queryable) -> dict[tuple[str, str], list[str]]:
    """(incident, "impact" | "timeline") -> texts: what an incident says beyond title and summary."""
    df = kbase.query("patterns_incident_text")
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key, part, texts in zip(*_column_lists(df, ("incident", "part", "texts")), strict=True):
        out[(str(key), str(part))].extend(
            str(t) for t in (texts.tolist() if hasattr(texts, "tolist") else texts or []) if t is not None
        )
    return dict(out)


def evidence_weights(kbase: Queryable) -> dict[tuple[str, str], float]:
    """(incident, "kind:item") -> how much the item counts, for what is not simply stated (1.0).

    Themes: a packet's own theme counts 1.0 unless the packet was imported and nobody reviewed
    it (a keyword guess: GUESSED_THEME_WEIGHT); an accepted suggestion counts its confidence.
    An incident's theme counts at its most certain link. Services and components found in the
    text (MENTIONS) count ENTITY_WEIGHT unless the packet also states them."""
    out: dict[tuple[str, str], float] = {}
    themes = kbase.query("patterns_incident_theme_evidence")
    # Column lists, not itertuples: iterating an Arrow-backed column costs a conversion per cell.
    columns = ("incident", "theme", "origin", "imported", "reviewed", "confidence")
    for incident, theme, origin, imported, reviewed, confidence in zip(*_column_lists(themes, columns), strict=True):
        if origin == PACKET_ORIGIN or origin is None:
            guessed = bool(imported) and not bool(reviewed)
            w = GUESSED_THEME_WEIGHT if guessed else 1.0
        else:
            w = float(confidence) if confidence is not None and not pd.isna(confidence) else 1.0
        key = (str(incident), f"theme:{theme}")
        out[key] = max(out.get(key, 0.0), w)
    mentions = kbase.query("patterns_incident_mentions")
    for incident, kind, name in zip(*_column_lists(mentions, ("incident", "kind", "name")), strict=True):
        out.setdefault((str(incident), f"{kind}:{name}"), ENTITY_WEIGHT)
    return out


def _column_lists(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[list[Any]]:
    """Each column as a plain list; an empty answer may come without its columns."""
    if frame.empty:
        return [[] for _ in columns]
    return [frame[c].tolist() for c in columns]


def _weighted_structure(
    keys: list[str], items: pd.DataFrame, weights: dict[tuple[str, str], float] | None
) -> tuple[list[str], sp.csr_matrix, dict[tuple[str, str], float]]:
    """Incident x "kind:item" matrix of certainty weights (rows in `keys` order), zero columns dropped."""
    weights = weights or {}
    row_of = {k: i for i, k in enumerate(keys)}
    sel = items[items["kind"].isin(list(STRUCTURE_KINDS)) & items["incident"].isin(row_of.keys())]
    cells: dict[tuple[int, str], float] = {}
    for inc, kind, item in zip(*_column_lists(sel, ("incident", "kind", "item")), strict=True):
        label = f"{kind}:{item}"
        # Stated barriers and services count fully; a theme as sure as its links.
        w = weights.get((str(inc), label), 1.0) if kind == "theme" else 1.0
        cells[(row_of[inc], label)] = max(cells.get((row_of[inc], label), 0.0), w)
    for (inc, label), w in weights.items():
        if inc in row_of and label.split(":", 1)[0] in ("service", "component"):
            cells.setdefault((row_of[inc], label), w)
    cells = {c: w for c, w in cells.items() if w > 0}
    labels = sorted({label for _, label in cells})
    col_of = {lab: j for j, lab in enumerate(labels)}
    rows = np.fromiter((r for r, _ in cells), dtype=np.int64, count=len(cells))
    cols = np.fromiter((col_of[lab] for _, lab in cells), dtype=np.int64, count=len(cells))
    data = np.fromiter(cells.values(), dtype=np.float64, count=len(cells))
    m = sp.csr_matrix((data, (rows, cols)), shape=(len(keys), len(labels)))
    return labels, m, {(keys[r], lab): w for (r, lab), w in cells.items()}


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    k = min(k, len(scores))
    part = np.argpartition(-scores, k - 1)[:k]
    # Stable order: score descending, then earlier row first.
    return part[np.lexsort((part, -scores[part]))]


def similar_incidents(kbase: Queryable, incident: str, k: int = DEFAULT_K, earlier_only: bool = True) -> pd.DataFrame:
    """The k incidents most similar to `incident`, each with its reason (the index is loaded from
    beside the database when it is in step with it, else built)."""
    from kb.analysis.similarity_store import load_index  # it imports this module

    return load_index(kbase).similar(incident, k, earlier_only)


def related_edges(
    index: SimilarityIndex, incidents: Sequence[str], k: int = DEFAULT_K, min_score: float = MIN_STORED_SCORE
) -> list[dict[str, Any]]:
    """The RELATED_TO rows {src, dst, score, basis} for the given incidents against earlier ones."""
    rows = sorted(index.row_of[key] for key in set(incidents) if key in index.row_of)
    found = index.matches(rows, k, earlier_only=True, min_score=min_score)
    out: list[dict[str, Any]] = []
    # Explained a few thousand at a time: the matches of a first ingest are never all held at once.
    while batch := list(islice(found, EXPLAIN_BATCH)):
        out += [
            {"src": index.keys[m.query], "dst": index.keys[m.hit], "score": round(m.score, 4), "basis": basis}
            for m, basis in zip(batch, index.bases(batch), strict=True)
        ]
    return out


EXPLAIN_BATCH = 4096
"""Matches explained at once by related_edges (SimilarityIndex.bases)."""
NEIGHBOURHOOD = 4
"""A fresh incident can enter the top k of a later one: the later incidents among its best
NEIGHBOURHOOD * k matches (any time) are re-checked with it."""


def affected_incidents(
    index: SimilarityIndex, incidents: Sequence[str], k: int = DEFAULT_K, min_score: float = MIN_STORED_SCORE
) -> list[str]:
    """The fresh incidents plus the later incidents whose stored matches they may change, so the
    edges do not depend on the order or the batches in which incidents were loaded."""
    rows = sorted(index.row_of[key] for key in set(incidents) if key in index.row_of)
    out = {index.keys[r] for r in rows}
    # Only a fresh row with a row that is not fresh after it can add one: the later rows of the others
    # are all fresh already (so a first load, or incidents newer than every stored one, check nothing here).
    fresh = set(rows)
    last_stored = len(index) - 1
    while last_stored >= 0 and last_stored in fresh:
        last_stored -= 1
    rows = [r for r in rows if r < last_stored]
    for m in index.matches(rows, NEIGHBOURHOOD * k, earlier_only=False, min_score=min_score):
        if m.hit > m.query:
            out.add(index.keys[m.hit])
    return sorted(out)


def record_related(
    kbase: KnowledgeBase, incidents: list[str], k: int = DEFAULT_K, min_score: float = MIN_STORED_SCORE
) -> int:
    """After-ingest hook: find services and components in the fresh incidents' text, then check
    each fresh incident, and each later incident it may be a match of, against earlier ones and
    store the best matches. One index build per call; returns the edges written."""
    if not incidents:
        return 0
    from kb.analysis.answer_store import hold_digests, snapshot_of
    from kb.analysis.similarity_store import RecordingQueries, hand_over, keep  # it imports this module

    # One read of each query for both steps, and one write for both: the index is built from the
    # mentions as they will be once written (each write copies the embedded database file).
    queries = RecordingQueries(kbase)
    documents = incident_documents(queries)
    mentions = find_mentions(queries, incidents, documents).to_dict("records")
    expected = mentions_once_replaced(queries, incidents, mentions)
    queries.forget("patterns_incident_mention_origins")  # no input of the index: kept out of its digest
    queries.frames[MENTIONS_KEY] = expected
    index = SimilarityIndex.build(queries)
    checked = affected_incidents(index, incidents, k, min_score)
    rows = related_edges(index, checked, k, min_score)
    # Every incident (a first ingest): the write's deletions and reads then select no keys.
    everyone = set(index.keys)
    every = (everyone <= set(incidents), everyone <= set(checked))
    kbase.replace_mentions_and_related(incidents, mentions, checked, rows, every)
    queries.forget("patterns_incident_mentions")
    # The write changed only MENTIONS and RELATED_TO, which no other answer read so far depends on:
    # the kept answers computed next read them from here (kb.knowledge_base.SnapshotReads).
    adopt = getattr(kbase, "adopt", None)
    if adopt is not None:
        adopt(queries.frames)
        if getattr(kbase, "pinned_snapshot", False):  # as adopt: the documents are read from those answers
            hold_documents(snapshot_of(kbase), documents)
    digest = queries.prefetch(INPUT_QUERIES)  # reads the mentions as written
    if adopt is not None and getattr(kbase, "pinned_snapshot", False):
        # As adopted: what they answer now. The kept answers computed next read them too (answer_store).
        hold_digests(snapshot_of(kbase), {k: queries.frame_digest(k) for k in queries.frames})
    if mention_pairs(queries.frames[MENTIONS_KEY]) != mention_pairs(expected):
        # Not what the replacement was expected to leave (another writer's links?): check again on what is stored.
        index = SimilarityIndex.build(queries)
        checked = affected_incidents(index, incidents, k, min_score)
        rows = related_edges(index, checked, k, min_score)
        kbase.replace_related(checked, rows, SIMILARITY_ORIGIN)
    # RELATED_TO edges are no input of the index: it is the index of the database as now written,
    # unless another client wrote between the first reads and this write, which only an engine
    # whose connection sees no other writer (kb.engines.base.Engine.pinned_snapshot) rules out.
    if getattr(kbase, "pinned_snapshot", False):
        keep(kbase, index, digest, snapshot_of(kbase))
    else:  # the kept answers read the inputs again (kb.analysis.hooks): they take it if those are unchanged
        hand_over(index, queries.digest(INPUT_QUERIES))
    return len(rows)


def stored_related(kbase: Queryable, origin: str = SIMILARITY_ORIGIN) -> pd.DataFrame:
    """The stored RELATED_TO edges of an origin: incident, related, score, basis, origin."""
    return kbase.query("patterns_related", origin=origin)


__all__ = ["SimilarityIndex", "record_related", "related_edges", "similar_incidents", "stored_related"]
