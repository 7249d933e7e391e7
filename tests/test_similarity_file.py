"""`kb similar` from the kept index file with numpy alone (kb.analysis.similarity_file): the same rows,
float for float, as SimilarityIndex on every incident; the same bytes from the CLI in every format,
without pandas, scipy or the engine; and SimilarityIndex's answer wherever the file is not for the
database as it is (stale, damaged, of another format)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import kb
from kb.analysis import similarity, similarity_file, similarity_store
from kb.analysis.similarity import SimilarityIndex
from kb.analysis.similarity_store import load_index
from kb.cli.output import records
from kb.quickstart import load_demo
from tests.cli_probe import run_kb


def _kb(*args: str) -> tuple[str, str, list[str]]:
    """(stdout, stderr without the probe line and exit code, heavy modules loaded) of one `kb` process."""
    out, err, loaded, code = run_kb(*args, watch=("pandas", "scipy", "ladybug"))
    return out, f"{err}\nexit {code}", loaded


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("similar-file") / "graph.lbug"
    with kb.connect(engine="ladybug", db=db) as kbase:
        load_demo(kbase, incidents=80, seed=11)
    return db


def _index_file(db: Path) -> Path:
    return db.with_name(f"{db.name}.{similarity_file.CACHE_NAME}")


def test_the_constants_are_those_of_the_index_and_its_file() -> None:
    assert (similarity_file.FORMAT, similarity_file.CACHE_NAME) == (
        similarity_store.FORMAT,
        similarity_store.CACHE_NAME,
    )
    assert similarity_file.COLUMNS == similarity.COLUMNS
    for name in ("TEXT_WEIGHT", "STRUCTURE_WEIGHT", "QUERY_TERMS", "CANDIDATES", "STRUCTURE_KINDS"):
        assert getattr(similarity_file, name) == getattr(similarity, name), name


def test_every_incident_the_same_rows_as_the_similarity_index(demo_db: Path) -> None:
    with kb.connect(engine="ladybug", db=demo_db, read_only=True) as reader:
        index = load_index(reader)
        snapshot = reader.snapshot()
    assert snapshot is not None
    kept = similarity_file.load(_index_file(demo_db), snapshot)
    assert kept is not None, "the ingest's index file does not load here: the fast path never runs"
    answered = 0
    for key in index.keys:
        for k, earlier_only in ((5, True), (8, False), (1, True)):
            expected = [list(r.values()) for r in records(index.similar(key, k, earlier_only))]
            assert similarity_file.similar_rows(kept, key, k, earlier_only) == expected, (key, k, earlier_only)
            answered += bool(expected)
    assert answered > 2 * len(index.keys)


def _unsorted(m: sp.csr_matrix, rng: np.random.Generator) -> sp.csr_matrix:
    """The same matrix with the entries of every other row in a shuffled order."""
    m = m.copy()
    for r in range(0, m.shape[0], 2):
        lo, hi = m.indptr[r], m.indptr[r + 1]
        order = rng.permutation(hi - lo) + lo
        m.indices[lo:hi], m.data[lo:hi] = m.indices[order], m.data[order]
    m.has_sorted_indices = False
    return m


@pytest.mark.parametrize("sort", [True, False])
def test_products_and_scores_in_scipy_order_for_sorted_and_unsorted_rows(demo_db: Path, sort: bool) -> None:
    """The demo's index rows are unsorted (scipy then multiplies in its general order): the same
    index with sorted rows takes scipy's canonical order, and both must be followed exactly."""
    with kb.connect(engine="ladybug", db=demo_db, read_only=True) as reader:
        built = load_index(reader)
    text = built.text_matrix.copy()
    if sort:
        text.sort_indices()
    index = SimilarityIndex.from_arrays(
        keys=built.keys,
        titles=built.titles,
        started_at=built.started_at,
        text_matrix=text,
        text_terms=built.text_terms,
        main_terms=built.main_terms,
        labels=built.labels,
        structure=built.structure,
    )
    kept = similarity_file.KeptIndex(
        keys=built.keys,
        titles=built.titles,
        started_at=built.started_at.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]"),
        text=similarity_file.Csr(text.data, text.indices, text.indptr),
        text_terms=[str(t) for t in built.text_terms],
        labels=built.labels,
        structure=similarity_file.Csr(built.structure.data, built.structure.indices, built.structure.indptr),
    )
    assert kept.sorted.all() == sort
    for key in index.keys:
        expected = [list(r.values()) for r in records(index.similar(key, 6, False))]
        assert similarity_file.similar_rows(kept, key, 6, False) == expected, key
    rng = np.random.default_rng(5)
    a = sp.random(40, 300, density=0.1, format="csr", random_state=1)
    b = sp.random(40, 300, density=0.1, format="csr", random_state=2)
    if not sort:
        a, b = _unsorted(a, rng), _unsorted(b, rng)
    product = a.multiply(b).tocsr()
    sorted_a, sorted_b = (similarity_file.Csr(m.data, m.indices, m.indptr).sorted_rows() for m in (a, b))
    canonical = bool(sorted_a.all() and sorted_b.all())
    assert canonical == sort
    for r in range(40):
        row = (
            similarity_file.Csr(a.data, a.indices, a.indptr).row(r),
            similarity_file.Csr(b.data, b.indices, b.indptr).row(r),
        )
        columns, values = similarity_file._product(*row, canonical)
        lo, hi = product.indptr[r], product.indptr[r + 1]
        assert columns.tolist() == product.indices[lo:hi].tolist() and values.tolist() == product.data[lo:hi].tolist()


def _variants(key: str) -> list[list[str]]:
    return [
        ["similar", key],
        ["similar", key, "--format", "json"],
        ["similar", key, "-k", "8", "--any-time", "--format", "csv"],
        ["similar", key, "-k", "2", "--format", "json"],
        ["similar", "INC-NOPE-1"],
    ]


def test_the_cli_prints_the_same_bytes_without_pandas_scipy_or_the_engine(demo_db: Path, tmp_path: Path) -> None:
    with kb.connect(engine="ladybug", db=demo_db, read_only=True) as reader:
        key = load_index(reader).keys[-1]
    fresh = tmp_path / "fresh" / "graph.lbug"  # the same content, no index file: built in memory
    fresh.parent.mkdir()
    shutil.copyfile(demo_db, fresh)
    for args in _variants(key):
        out, err, loaded = _kb(*args, "--db", str(demo_db))
        built = _kb(*args, "--db", str(fresh))
        assert "pandas" in built[2] and "ladybug" in built[2]
        assert (out, err) == built[:2], args
        assert loaded == [], f"{args}: loaded {loaded}"
    assert "no such incident" in _kb(*_variants(key)[-1], "--db", str(demo_db))[1]


def test_a_stale_or_damaged_file_is_not_used(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "graph.lbug"
    shutil.copyfile(demo_db, db)
    shutil.copyfile(_index_file(demo_db), _index_file(db))
    with kb.connect(engine="ladybug", db=db) as writer:
        key = load_index(writer).keys[-1]
        # A write outside any hook: the index file now names content the database no longer has.
        writer.write([("MATCH (i:Incident {key: $k}) SET i.title = 'Nothing alike at all'", {"k": key})])
        snapshot = writer.snapshot()
    assert snapshot is not None
    fresh = tmp_path / "fresh" / "graph.lbug"  # the same content, no index file
    fresh.parent.mkdir()
    shutil.copyfile(db, fresh)
    args = ["similar", key, "--any-time", "--format", "json"]
    expected = _kb(*args, "--db", str(fresh))
    kept = _index_file(db)
    for damage in (None, b"not a zip file", kept.read_bytes()[:1000]):
        if damage is not None:
            kept.write_bytes(damage)
        assert similarity_file.load(kept, snapshot) is None
        out, err, loaded = _kb(*args, "--db", str(db))
        assert (out, err) == expected[:2] and "pandas" in loaded
