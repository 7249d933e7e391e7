"""Documentation graveyard: findings nobody can find again, no look at the past, findings that never became work."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from kb.lint.model import Hit, Level, LintContext
from kb.lint.registry import Options, rule
from kb.lint.where import done_in_text, findings, texts, tracker_reference, unreviewed_import
from kb.model import Analysis, EventPacket, FindingStatus

FAMILY = "documentation graveyard"


@rule("missing-tags", FAMILY, Level.WARNING, "a finding without tags: no later search will find it")
def missing_tags(packet: EventPacket, ctx: LintContext, opts: Options) -> Iterator[Hit]:
    for _, f, loc in findings(packet):
        if not f.tags:
            yield Hit(
                loc,
                f.statement,
                "no tags",
                "Tag it with the systems and failure modes it is about (tags: [database, capacity]).",
            )


@rule(
    "no-related-check",
    FAMILY,
    Level.WARNING,
    "no record that the review looked for similar past incidents (related_check, a RELATED_TO link, or "
    "the id of another known incident cited in the text)",
)
def no_related_check(packet: EventPacket, ctx: LintContext, opts: Options) -> Iterator[Hit]:
    if not packet.analyses or any(a.related_check for a in packet.analyses):
        return
    if unreviewed_import(packet) and ctx.related_earlier is not None:
        # The similarity check ran at import; what matters is an earlier similar incident the
        # document does not cite: the review should look at it. No such incident, nothing to do.
        cited = _cited(packet, frozenset(ctx.related_earlier.get(packet.key, ())))
        todo = [k for k in ctx.related_earlier.get(packet.key, ()) if k not in cited]
        if todo:
            yield Hit(
                "analyses.*.related_check",
                f"similar earlier incident(s) not cited: {', '.join(todo)}",
                f"to do for the review: compare with {', '.join(todo)}",
                "Read the earlier incident(s), say in the review whether this is a repeat and record "
                "it (related_check: {checked_at: ..., related: [...], note: ...}).",
                Level.INFO,
            )
        return
    links = ctx.related_links.get(packet.key, 0) if ctx.related_links is not None else 0
    if links or _cites_another_incident(packet, ctx.known_incidents):
        return
    where = "no RELATED_TO link in the graph" if ctx.related_links is not None else "graph not consulted"
    yield Hit(
        "analyses.*.related_check",
        f"analyses {', '.join(a.id for a in packet.analyses)}: no related_check; {where}",
        "no related-incident check recorded",
        "Search for similar incidents before closing the review and record it "
        "(related_check: {checked_at: ..., related: [...], note: ...}).",
    )


def reads_related_earlier(packet: EventPacket) -> bool:
    """Whether `no_related_check` reads `LintContext.related_earlier` for this packet (the one rule
    that reads it): no other packet's lint depends on it, so kb.lint.workers lints those before the
    related earlier incidents are worked out."""
    return unreviewed_import(packet)


def _cites_another_incident(packet: EventPacket, known: frozenset[str]) -> bool:
    return bool(_cited(packet, known))


def _cited(packet: EventPacket, known: frozenset[str]) -> set[str]:
    if not known or known == {packet.key}:
        return set()
    words = {w for _, text, _ in texts(packet) for w in re.findall(r"[A-Za-z0-9_.\-]+", text)}
    # (not `words & (known - {packet.key})`: a copy of 10,000 ids per packet)
    return (words & known) - {packet.key}


def _since(a: Analysis, packet: EventPacket) -> datetime | None:
    inc = packet.incident
    return a.published_at or inc.compiled_at or inc.resolved_at or inc.started_at


@rule(
    "untracked-finding",
    FAMILY,
    Level.WARNING,
    "a finding with no work item, no OKR proposal and no deferral reason `days` after the review",
    days=30,
)
def untracked_finding(packet: EventPacket, ctx: LintContext, opts: Options) -> Iterator[Hit]:
    days = int(opts["days"])
    for candidate in untracked_candidates(packet):
        hit = untracked_hit(candidate, ctx.now, days)
        if hit is not None:
            yield hit


@dataclass(frozen=True)
class Untracked:
    """A finding that nothing tracks: an untracked-finding once more than `days` old. The only rule
    that depends on today, so kept lint results (kb.lint.kept) hold this and judge the age when read."""

    location: str
    statement: str
    status: str
    since: datetime


def untracked_candidates(packet: EventPacket) -> Iterator[Untracked]:
    for a, f, loc in findings(packet):
        if f.status in (FindingStatus.DONE, FindingStatus.REJECTED):
            continue
        if f.work_items or f.okrs or f.deferred_reason or tracker_reference(f.statement) or done_in_text(f.statement):
            continue  # a ticket named in the text is tracking too
        since = _since(a, packet)
        if since is not None:
            yield Untracked(loc, f.statement, f.status.value, since)


def untracked_hit(candidate: Untracked, now: datetime, days: int) -> Hit | None:
    age = (now - candidate.since).days
    if age <= days:
        return None
    return Hit(
        candidate.location,
        candidate.statement,
        f"status {candidate.status}, {age} days since {candidate.since.date().isoformat()} and no work item, "
        "OKR proposal or deferral reason",
        "Open a ticket for it, propose it as an OKR, or set status: deferred with a "
        "deferred_reason, so the finding either changes something or says why not.",
    )
