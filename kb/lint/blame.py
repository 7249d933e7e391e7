"""Blame language anywhere in the text, with a systems-framed question to ask instead."""

from __future__ import annotations

from collections.abc import Iterator

from kb.analysis.language import blame_hits_each
from kb.lint.model import Hit, Level, LintContext
from kb.lint.registry import Options, rule
from kb.lint.where import handles, texts
from kb.model import EventPacket

FAMILY = "blame language"

_MESSAGE = {
    "term": "blaming word '{trigger}'",
    "counterfactual": "hindsight about people ('{trigger}')",
    "person-subject": "a person ('{trigger}') is the subject of a cause",
}


@rule(
    "blame-language",
    FAMILY,
    Level.ERROR,
    "'X forgot', 'should have', 'careless', 'human error', 'negligent' or a person as the subject of a cause",
)
def blame_language(packet: EventPacket, ctx: LintContext, opts: Options) -> Iterator[Hit]:
    names = handles(packet)
    located = list(texts(packet))
    for (location, _, _), hits in zip(located, blame_hits_each(((t, c) for _, t, c in located), names), strict=True):
        for hit in hits:
            yield Hit(location, hit.sentence, _MESSAGE[hit.kind].format(trigger=hit.trigger), hit.rewrite)
