"""Similar past incidents, by text and by structure, each hit with the reason it matched.

score = 0.6 * text + 0.4 * structure, where text is the cosine of TF-IDF vectors of an
incident's title, summary, tags and factor statements, and structure is the Jaccard
overlap of its themes, failed barriers and services.

The index is built once (a few catalogue queries, sparse matrices) and queried per
incident: a query scores the corpus approximately (its 24 most distinctive terms, exact
structure overlap: sparse products), rescores the best 20 candidates exactly and keeps
the top k. Nothing builds an all-pairs matrix. The after-ingest hook queries every fresh incident against the
incidents that started EARLIER, in blocks of rows bounded in memory, and stores the
best matches as RELATED_TO {score, basis, origin "similarity"} edges.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from kb.analysis.incident_features import IncidentFeatures, Queryable, load_features, membership, split_label
from kb.analysis.text import TfidfIndex
from kb.graph.enrich import SIMILARITY_ORIGIN

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase

TEXT_WEIGHT = 0.6
STRUCTURE_WEIGHT = 0.4
STRUCTURE_KINDS: tuple[str, ...] = ("theme", "barrier", "service")
DEFAULT_K = 5
MIN_STORED_SCORE = 0.3
"""Below this a match is background resemblance, not worth an edge."""
BLOCK_CELLS = 2_000_000
"""Upper bound on query-rows x corpus scores held at once by the batch check (a few x 16 MB)."""
QUERY_TERMS = 24
"""Candidate retrieval uses a query's 24 heaviest terms; the candidates are then rescored exactly."""
CANDIDATES = 20
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

    def __init__(self, features: IncidentFeatures, factors: pd.DataFrame) -> None:
        inc = features.incidents
        self.keys: list[str] = inc["incident"].tolist()
        self.row_of = {k: i for i, k in enumerate(self.keys)}
        self.titles: list[str] = [str(t) if t is not None else "" for t in inc["title"]]
        self.started_at = inc["started_at"]
        statements: dict[str, list[str]] = defaultdict(list)
        if not factors.empty:
            for key, text in zip(factors["incident"], factors["statement"], strict=True):
                if text is not None:
                    statements[str(key)].append(str(text))
        docs = [" ".join([_s(r.title), _s(r.summary), " ".join(r.tags), *statements.get(r.incident, [])])
                for r in inc.itertuples(index=False)]
        self.text = TfidfIndex(docs)
        mem = membership(features, STRUCTURE_KINDS)
        self.labels = mem.labels
        self.structure: sp.csr_matrix = mem.matrix.tocsr()
        self.sizes = np.asarray(self.structure.sum(axis=1)).ravel()
        self._text_t = self.text.matrix.T.tocsr()
        self._struct_t = self.structure.T.tocsr()

    @classmethod
    def build(cls, kbase: Queryable) -> SimilarityIndex:
        return cls(load_features(kbase), kbase.query("patterns_factors"))

    def __len__(self) -> int:
        return len(self.keys)

    # -- scoring ---------------------------------------------------------------------------
    def _pruned(self, rows: np.ndarray) -> sp.csr_matrix:
        """The text vectors of `rows`, each cut to its QUERY_TERMS heaviest (most distinctive) terms:
        common words have long posting lists and decide little, so candidate retrieval skips them."""
        m = self.text.matrix[rows].tocsr()
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
        return sp.csr_matrix((np.concatenate(data) if data else np.zeros(0),
                              np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64),
                              np.array(indptr)), shape=m.shape)

    def _exact_text(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Cosine of the text vectors of row pairs (a[i], b[i])."""
        if len(a) == 0:
            return np.zeros(0)
        return np.asarray(self.text.matrix[a].multiply(self.text.matrix[b]).sum(axis=1)).ravel()

    def matches(self, rows: Sequence[int], k: int = DEFAULT_K, earlier_only: bool = True,
                min_score: float = 0.0) -> Iterator[Match]:
        """Top-k matches of each row, best first; ties broken by row order (so both engines agree).

        Per block of rows: approximate scores against every incident (pruned query terms plus
        exact structure overlap), the best CANDIDATES per row rescored exactly, then the top k."""
        n = len(self.keys)
        if n == 0 or k <= 0:
            return
        block = max(1, BLOCK_CELLS // n)
        rows_arr = np.asarray(list(rows), dtype=np.int64)
        cols = np.arange(n)
        n_cand = min(n, max(CANDIDATES, 4 * k))
        for start in range(0, len(rows_arr), block):
            chunk = rows_arr[start:start + block]
            approx = (self._pruned(chunk) @ self._text_t).toarray() * TEXT_WEIGHT
            inter = (self.structure[chunk] @ self._struct_t).toarray()
            union = self.sizes[chunk][:, None] + self.sizes[None, :] - inter
            with np.errstate(divide="ignore", invalid="ignore"):
                jacc = np.where(union > 0, inter / union, 0.0)
            approx += STRUCTURE_WEIGHT * jacc
            allowed = cols[None, :] < chunk[:, None] if earlier_only else cols[None, :] != chunk[:, None]
            approx[~allowed] = -1.0
            cand = np.argpartition(-approx, n_cand - 1, axis=1)[:, :n_cand]
            qa = np.repeat(chunk, n_cand)
            cb = cand.ravel()
            text = self._exact_text(qa, cb).reshape(cand.shape)
            struct = np.take_along_axis(jacc, cand, axis=1)
            score = TEXT_WEIGHT * text + STRUCTURE_WEIGHT * struct
            ok = np.take_along_axis(allowed, cand, axis=1)
            score[~ok] = -1.0
            for i, r in enumerate(chunk):
                order = np.lexsort((cand[i], -score[i]))[:k]
                for j in order:
                    if score[i, j] < 0 or score[i, j] < min_score:
                        break
                    yield Match(int(r), int(cand[i, j]), float(score[i, j]), float(text[i, j]), float(struct[i, j]))

    # -- explanation -----------------------------------------------------------------------
    def shared(self, a: int, b: int) -> dict[str, list[str]]:
        ptr, ix = self.structure.indptr, self.structure.indices
        sa = set(ix[ptr[a]:ptr[a + 1]].tolist())
        sb = set(ix[ptr[b]:ptr[b + 1]].tolist())
        out: dict[str, list[str]] = {"theme": [], "barrier": [], "service": []}
        for j in sorted(sa & sb):
            kind, item = split_label(self.labels[j])
            out[kind].append(item)
        return out

    def basis(self, m: Match) -> str:
        """Short reason stored on the edge: the text score and the shared structure."""
        shared = self.shared(m.query, m.hit)
        parts = [f"text {m.text:.2f}"]
        for kind in ("theme", "barrier", "service"):
            if shared[kind]:
                parts.append(f"{kind}s {', '.join(shared[kind])}")
        return "; ".join(parts)

    def reason(self, m: Match) -> str:
        """The basis plus the words that made the texts alike."""
        words = self.text.shared_terms(self.text.matrix[m.query], self.text.matrix[m.hit])
        return self.basis(m) + (f"; words {', '.join(words)}" if words else "")

    def similar(self, incident: str, k: int = DEFAULT_K, earlier_only: bool = True) -> pd.DataFrame:
        """The k most similar incidents to `incident` (earlier ones only by default)."""
        if incident not in self.row_of:
            raise KeyError(incident)
        out = []
        for rank, m in enumerate(self.matches([self.row_of[incident]], k, earlier_only), start=1):
            out.append({"rank": rank, "incident": incident, "similar": self.keys[m.hit],
                        "started_at": self.started_at.iloc[m.hit], "title": self.titles[m.hit],
                        "score": round(m.score, 4), "text": round(m.text, 4), "structure": round(m.structure, 4),
                        "reason": self.reason(m)})
        return pd.DataFrame(out, columns=COLUMNS)


def _s(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    k = min(k, len(scores))
    part = np.argpartition(-scores, k - 1)[:k]
    # Stable order: score descending, then earlier row first.
    return part[np.lexsort((part, -scores[part]))]


def similar_incidents(kbase: Queryable, incident: str, k: int = DEFAULT_K, earlier_only: bool = True) -> pd.DataFrame:
    """Build the index and return the k incidents most similar to `incident`, each with its reason."""
    return SimilarityIndex.build(kbase).similar(incident, k, earlier_only)


def related_edges(index: SimilarityIndex, incidents: Sequence[str], k: int = DEFAULT_K,
                  min_score: float = MIN_STORED_SCORE) -> list[dict[str, Any]]:
    """The RELATED_TO rows {src, dst, score, basis} for the given incidents against earlier ones."""
    rows = sorted(index.row_of[key] for key in set(incidents) if key in index.row_of)
    return [{"src": index.keys[m.query], "dst": index.keys[m.hit], "score": round(m.score, 4),
             "basis": index.basis(m)} for m in index.matches(rows, k, earlier_only=True, min_score=min_score)]


def record_related(kbase: KnowledgeBase, incidents: list[str], k: int = DEFAULT_K,
                   min_score: float = MIN_STORED_SCORE) -> int:
    """After-ingest hook: check each fresh incident against earlier ones and store the best matches.

    One index build per call, whatever the number of incidents; returns the edges written."""
    if not incidents:
        return 0
    index = SimilarityIndex.build(kbase)
    rows = related_edges(index, incidents, k, min_score)
    kbase.replace_related(incidents, rows, SIMILARITY_ORIGIN)
    return len(rows)


def stored_related(kbase: Queryable, origin: str = SIMILARITY_ORIGIN) -> pd.DataFrame:
    """The stored RELATED_TO edges of an origin: incident, related, score, basis, origin."""
    return kbase.query("patterns_related", origin=origin)


__all__ = ["SimilarityIndex", "record_related", "related_edges", "similar_incidents",
           "stored_related"]
