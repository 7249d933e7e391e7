"""Search incidents, factors and findings by words and tags, ranked, with the incident of each hit.

An in-memory TF-IDF index over catalogue query results (Ladybug's FTS extension is not
available offline, and the same code then serves both engines). A document's text is
its title / summary / statement plus its tags (theme slugs count as a factor's tags),
so words match tags too. `tags` filters: a hit must carry every tag itself or through
its incident. A query word that is not in the vocabulary is replaced by its closest
spelling in it (rapidfuzz), so a typo still finds something.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from kb.analysis.incident_features import Queryable, as_list
from kb.analysis.text import TfidfIndex, tokens

COLUMNS = ["rank", "kind", "key", "incident", "score", "tags", "text"]
KINDS: tuple[str, ...] = ("incident", "finding", "factor")
_KIND_ORDER = {k: i for i, k in enumerate(KINDS)}
FUZZY_CUTOFF = 85.0


class SearchIndex:
    def __init__(self, kbase: Queryable) -> None:
        inc = kbase.query("incidents_with_text")
        factors = kbase.query("patterns_factors")
        links = kbase.query("patterns_factor_themes")
        findings = kbase.query("patterns_all_findings")
        incident_tags = {str(k): as_list(t) for k, t in zip(inc["incident"], inc["tags"], strict=True)}
        themes: dict[str, list[str]] = defaultdict(list)
        for f, t in zip(links["factor"], links["theme"], strict=True):
            themes[str(f)].append(str(t))
        docs: list[dict[str, object]] = []
        for r in inc.itertuples(index=False):
            text = " ".join(str(v) for v in (r.title, r.summary) if isinstance(v, str))
            docs.append(
                {
                    "kind": "incident",
                    "key": r.incident,
                    "incident": r.incident,
                    "text": text,
                    "tags": incident_tags.get(str(r.incident), []),
                }
            )
        for r in findings.itertuples(index=False):
            docs.append(
                {
                    "kind": "finding",
                    "key": r.finding,
                    "incident": r.incident,
                    "text": str(r.statement or ""),
                    "tags": as_list(r.tags),
                }
            )
        for r in factors.itertuples(index=False):
            docs.append(
                {
                    "kind": "factor",
                    "key": r.factor,
                    "incident": r.incident,
                    "text": str(r.statement or ""),
                    "tags": sorted(themes.get(str(r.factor), [])),
                }
            )
        self.docs = pd.DataFrame(docs, columns=["kind", "key", "incident", "text", "tags"])
        self.incident_tags = incident_tags
        searchable = [
            f"{d['text']} {' '.join(str(t).replace('-', ' ') for t in d['tags'])}"  # type: ignore[attr-defined]
            for d in docs
        ]
        self.index = TfidfIndex(searchable)
        self._vocab = list(self.index.vocab)

    def _query_words(self, text: str) -> str:
        words = []
        for w in tokens(text):
            if w in self.index.vocab or not self._vocab:
                words.append(w)
                continue
            best = process.extractOne(w, self._vocab, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
            if best is not None:
                words.append(str(best[0]))
        return " ".join(words)

    def search(
        self, text: str = "", tags: Sequence[str] = (), kinds: Sequence[str] = KINDS, limit: int = 20
    ) -> pd.DataFrame:
        docs = self.docs
        mask = docs["kind"].isin(list(kinds)).to_numpy().copy()
        wanted = {t.lower() for t in tags}
        if wanted:
            carries = [
                wanted <= ({str(t).lower() for t in d_tags} | {t.lower() for t in self.incident_tags.get(str(inc), [])})
                for d_tags, inc in zip(docs["tags"], docs["incident"], strict=True)
            ]
            mask &= np.array(carries, dtype=bool)
        if text.strip():
            q = self.index.transform([self._query_words(text)])
            scores = np.asarray((self.index.matrix @ q.T).toarray()).ravel()
            mask &= scores > 0
        else:
            scores = np.ones(len(docs))  # a tag-only search lists everything that carries the tags
        hits = docs[mask].assign(score=np.round(scores[mask], 4))
        hits = hits.assign(_order=hits["kind"].map(_KIND_ORDER))
        hits = hits.sort_values(["score", "_order", "key"], ascending=[False, True, True], kind="stable")
        hits = hits.head(limit).reset_index(drop=True)
        hits.insert(0, "rank", range(1, len(hits) + 1))
        return hits[COLUMNS]


def search(
    kbase: Queryable, text: str = "", tags: Sequence[str] = (), kinds: Sequence[str] = KINDS, limit: int = 20
) -> pd.DataFrame:
    """Ranked hits: rank, kind (incident | finding | factor), key, incident, score, tags, text."""
    return SearchIndex(kbase).search(text, tags, kinds, limit)
