"""A small TF-IDF text index on scipy.sparse, shared by similarity, theme suggestion and search.

Written here rather than taken from scikit-learn because importing sklearn costs about a
second, and the similarity check runs after every ingest.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import chain

import numpy as np
import scipy.sparse as sp

_WORD = re.compile(r"[a-z0-9]+")
_NOT_WORD_TO_SPACE = bytes(c if 0x61 <= c <= 0x7A or 0x30 <= c <= 0x39 else 0x20 for c in range(256))
"""A byte translation table: a-z and 0-9 kept, every other byte a space."""
STOPWORDS = frozenset(
    """
a an the and or but nor of to in on at by for with from into onto over under as is are was were be been
being it its this that these those there their them they we our us you your he she his her not no so
than then too very can could would should will shall may might must do does did done has have had having
which who whom whose what when where why how all any each every both few more most other some such only
own same also just about after before during while because until again further once out up down off
""".split()  # noqa: SIM905 (a word list reads better as text)
)


def _stem(word: str) -> str:
    # Plural folding only: "pools" ~ "pool", "timeouts" ~ "timeout"; cheap and predictable.
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _token(word: str) -> str:
    """The token a word gives, or "" for none (a stop word, a single character)."""
    return "" if word in STOPWORDS or len(word) <= 1 else _stem(word)


_TOKEN_OF: dict[str, str] = {}
"""word -> _token(word): words repeat, so each is looked at once (an ingest tokenises the corpus twice)."""
_TOKEN_OF_MAX = 500_000


def _words(lowered: str) -> list[str]:
    """_WORD.findall(lowered): ASCII text (nearly all of it) through a byte translation and a split,
    a third faster than the regex scan, which an ingest runs over every incident's text three times."""
    if lowered.isascii():
        return lowered.encode("ascii").translate(_NOT_WORD_TO_SPACE).decode("ascii").split()
    return _WORD.findall(lowered)


def tokens(text: str | None) -> list[str]:
    """Lower-case word tokens without stop words, plurals folded."""
    if not text:
        return []
    words = _words(text.lower())
    known = _TOKEN_OF
    if len(known) > _TOKEN_OF_MAX:
        known.clear()
    try:
        return [t for t in map(known.__getitem__, words) if t]
    except KeyError:  # a word not seen before
        for word in set(words).difference(known):
            known[word] = _token(word)
        return [t for t in map(known.__getitem__, words) if t]


class TfidfIndex:
    """Sublinear TF-IDF, L2-normalised rows: the dot product of two rows is their cosine."""

    def __init__(self, docs: Sequence[str | None], min_df: int = 1) -> None:
        toks = [Counter(tokens(d)) for d in docs]
        df: Counter[str] = Counter()
        for t in toks:
            df.update(t.keys())
        self.vocab: dict[str, int] = {w: i for i, w in enumerate(sorted(w for w, n in df.items() if n >= min_df))}
        self.terms = np.array(sorted(self.vocab, key=self.vocab.__getitem__), dtype=object)
        n = len(docs)
        counts = np.zeros(len(self.vocab))
        for w, i in self.vocab.items():
            counts[i] = df[w]
        self.idf = np.log((1 + n) / (1 + counts)) + 1.0
        self.matrix = self._encode(toks)

    def _encode(self, toks: Iterable[Counter[str]]) -> sp.csr_matrix:
        # Every (document, word) at C speed (a loop over them was a third of the index build): each
        # row's words in the order counted, 1 + log(count) worked out once per distinct count.
        toks = list(toks)
        vocab = self.vocab
        found = list(map(vocab.get, chain.from_iterable(toks)))
        counts = list(chain.from_iterable(t.values() for t in toks))
        ends = np.cumsum([0, *map(len, toks)], dtype=np.int64)
        if None in found:  # words not in the vocabulary (min_df, `transform`): left out of their rows
            known = np.fromiter((j is not None for j in found), dtype=bool, count=len(found))
            found = [j for j in found if j is not None]
            counts = [c for c, k in zip(counts, known.tolist(), strict=True) if k]
            ends = np.concatenate([[0], np.cumsum(known)])[ends]
        logs = {c: 1.0 + math.log(c) for c in set(counts)}
        data = np.fromiter(map(logs.__getitem__, counts), dtype=np.float64, count=len(counts))
        indices = np.fromiter(found, dtype=np.int64, count=len(found))
        m = sp.csr_matrix((data, indices, ends), shape=(len(toks), len(self.vocab)))
        m = m.multiply(self.idf[np.newaxis, :]).tocsr() if m.nnz else m
        return normalise_rows(m)

    def transform(self, docs: Sequence[str | None]) -> sp.csr_matrix:
        """Vectors for new text in this index's vocabulary (unknown words are ignored)."""
        return self._encode(Counter(tokens(d)) for d in docs)

    def shared_terms(self, a: sp.csr_matrix, b: sp.csr_matrix, limit: int = 4) -> list[str]:
        """The words that contribute most to the cosine of two single-row vectors."""
        prod = a.multiply(b).tocsr()
        if prod.nnz == 0:
            return []
        order = np.argsort(-prod.data, kind="stable")[:limit]
        return [str(self.terms[prod.indices[i]]) for i in order]


def normalise_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ m)
