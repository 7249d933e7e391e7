"""Action-item proliferation: too many items, vague items, items nobody owns."""

from __future__ import annotations

from collections.abc import Iterator

from kb.analysis.language import vague_action
from kb.lint.model import Hit, Level, LintContext
from kb.lint.registry import Options, rule
from kb.lint.where import clip, done_in_text, findings, owner_in_text, tracker_reference, unreviewed_import
from kb.model import EventPacket, FindingStatus

FAMILY = "action-item proliferation"
_SETTLED = (FindingStatus.REJECTED, FindingStatus.DONE)


@rule(
    "action-item-proliferation",
    FAMILY,
    Level.WARNING,
    "more than `max_items` findings (rejected ones not counted): nobody can follow through on all of them",
    max_items=10,
)
def action_item_proliferation(packet: EventPacket, ctx: LintContext, opts: Options) -> Iterator[Hit]:
    live = [(f, loc) for _, f, loc in findings(packet) if f.status is not FindingStatus.REJECTED]
    most = int(opts["max_items"])
    if len(live) > most:
        evidence = "; ".join(f"{f.id}: {f.statement}" for f, _ in live)
        yield Hit(
            "analyses.*.findings",
            clip(evidence, 400),
            f"{len(live)} findings (more than {most})",
            f"Keep the {most} or fewer that address the strongest factors; defer the rest with a "
            "reason (status: deferred, deferred_reason) so they stay visible without diluting focus.",
        )


@rule(
    "vague-finding",
    FAMILY,
    Level.WARNING,
    "an action with a vague verb ('improve', 'look into', 'better ...') and no measurable outcome",
)
def vague_finding(packet: EventPacket, ctx: LintContext, opts: Options) -> Iterator[Hit]:
    for _, f, loc in findings(packet):
        if f.status in _SETTLED:
            continue
        phrase = vague_action(f.statement)
        if phrase:
            yield Hit(
                loc,
                f.statement,
                f"'{phrase}' with no measurable outcome",
                "Say what will change and how we will know: a number, a threshold or a deadline "
                "(e.g. 'Page the owner when checkout p99 > 2 s for 5 min, verified in the next game day').",
            )


@rule("unowned-finding", FAMILY, Level.WARNING, "an open finding with no owner")
def unowned_finding(packet: EventPacket, ctx: LintContext, opts: Options) -> Iterator[Hit]:
    for _, f, loc in findings(packet):
        if f.owner is not None or f.status in _SETTLED:
            continue
        # An owner named in the text, or a ticket that carries one, counts.
        if owner_in_text(f.statement) or tracker_reference(f.statement) or done_in_text(f.statement):
            continue
        if unreviewed_import(packet):
            yield Hit(
                loc,
                f.statement,
                "to do for the review: the imported document names no owner",
                "Name the team that owns the outcome (owner: TEAM) when the review confirms it.",
                Level.INFO,
            )
        else:
            yield Hit(loc, f.statement, "no owner", "Name the team that owns the outcome (owner: TEAM).")
