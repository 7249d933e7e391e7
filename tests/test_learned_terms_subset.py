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


def _twelve(
    first_two: str, title: str = "outage of the {} hub", subject: str = "billing"
) -> tuple[dict[str, str], dict[str, str]]:
    """Twelve reports, the first two with `first_two` as their body and a title naming `subject`."""
    docs, titles = {}, {}
    for n in range(12):
        key = f"DOC-{n:02d}"
        titles[key] = title.format(subject) if n < 2 else f"Outage {n} of the storage {n}"
        body = first_two if n < 2 else f"Report {n}: the storage hosts stopped answering."
        docs[key] = f"{titles[key]}\n{body}"
    return docs, titles


def _learned(docs: dict[str, str], titles: dict[str, str]) -> set[str]:
    return {t for terms in learned_terms(docs, titles).values() for t in terms}


def test_a_rare_word_written_only_in_lower_case_is_not_learned() -> None:
    # "billing" is rare, in the titles and twice in each of two reports: an ordinary word there.
    docs, titles = _twelve("The billing hub failed; billing came back later.")
    assert "billing" not in _learned(docs, titles)


def test_a_rare_word_written_as_a_name_is_learned() -> None:
    for body in (
        "The Billing hub failed; then Billing came back.",  # capitalised inside sentences
        "The BILLING hub failed; billing came back.",  # in capitals, once of two
        "See billing.example.org: the billing hub failed.",  # a host name
        "The `billing-api` pods failed; billing came back.",  # part of an identifier
    ):
        docs, titles = _twelve(body)
        assert "billing" in _learned(docs, titles), body


def test_a_capital_at_a_sentence_or_line_start_does_not_make_a_name() -> None:
    docs, titles = _twelve("Billing failed at noon.\n- Billing came back. Billing is fine.\n## Billing\nbilling")
    assert "billing" not in _learned(docs, titles)


def test_a_title_in_title_case_does_not_make_its_words_names() -> None:
    docs, titles = _twelve("The billing hub failed; billing came back.", "Outage Of The {} Hub", "Billing")
    assert "billing" not in _learned(docs, titles)


def test_a_vocabulary_word_is_not_learned_again_as_its_token() -> None:
    # "kubernetes" is in the vocabulary; its token "kubernete" was learned too (a second component).
    docs, titles = _twelve("The Kubernetes control plane failed; Kubernetes came back.", title="{} kubernetes outage")
    assert not {"kubernetes", "kubernete"} & _learned(docs, titles)
