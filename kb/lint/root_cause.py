"""Single root cause: one factor, one category, or a chain that stops at a person."""

from __future__ import annotations

from collections.abc import Iterator

from kb.analysis.frameworks import chains_stopping_at_person
from kb.analysis.language import blame_hits, names_a_person_as_cause
from kb.lint.model import Hit, Level, LintContext
from kb.lint.registry import Options, rule
from kb.lint.where import clip, handles, unreviewed_import
from kb.model import IMPACT, STATED_AS_CAUSES, EventPacket

FAMILY = "single root cause"


@rule(
    "single-root-cause",
    FAMILY,
    Level.WARNING,
    "an analysis with fewer than `min_factors` factors about the system (factors that only name a person "
    "do not count): one cause is never the whole story",
    min_factors=2,
)
def single_root_cause(packet: EventPacket, ctx: LintContext, opts: Options) -> Iterator[Hit]:
    least = int(opts["min_factors"])
    names = handles(packet)
    for a in packet.analyses:
        systemic = [f for f in a.factors if names_a_person_as_cause(f.statement, names) is None]
        if not a.factors and unreviewed_import(packet):
            yield Hit(
                f"analyses.{a.id}.factors",
                "no factors recorded",
                "to do for the review: the imported document lists no contributing factors",
                "Work out the contributing factors in the review (what let the fault in, what "
                "delayed detection, what made repair slow) and record each as a factor.",
                Level.INFO,
            )
            continue
        if len(systemic) < least:
            evidence = "; ".join(f"{f.id}: {f.statement}" for f in a.factors) or "no factors recorded"
            blamed = len(a.factors) - len(systemic)
            plus = f" (plus {blamed} that only name(s) a person)" if blamed else ""
            if unreviewed_import(packet) and not any(f.read_from in STATED_AS_CAUSES for f in systemic):
                # What the importer lifted (a summary's root-cause paragraph, one "what went wrong"
                # line) is the document's prose, not a review that settled on one cause: a to-do.
                # A document that lists one contributing factor as such did settle: the warning.
                yield Hit(
                    f"analyses.{a.id}.factors",
                    clip(evidence),
                    f"to do for the review: the imported document gives {len(systemic)} cause statement(s){plus}, "
                    "not yet an analysis",
                    "Split the statement into the conditions it names and ask what else had to be true: "
                    "what let the fault in, what delayed detection, what made repair slow? Record each as a factor.",
                    Level.INFO,
                )
                continue
            yield Hit(
                f"analyses.{a.id}.factors",
                clip(evidence),
                f"{len(systemic)} factor(s){plus} in a {a.method.value} analysis",
                "Ask what else had to be true for this to hurt: what let the fault in, what delayed "
                "detection, what made repair slow? Record each as a factor.",
            )


@rule(
    "single-category",
    FAMILY,
    Level.WARNING,
    "every factor of an analysis in one category (technical, process or organizational)",
    min_factors=2,
)
def single_category(packet: EventPacket, ctx: LintContext, opts: Options) -> Iterator[Hit]:
    for a in packet.analyses:
        cats = {f.category for f in a.factors}
        if len(a.factors) >= int(opts["min_factors"]) and len(cats) == 1:
            (cat,) = cats
            evidence = "; ".join(f"{f.id} ({f.category.value}): {f.statement}" for f in a.factors)
            others = " and ".join(sorted({"technical", "process", "organizational"} - {cat.value}))
            all_guessed = all(f.category_guessed for f in a.factors)
            guessed = " (categories guessed at import: confirm them)" if all_guessed else ""
            # Keyword guesses prove nothing about the analysis: confirming them is a to-do.
            yield Hit(
                f"analyses.{a.id}.factors",
                clip(evidence),
                f"all {len(a.factors)} factors are {cat.value}{guessed}",
                f"Look for {others} factors: what in how we plan, review, staff or own this work "
                f"let the {cat.value} conditions turn into an incident?",
                Level.INFO if all_guessed else None,
            )


@rule(
    "chain-ends-at-person",
    FAMILY,
    Level.ERROR,
    "a causal chain that stops at a person or at 'human error' instead of the conditions around them",
)
def chain_ends_at_person(packet: EventPacket, ctx: LintContext, opts: Options) -> Iterator[Hit]:
    names = handles(packet)
    for a in packet.analyses:
        if unreviewed_import(packet) and all(inf.target == IMPACT for inf in a.influences):
            # The importer's flat list (every statement -> impact) claims no chain: a person named in
            # one of its statements is blame-language's finding, not a chain that stops.
            continue
        statements = {f.id: f.statement for f in a.factors}
        for fid, words in chains_stopping_at_person(a, names):
            hits = blame_hits(statements[fid], names, causal=True)
            reframe = f" For example: {hits[0].rewrite}" if hits else ""
            yield Hit(
                f"analyses.{a.id}.factors.{fid}",
                statements[fid],
                f"the chain stops at a person ('{words}')",
                "Keep asking why: what made that action possible, likely or undetected? Add those "
                f"conditions as factors behind this one.{reframe}",
            )
