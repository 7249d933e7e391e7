"""The after-ingest hooks' shortcuts change nothing: the neighbourhood check finds the incidents a
check of every fresh one finds, the entity scan's substring test skips no name the regex finds, and
tokens remembered per word are the tokens."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import kb
from kb.analysis import similarity
from kb.analysis import text as text_module
from kb.analysis.entities import vocabulary_mentions
from kb.analysis.similarity import SimilarityIndex
from kb.analysis.text import STOPWORDS, tokens
from kb.knowledge_base import KnowledgeBase

from .patterns_fixture import packets


def _affected_by_every_match(index: SimilarityIndex, fresh: list[str], k: int) -> list[str]:
    """affected_incidents as first written: the later neighbours of every fresh incident."""
    rows = sorted(index.row_of[key] for key in fresh)
    out = set(fresh)
    for m in index.matches(
        rows, similarity.NEIGHBOURHOOD * k, earlier_only=False, min_score=similarity.MIN_STORED_SCORE
    ):
        if m.hit > m.query:
            out.add(index.keys[m.hit])
    return sorted(out)


def test_the_neighbourhood_check_skips_only_incidents_with_nothing_but_fresh_ones_after_them(
    any_kb: KnowledgeBase,
) -> None:
    any_kb.ingest_packets(packets())
    index = SimilarityIndex.build(any_kb)
    keys = list(index.keys)  # in start order
    all_but_one = [keys[:i] + keys[i + 1 :] for i in range(len(keys))]
    for fresh in [keys, keys[20:], keys[:20], keys[::2], keys[1::3] + keys[-5:], keys[-1:], keys[:1], *all_but_one]:
        for k in (1, similarity.DEFAULT_K):
            expected = _affected_by_every_match(index, fresh, k)
            assert similarity.affected_incidents(index, fresh, k) == expected
    # Incidents earlier than stored ones do bring those in: the check is not skipped for them.
    assert len(similarity.affected_incidents(index, keys[:1])) > 1


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Upgraded the K8S nodes and the Nginx ingress", {"kubernetes", "ingress-nginx"}),
        ("Upgraded the \u212a8s nodes", {"kubernetes"}),  # the Kelvin sign: re.IGNORECASE folds it to k
        ("Rotated the certificates; a DNS record was stale", {"certificate", "dns"}),
        ("kube-dns restarted", {"coredns"}),
        ("Helmets and certainty", set()),
    ],
)
def test_vocabulary_mentions_find_what_the_regex_finds(text: str, names: set[str]) -> None:
    assert {row["name"] for row in vocabulary_mentions("X-1", text)} == names


def _related_after_two_ingests() -> list[tuple[str, str, float, str]]:
    with kb.connect(engine="ladybug", db=":memory:") as kbase:
        kbase.ingest_packets(packets()[:-1])
        kbase.ingest_packets(packets()[-1:])
        edges = similarity.stored_related(kbase)
        return sorted(
            (str(r.incident), str(r.related), float(r.score), str(r.basis)) for r in edges.itertuples(index=False)
        )


def test_the_check_runs_again_on_the_written_mentions_when_they_are_not_the_expected_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    normal = _related_after_two_ingests()
    # As if the replacement were expected to leave no mentions at all: the index built on that is wrong.
    monkeypatch.setattr(similarity, "mentions_once_replaced", lambda *_: pd.DataFrame(columns=["incident", "kind"]))
    assert _related_after_two_ingests() == normal


def _tokens_as_first_written(text: str | None) -> list[str]:
    if not text:
        return []
    return [
        w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
        for w in re.findall(r"[a-z0-9]+", text.lower())
        if w not in STOPWORDS and len(w) > 1
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "The Pools were drained; pools, class, glass, bus, gas, is, as, has",
        "A I x 1 22 x9 k8s TLS-certs timeouts Timeouts",
        "\u0130stanbul Stra\u00dfe \u03a3\u0391\u03a3 caf\u00e9 na\u00efve",
    ],
)
def test_tokens_remembered_per_word_are_the_tokens(text: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert tokens(text) == _tokens_as_first_written(text)
    assert tokens(text) == _tokens_as_first_written(text)  # from the remembered words
    monkeypatch.setattr(text_module, "_TOKEN_OF_MAX", 0)  # forgotten once full
    tokens("seen")
    assert tokens(text) == _tokens_as_first_written(text)
    tokens("other words")
    assert set(text_module._TOKEN_OF) == {"other", "words"}


def test_the_earlier_only_check_of_many_rows_finds_what_each_row_checked_alone_finds(
    any_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows checked together are scored only against the incidents before each block's last row (cut
    at PREFIX_STEPS widths); one row is scored against all of them, as every row was before."""
    any_kb.ingest_packets(packets())
    index = SimilarityIndex.build(any_kb)
    monkeypatch.setattr(similarity, "BLOCK_CELLS", 3 * len(index))  # blocks of three rows
    monkeypatch.setattr(similarity, "PREFIX_STEPS", 4)
    rows = list(range(len(index)))
    for k in (1, similarity.DEFAULT_K):
        together = [(m.query, m.hit, m.score, m.text, m.structure) for m in index.matches(rows, k)]
        alone = [(m.query, m.hit, m.score, m.text, m.structure) for r in rows for m in index.matches([r], k)]
        assert together == alone
        assert len({m[0] for m in together}) == len(rows) - 1  # every row but the first has earlier ones


def test_rows_checked_together_pick_tied_candidates_as_each_row_checked_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Twins tie: which of them are rescored decides the matches, and must not depend on the batch."""
    n = 400
    monkeypatch.setattr(similarity, "BLOCK_CELLS", 10 * n)
    monkeypatch.setattr(similarity, "PREFIX_STEPS", 4)
    rng = np.random.default_rng(7)
    text = sp.csr_matrix(rng.integers(0, 2, size=(n, 3)).astype(float) + np.array([1.0, 0.0, 0.0]))
    text = sp.csr_matrix(text.multiply(1 / np.sqrt(text.multiply(text).sum(axis=1))))
    structure = sp.csr_matrix(rng.integers(0, 2, size=(n, 2)).astype(float))
    keys = [f"INC-{i:04d}" for i in range(n)]
    started = pd.Series(pd.date_range("2026-01-01", periods=n, freq="h", tz="UTC"))
    index = SimilarityIndex.from_arrays(
        keys, keys, started, text, np.array(["a", "b", "c"], dtype=object), 3, ["theme:x", "service:y"], structure
    )
    rows = list(range(n))
    together = [(m.query, m.hit, m.score) for m in index.matches(rows, similarity.DEFAULT_K)]
    alone = [(m.query, m.hit, m.score) for r in rows for m in index.matches([r], similarity.DEFAULT_K)]
    assert together == alone
