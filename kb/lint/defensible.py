"""Findings that are not defensible statements: a judgement with no mechanism."""

from __future__ import annotations

from collections.abc import Iterator

from kb.analysis.language import indefensible, vague_action
from kb.lint.model import Hit, Level, LintContext
from kb.lint.registry import Options, rule
from kb.lint.where import findings, tracker_reference
from kb.model import EventPacket

FAMILY = "defensible findings"


@rule(
    "indefensible-finding",
    FAMILY,
    Level.WARNING,
    "a finding that states a judgement ('monitoring was bad') or is shorter than `min_words` words, with no mechanism",
    min_words=5,
)
def indefensible_finding(packet: EventPacket, ctx: LintContext, opts: Options) -> Iterator[Hit]:
    for _, f, loc in findings(packet):
        if vague_action(f.statement):
            continue  # a vague action is reported once, by vague-finding
        ref = tracker_reference(f.statement)
        if ref and len(f.statement.replace(ref, "").split()) <= 2:
            continue  # only a ticket reference ("#2213"): the ticket holds the mechanism
        why = indefensible(f.statement, int(opts["min_words"]))
        if why:
            yield Hit(
                loc,
                f.statement,
                why,
                "State the mechanism so the finding can be checked: 'Because <condition>, <effect> "
                "happened; <change> breaks that link' (e.g. 'Because checkout shares one connection "
                "pool with recommendations, campaign reads starve checkout; split the pools').",
            )
