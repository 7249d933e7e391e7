"""SimilarityIndex.matches against a one-row-at-a-time reference of the documented scoring.

The reference scores one incident against every incident with scipy's public products, exactly as
the module docstring writes the formula, partitions the whole row for its candidates and rescores
them: the batch code (blocks of rows, columns cut at the last row of a block, products into dense
blocks in place) must give the same matches with the same bits, so a pair it missed, added or scored
one ulp apart fails here."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import kb
from kb.analysis import similarity
from kb.analysis.similarity import (
    CANDIDATES,
    STRUCTURE_WEIGHT,
    TEXT_WEIGHT,
    SimilarityIndex,
    related_edges,
)
from kb.quickstart import load_demo

Row = tuple[int, int, float, float, float]


def reference(index: SimilarityIndex, r: int, k: int, earlier_only: bool, min_score: float) -> list[Row]:
    """The top-k matches of row r, computed alone over whole rows."""
    n = len(index)
    cols = np.arange(n)
    text = (index._pruned(np.array([r])) @ index.text_matrix.T.tocsr()).toarray().ravel()
    inter = (index.structure[[r]] @ index.structure.T.tocsr()).toarray().ravel()
    union = index.sizes[r] + index.sizes - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        jacc = np.where(union > 0, inter / union, 0.0)
    sw = STRUCTURE_WEIGHT * np.minimum(index.sureness[r], index.sureness)
    approx = (text * TEXT_WEIGHT + sw * jacc) / (TEXT_WEIGHT + sw)
    allowed = cols < r if earlier_only else cols != r
    approx[~allowed] = -1.0
    n_cand = min(n, max(CANDIDATES, 4 * k))
    cand = np.argpartition(-approx, n_cand - 1)[:n_cand]
    exact = np.asarray(index.text_matrix[np.full(n_cand, r)].multiply(index.text_matrix[cand]).sum(axis=1)).ravel()
    score = (TEXT_WEIGHT * exact + sw[cand] * jacc[cand]) / (TEXT_WEIGHT + sw[cand])
    score[~allowed[cand]] = -1.0
    out: list[Row] = []
    for j in np.lexsort((cand, -score))[:k]:
        if score[j] < 0 or score[j] < min_score:
            break
        out.append((r, int(cand[j]), float(score[j]), float(exact[j]), float(jacc[cand[j]])))
    return out


def batch(index: SimilarityIndex, rows: list[int], k: int, earlier_only: bool, min_score: float) -> list[Row]:
    return [(m.query, m.hit, m.score, m.text, m.structure) for m in index.matches(rows, k, earlier_only, min_score)]


def random_index(n: int, seed: int) -> SimilarityIndex:
    """Sparse random text (few terms: many shared, some twins) and structure with stated (1.0), mentioned
    (0.25) and accepted (any confidence) weights, and incidents without any structure."""
    rng = np.random.default_rng(seed)
    terms = 60
    text = sp.random(n, terms, density=0.3, random_state=rng, format="csr")
    text.data = np.round(text.data * 4) + 1.0  # few distinct weights: ties
    twins = rng.integers(0, n, size=n // 10)
    text = sp.csr_matrix(sp.vstack([text[i] if i not in twins else text[max(i - 1, 0)] for i in range(n)]))
    text = sp.csr_matrix(text.multiply(1 / np.sqrt(np.maximum(text.multiply(text).sum(axis=1), 1e-12))))
    structure = sp.random(n, 12, density=0.25, random_state=rng, format="csr")
    structure.data = rng.choice([1.0, 0.25, 0.7, 0.35], size=structure.nnz)
    keys = [f"INC-{i:04d}" for i in range(n)]
    started = pd.Series(pd.date_range("2026-01-01", periods=n, freq="h", tz="UTC"))
    names = np.array([f"w{i}" for i in range(terms)], dtype=object)
    labels = [f"theme:t{i}" for i in range(6)] + [f"service:s{i}" for i in range(6)]
    return SimilarityIndex.from_arrays(keys, keys, started, text, names, terms, labels, sp.csr_matrix(structure))


CASES = [(5, True, 0.0), (5, True, 0.3), (1, True, 0.0), (20, False, 0.0), (5, False, 0.3)]


@pytest.mark.parametrize(("k", "earlier_only", "min_score"), CASES)
@pytest.mark.parametrize("block_rows", [1, 3, 7, 1000])
@pytest.mark.parametrize("threads", [1, 2])
def test_random_rows_in_blocks_match_the_reference(
    monkeypatch: pytest.MonkeyPatch, threads: int, block_rows: int, k: int, earlier_only: bool, min_score: float
) -> None:
    n = 150
    index = random_index(n, seed=block_rows)
    monkeypatch.setattr(similarity, "BLOCK_CELLS", block_rows * n)
    monkeypatch.setattr(similarity, "THREADS", threads)
    monkeypatch.setattr(similarity, "PARALLEL_CELLS", 0)  # blocks on threads however few the scores
    monkeypatch.setattr(similarity, "PREFIX_STEPS", 5)
    rows = list(range(n))
    expected = [m for r in rows for m in reference(index, r, k, earlier_only, min_score)]
    assert batch(index, rows, k, earlier_only, min_score) == expected
    some = rows[3::4]  # rows with gaps: the blocks' columns are cut at other places
    assert batch(index, some, k, earlier_only, min_score) == [
        m for r in some for m in reference(index, r, k, earlier_only, min_score)
    ]
    assert len(expected) >= n // 3  # the reference finds matches: the comparison is not of two empty lists


def scoring_threads(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The names of the threads that score blocks from now on (filled in as they do)."""
    names: set[str] = set()
    block = SimilarityIndex._block

    def noted(self: SimilarityIndex, *args: object) -> list[similarity.Match]:
        names.add(threading.current_thread().name)
        return block(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(SimilarityIndex, "_block", noted)
    return names


def test_many_blocks_are_scored_on_threads_and_given_back_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    n = 200
    index = random_index(n, seed=11)
    monkeypatch.setattr(similarity, "BLOCK_CELLS", 5 * n)
    monkeypatch.setattr(similarity, "THREADS", 1)
    alone = batch(index, list(range(n)), 5, True, 0.0)
    monkeypatch.setattr(similarity, "THREADS", 2)
    monkeypatch.setattr(similarity, "PARALLEL_CELLS", 0)
    names = scoring_threads(monkeypatch)
    assert batch(index, list(range(n)), 5, True, 0.0) == alone
    assert len(names) == 2 and all(name.startswith("kb-similarity") for name in names)
    # A caller that stops early (kb similar's first hits) gets them without the rest being scored.
    first = index.matches(list(range(n)), 5, True, 0.0)
    assert next(first) == similarity.Match(*alone[0])
    first.close()


def test_a_small_check_stays_on_the_calling_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    index = random_index(100, seed=2)
    monkeypatch.setattr(similarity, "BLOCK_CELLS", 5 * 100)
    monkeypatch.setattr(similarity, "THREADS", 2)
    names = scoring_threads(monkeypatch)
    assert batch(index, list(range(100)), 5, True, 0.0)
    assert names == {threading.current_thread().name}


def test_a_missed_pair_fails_the_comparison(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check itself: a batch that never scores a row against the incident just before it differs."""
    index = random_index(60, seed=3)
    monkeypatch.setattr(similarity, "BLOCK_CELLS", 4 * 60)
    rows = list(range(60))
    expected = [m for r in rows for m in reference(index, r, 5, True, 0.0)]
    assert batch(index, rows, 5, True, 0.0) == expected
    disallow = similarity._disallow

    def skipping_the_previous(approx: np.ndarray, chunk: np.ndarray, earlier_only: bool) -> None:
        disallow(approx, chunk, earlier_only)
        for i, r in enumerate(chunk.tolist()):
            approx[i, max(r - 1, 0)] = -1.0

    monkeypatch.setattr(similarity, "_disallow", skipping_the_previous)
    assert batch(index, rows, 5, True, 0.0) != expected


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory: pytest.TempPathFactory) -> SimilarityIndex:
    db = tmp_path_factory.mktemp("reference") / "graph.lbug"
    with kb.connect(engine="ladybug", db=db) as kbase:
        load_demo(kbase, incidents=160, seed=5)
        return SimilarityIndex.build(kbase)


@pytest.mark.parametrize("block_rows", [2, 1000])
def test_demo_matches_and_related_edges_are_the_reference(
    demo_index: SimilarityIndex, monkeypatch: pytest.MonkeyPatch, block_rows: int
) -> None:
    index = demo_index
    n = len(index)
    monkeypatch.setattr(similarity, "BLOCK_CELLS", block_rows * n)
    rows = list(range(n))
    for k, earlier_only, min_score in CASES:
        expected = [m for r in rows for m in reference(index, r, k, earlier_only, min_score)]
        assert batch(index, rows, k, earlier_only, min_score) == expected
    edges = related_edges(index, index.keys)
    expected_edges = [
        (index.keys[q], index.keys[h], round(s, 4)) for r in rows for q, h, s, _, _ in reference(index, r, 5, True, 0.3)
    ]
    assert [(e["src"], e["dst"], e["score"]) for e in edges] == expected_edges
    assert len(expected_edges) > n  # most demo incidents have earlier matches above the stored minimum


def test_the_dense_product_is_scipys_to_the_bit(demo_index: SimilarityIndex) -> None:
    index = demo_index
    rows = np.arange(0, len(index), 3)
    pruned = index._pruned(rows)
    for width in (1, len(index) // 2, len(index)):
        ours = similarity._dense_product(pruned, index._text_t, width)
        theirs = (pruned @ index._text_t).toarray()[:, :width]
        assert ours.shape == theirs.shape
        assert np.array_equal(ours.view(np.int64), theirs.view(np.int64))


@pytest.mark.parametrize("seed", [3, 11])
def test_the_bases_of_a_batch_are_each_matchs_basis(demo_index: SimilarityIndex, seed: int) -> None:
    """related_edges explains its matches in one batch (SimilarityIndex.bases): the strings of `basis`."""
    seen: list[str] = []
    for index in (demo_index, random_index(120, seed)):
        found = list(index.matches(list(range(len(index))), 5, earlier_only=False))
        seen += index.bases(found)
        assert index.bases(found) == [index.basis(m) for m in found]
    # Each form of the string is among them: text alone, weighed items, items of several kinds.
    assert any("no shared stated structure" in b for b in seen) and any("(weight" in b for b in seen)
    assert any(b.count("; ") >= 2 for b in seen)
    assert demo_index.bases([]) == []


def test_related_edges_explained_in_batches_are_the_same(
    demo_index: SimilarityIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = related_edges(demo_index, demo_index.keys)
    monkeypatch.setattr(similarity, "EXPLAIN_BATCH", 7)
    assert related_edges(demo_index, demo_index.keys) == whole
    assert [e["basis"] for e in whole] == [
        demo_index.basis(m)
        for m in demo_index.matches(list(range(len(demo_index))), 5, True, similarity.MIN_STORED_SCORE)
    ]
