"""Walking a packet with the locations lint findings name ("analyses.A1.factors.F3")."""

from __future__ import annotations

from collections.abc import Iterator

from kb.model import Analysis, EventPacket, Factor, Finding


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
