"""kb.analysis.text._words (a byte translation for ASCII text) splits text as the regex it stands in for."""

from __future__ import annotations

import random
import string

import pytest

from kb.analysis.text import _WORD, _words, tokens

SAMPLES = [
    "",
    "   ",
    "LEAP hub outage: 503s on /hub/api (pods OOMKilled), 2x in 24h.",
    "snake_case-and-kebab mixed.With.dots\tand\ttabs\nand newlines\r\n",
    "\x00nul\x00bytes\x1fand\x7fdel",
    "numbers 0 12 3.14 1e9 v2.0.1 #42",
    "Ünïcödé café naïve résumé",  # non-ASCII: the regex path
    "\u212a\u212b KELVIN",  # the Kelvin sign lower-cases to ASCII "k"
    "\u0130stanbul",  # a dotted capital I: "i" plus a combining dot
    "ＦＵＬＬ width ＡＢＣ",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_words_are_the_regex_matches(text: str) -> None:
    lowered = text.lower()
    assert _words(lowered) == _WORD.findall(lowered)


def test_random_ascii_text_splits_as_the_regex() -> None:
    rng = random.Random(15)
    alphabet = string.printable + "\x00\x01\x1c\x1d\x1e\x1f\x7f_-"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80))).lower()
        assert _words(text) == _WORD.findall(text), repr(text)


def test_tokens_drop_stop_words_and_fold_plurals() -> None:
    assert tokens("The pods were OOMKilled: 3 pods, 2 nodes_down") == ["pod", "oomkilled", "pod", "node"]
