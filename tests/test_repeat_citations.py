"""repeat_evidence.cited skips tokenising a text that holds no name's beginning (issue 15): it names the
same incidents, in the same order, as tokenising every text."""

from __future__ import annotations

import re

import pytest

from kb.analysis import repeat_evidence
from kb.analysis.repeat_evidence import MAX_PREFIXES, TokenNames, _names, _token_keys, cited

KEYS = {"INC-2024-00001": None, "INC-2024-00042": "/reports/2024-03-01 - db outage.md", "pm-7731": "x/PM-7731.pdf"}
NAMES = {n: k for k, f in KEYS.items() for n in _names(k, f)}
TEXTS = [
    "",
    "Nothing cites anything here, though it was 2024 and 42 people were paged.",
    "Same as INC-2024-00042, and see inc-2024-00001.",
    "Linked: [report](https://wiki/2024-03-01%20-%20db%20outage.md) and PM-7731.pdf; then INC-2024-00001.",
    "Ends with a citation INC-2024-00042.",
    "Trailing punctuation: inc-2024-00001-- and INC-2024-00042__ and pm-7731.",
    "Non-ASCII around it: ſame ÏNC İNC-2024-00001 Σ INC-2024-00042ς.",
    "Glued: xINC-2024-00001 is no citation, INC-2024-000421 is none either.",
    "A" * 250 + "INC-2024-00001 inside a long run, and INC-2024-00042 alone.",
]


def _cited_by_tokens(text: str, names: dict[str, str]) -> list[str]:
    """What cited() gave tokenising every text."""
    out: list[str] = []
    for tok in repeat_evidence._REF.findall(text):
        for key in _token_keys(tok, names):
            if key not in out:
                out.append(key)
    return out


@pytest.mark.parametrize("text", TEXTS)
def test_cited_as_tokenising_every_text(text: str) -> None:
    known = TokenNames(NAMES)
    assert known.prefixes is not None  # the prefilter is in use
    assert cited(text, NAMES, known) == _cited_by_tokens(text, NAMES) == cited(text, NAMES)


def test_texts_that_cite_are_found_and_others_skip_tokenising(monkeypatch: pytest.MonkeyPatch) -> None:
    assert cited(TEXTS[2], NAMES) == ["INC-2024-00042", "INC-2024-00001"]
    assert cited(TEXTS[3], NAMES) == ["INC-2024-00042", "pm-7731", "INC-2024-00001"]
    calls: list[str] = []
    pattern = repeat_evidence._REF.pattern

    class Counting:
        def findall(self, text: str) -> list[str]:
            calls.append(text)
            return re.findall(pattern, text)

    monkeypatch.setattr(repeat_evidence, "_REF", Counting())
    known = TokenNames(NAMES)
    assert cited(TEXTS[1], NAMES, known) == [] and calls == []
    assert cited(TEXTS[2], NAMES, known) == ["INC-2024-00042", "INC-2024-00001"] and calls == [TEXTS[2]]


def test_a_name_cited_in_capitals() -> None:
    names = {"inc-2024-00001": "INC-2024-00001", "ab1": "AB1"}  # a short name is looked for whole
    assert cited("see INC-2024-00001 and Ab1.", names, TokenNames(names)) == ["INC-2024-00001", "AB1"]


def test_many_name_beginnings_tokenise_every_text() -> None:
    names = {f"{i:03d}-report-{i}": f"K-{i}" for i in range(MAX_PREFIXES + 1)}
    known = TokenNames(names)
    assert known.prefixes is None
    assert cited("see 064-report-64 and 000-report-0", names, known) == ["K-64", "K-0"]
    assert TokenNames({}).prefixes == frozenset() and cited("INC-2024-00001", {}) == []
