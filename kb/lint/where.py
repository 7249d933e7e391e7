"""Walking a packet with the locations lint findings name ("analyses.A1.factors.F3")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from kb.analysis.language import Handles, handles_of
from kb.model import Analysis, EventPacket, Factor, Finding

_TRACKER = re.compile(
    r"\b(?:issues|pull|pulls|merge_requests|browse|tickets)/[A-Za-z0-9-]*\d+|(?<![\w&#])#\d{2,7}\b|"
    r"\b[A-Z][A-Z0-9]{1,9}-\d{1,6}\b"
)
_TRACKED_CLAIM = re.compile(
    r"\b(?:added|created|opened|filed|placed|raised)\s+(?:\w+\s+){0,7}?(?:backlog|ticket|issue|roadmap|jira)\b|"
    r"\b(?:backlog|ticket|jira)\s+(?:\w+\s+){0,3}?(?:added|created|opened|filed)\b",
    re.IGNORECASE,
)
_OWNER = re.compile(
    r"\b(?:owner|owned\s+by|assigned\s+to|assignee|responsible)\s*[:=]?\s*@?[A-Za-z][\w.-]+|"
    r"(?<![\w@/])@[A-Za-z][\w-]{1,38}\b",
    re.IGNORECASE,
)
_DONE = re.compile(r"^\s*(?:[-*]\s*)?\[[xX]\]")
_SUBJECT_TEAM = re.compile(r"^(?:the\s+)?([A-Z][A-Za-z0-9-]+)(?:\s+team)?\s+(?:will|has|have|is\s+going\s+to|owns)\b")
_NOT_A_TEAM = frozenset(
    {
        "we",
        "this",
        "it",
        "that",
        "there",
        "they",
        "these",
        "those",
        "i",
        "you",
        "everyone",
        "someone",
        "nobody",
        "all",
        "each",
        "our",
    }
)


def unreviewed_import(packet: EventPacket) -> bool:
    """Imported from a document and not yet reviewed: what the document lacks is work for the review."""
    return packet.provenance.imported and not packet.provenance.reviewed


@lru_cache(maxsize=1 << 16)  # statements repeat across reviews
def tracker_reference(text: str) -> str | None:
    """A ticket the text points at (an issue or pull request link, '#123', 'OPS-42', "added a
    backlog task"), else None: the ticket then carries the owner and the work."""
    m = _TRACKER.search(text) or _TRACKED_CLAIM.search(text)
    return m.group(0) if m else None


def done_in_text(text: str) -> bool:
    """A ticked checkbox ("[x] Update ..."): the document says the action is done."""
    return bool(_DONE.match(text))


def owner_in_text(text: str) -> str | None:
    """An owner the text names ('owner: sre', 'assigned to Ana', '@ana', 'DevEx will ...'), else None."""
    m = _OWNER.search(text)
    if m:
        return m.group(0)
    t = _SUBJECT_TEAM.search(text.strip())
    return t.group(1) if t and t.group(1).lower() not in _NOT_A_TEAM else None


def factors(packet: EventPacket) -> Iterator[tuple[Analysis, Factor, str]]:
    for a in packet.analyses:
        for f in a.factors:
            yield a, f, f"analyses.{a.id}.factors.{f.id}"


def findings(packet: EventPacket) -> Iterator[tuple[Analysis, Finding, str]]:
    for a in packet.analyses:
        for f in a.findings:
            yield a, f, f"analyses.{a.id}.findings.{f.id}"


def people(packet: EventPacket) -> list[str]:
    """Handles a sentence may name: participants and decision makers."""
    return sorted({p.handle for p in packet.participants} | {d.made_by for d in packet.decisions if d.made_by})


def handles(packet: EventPacket) -> Handles:
    """`handles_of(people(packet))`: kept by the people it is made of (`handles_of`), not by the packet
    object, so a packet edited between two lints (in a notebook) is answered for as it is now."""
    return handles_of(people(packet))


def texts(packet: EventPacket) -> Iterator[tuple[str, str, bool]]:
    """(location, text, is a cause statement) for every piece of prose in a packet (logs excluded:
    they are machine output, quoted as evidence)."""
    inc = packet.incident
    for name in ("title", "summary", "customer_impact"):
        value = getattr(inc, name)
        if value:
            yield f"incident.{name}", value, False
    for i, ev in enumerate(packet.timeline):
        yield f"timeline.{ev.id or i}", ev.text, False
    for i, d in enumerate(packet.decisions):
        yield f"decisions.{d.id or i}.decision", d.decision, False
        if d.rationale:
            yield f"decisions.{d.id or i}.rationale", d.rationale, False
    for i, imp in enumerate(packet.impacts):
        yield f"impacts.{i}", imp.statement, False
    for a in packet.analyses:
        for f in a.factors:
            yield f"analyses.{a.id}.factors.{f.id}", f.statement, True
        for b in a.barriers:
            if b.note:
                yield f"analyses.{a.id}.barriers.{b.barrier}.note", b.note, False
        for fnd in a.findings:
            yield f"analyses.{a.id}.findings.{fnd.id}", fnd.statement, False
            if fnd.deferred_reason:
                yield f"analyses.{a.id}.findings.{fnd.id}.deferred_reason", fnd.deferred_reason, False
        if a.related_check and a.related_check.note:
            yield f"analyses.{a.id}.related_check.note", a.related_check.note, False


def clip(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
