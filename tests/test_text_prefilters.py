"""Cheap tests that stand in for costlier ones on every text of `kb check --all`: each must answer
what the costly one answers (the role pattern's search, a path's stem)."""

from __future__ import annotations

import itertools

import pytest

from kb.analysis import language
from kb.analysis.repeat_evidence import _names

ROLE_SENTENCES = [
    "The on-call engineer restarted the pods.",
    "the oncall ran the script",
    "An on call person paged us",
    "Our new  hire deployed it",
    "the TEAM LEAD approved",
    "the incident commander decided",
    "One release manager shipped it",
    "the staff member left",
    "Someone deleted the bucket.",
    "somebody pushed to main",
    "He restarted it.",
    "she (the responder) ran it",
    "-he ran it",
    "the-he ran",
    "he_ ran it",
    "(he) ran it",
    "The engineers restarted it.",
    "We restarted the cache.",
    "The cache expired together.",
    "The theme changed",
    "shell scripts",
    "Their dba dropped a table",
    "the intern's script",
    "His   individual approver",
    "Ｔhe engineer ran it",  # (not ASCII: the pattern decides alone)
    "the ſre ran it",
    "",
]


@pytest.mark.parametrize("sentence", ROLE_SENTENCES)
def test_the_role_prefilter_answers_as_the_pattern(sentence: str) -> None:
    lower = sentence.lower() if sentence.isascii() else None
    assert language._names_a_role(sentence, lower) == bool(language._ROLE_RE.search(sentence))


def test_every_role_sentence_of_the_list_is_told_apart() -> None:
    # (the list holds sentences that name a role and ones that do not: both answers are tested)
    answers = {bool(language._ROLE_RE.search(s)) for s in ROLE_SENTENCES}
    assert answers == {True, False}


def test_the_role_prefilter_on_generated_sentences() -> None:
    pieces = ["the ", "a ", "he", "she", " ", "-", "_", "(", "on", "call", "new hire", "x", "lead", "some", "one", "."]
    for parts in itertools.product(pieces, repeat=3):
        s = "".join(parts)
        assert language._names_a_role(s, s.lower()) == bool(language._ROLE_RE.search(s)), s


def test_names_of_a_report() -> None:
    assert _names("INC-2024-00001", "docs/2024-01-02 - Outage.md") == {
        "inc-2024-00001",
        "2024-01-02 - outage",
        "2024-01-02",
    }
    assert _names("INC-2024-00001", None) == {"inc-2024-00001"}
    assert _names("short", 3) == set()
