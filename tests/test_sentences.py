"""`sentences` splits prose as its regular expression does; texts that cannot split skip the split."""

from __future__ import annotations

import re

import pytest

from kb.analysis.language import sentences

_SPLIT = re.compile(r"(?<=[.!?;])\s+(?=\S)|\n+")


def _by_the_split(text: str) -> list[str]:
    """What `sentences` gave before texts that cannot split skipped the split."""
    return [s.strip() for s in _SPLIT.split(text or "") if s and s.strip()]


TEXTS = [
    "",
    "   ",
    "One sentence without an end",
    "One sentence.",
    "  Padded sentence.  ",
    "First. Second! Third? Fourth; fifth",
    "No space after.the stop",
    "e.g.such",
    "Ends with a stop then spaces.   ",
    "A stop then a no-break space.\u00a0Next",
    "A stop then a next-line char.\x85Next",
    "A stop then a tab.\tNext",
    "A stop then an em space.\u2003Next",
    "Line one\nLine two",
    "Line one\r\nLine two",
    "Only a carriage return\rhere",
    "Two blank lines\n\n\nthen text",
    "\n",
    "Trailing newline\n",
    "Semicolon;then no space",
    "Ellipsis... then more",
    "Unicode full stop\u3002 Next",
]


@pytest.mark.parametrize("text", TEXTS)
def test_sentences_split_as_the_expression_does(text: str) -> None:
    assert sentences(text) == _by_the_split(text)


def test_none_is_no_sentence() -> None:
    assert sentences(None) == []  # type: ignore[arg-type]
