"""learned_terms for some incidents: the corpus decides what is rare, the counts are only theirs."""

from __future__ import annotations

import random

from kb.analysis.entities import learned_terms

WORDS = ["pythia", "hellman", "utoronto", "gateway", "rollout", "quota", "2024", "the", "node", "cache"]


def _corpus(seed: int, n: int = 60) -> tuple[dict[str, str], dict[str, str]]:
    """Documents of common words and of names from a pool, each name once or twice in a document."""
    rng = random.Random(seed)
    pool = [f"system{j}" for j in range(150)]  # a name in a few documents, twice in some: learned
    docs, titles = {}, {}
    for i in range(n):
        key = f"INC-{i:03d}"
        names = rng.sample(pool, rng.randint(0, 6))
        titles[key] = " ".join(names[:2] + rng.choices(WORDS, k=2)) + " outage"
        body = [w for name in names for w in [name] * rng.randint(1, 2)] + rng.choices(WORDS, k=20)
        rng.shuffle(body)
        docs[key] = f"{titles[key]}\n{' '.join(body)}"
    return docs, titles


def test_the_terms_of_some_incidents_are_theirs_in_the_whole_corpus() -> None:
    for seed in range(20):
        docs, titles = _corpus(seed)
        whole = learned_terms(docs, titles)
        assert any(whole.values()), "the corpus learns some terms"
        some = random.Random(seed).sample(sorted(docs), 5) + ["INC-MISSING"]
        got = learned_terms(docs, titles, some)
        assert got == {k: whole[k] for k in some if k in docs}
        assert all(list(got[k]) == list(whole[k]) for k in got), "in the same order"
