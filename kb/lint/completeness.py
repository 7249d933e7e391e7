"""Incomplete Event Packet, or one compiled after its SLA."""

from __future__ import annotations

from collections.abc import Iterator

from kb.analysis.policy import PARTS
from kb.lint.model import Hit, Level, LintContext
from kb.lint.registry import Options, rule
from kb.lint.where import unreviewed_import
from kb.model import EventPacket

FAMILY = "incomplete packet"


def _has(packet: EventPacket, part: str) -> bool:
    inc = packet.incident
    if part == "impact":
        return bool(packet.impacts or inc.customer_impact or inc.customers_affected or inc.revenue_impact)
    return bool(getattr(packet, part))


@rule(
    "incomplete-packet",
    FAMILY,
    Level.ERROR,
    "a packet without one of the `required` parts (timeline, impact, metrics, participants, analyses)",
    required=list(PARTS),
)
def incomplete_packet(packet: EventPacket, ctx: LintContext, opts: Options) -> Iterator[Hit]:
    required = [str(p) for p in opts["required"]]
    unknown = sorted(set(required) - set(PARTS))
    if unknown:
        raise ValueError(
            f"incomplete-packet.required: unknown part(s) {', '.join(unknown)}; expected some of {', '.join(PARTS)}"
        )
    missing = [p for p in required if not _has(packet, p)]
    if missing:
        present = [f"{p}: {len(getattr(packet, p)) if p != 'impact' else 'yes'}" for p in required if p not in missing]
        evidence = f"missing {', '.join(missing)}" + (f" (present: {'; '.join(present)})" if present else "")
        if unreviewed_import(packet):
            # The document did not contain them: a to-do for the review, not a broken packet.
            src = packet.provenance.file or packet.provenance.source
            yield Hit(
                ", ".join(missing),
                evidence,
                f"to do for the review: {', '.join(missing)} (not in the imported document {src})",
                "Add them from the incident channel, paging history and dashboards when the review "
                "confirms the imported packet (provenance.reviewed: true).",
                Level.INFO,
            )
            return
        yield Hit(
            ", ".join(missing),
            evidence,
            f"no {', '.join(missing)}",
            "Compile the missing parts from the incident channel, paging history and dashboards "
            "before the review: a review without facts falls back on opinions.",
        )


@rule(
    "late-packet",
    FAMILY,
    Level.WARNING,
    "a packet compiled after its due time (`incident.compile_by`, set by `kb new` from kb.toml "
    "[packets] sla), or, without one, more than `sla_hours` after the incident was resolved",
    sla_hours=24,
)
def late_packet(packet: EventPacket, ctx: LintContext, opts: Options) -> Iterator[Hit]:
    inc = packet.incident
    if inc.compiled_at is None:
        return
    if inc.compile_by is not None:  # the packet's own due time: one SLA, the one it was given
        if inc.compiled_at > inc.compile_by:
            late = (inc.compiled_at - inc.compile_by).total_seconds() / 3600
            yield Hit(
                "incident.compiled_at",
                f"compile_by {inc.compile_by.isoformat()}, compiled_at {inc.compiled_at.isoformat()}",
                f"compiled {late:.0f} h after its due time",
                "Compile the packet by its due time, while chat, logs and memories are fresh.",
            )
        return
    if inc.resolved_at is None:
        return
    hours = (inc.compiled_at - inc.resolved_at).total_seconds() / 3600
    sla = float(opts["sla_hours"])
    if hours > sla:
        yield Hit(
            "incident.compiled_at",
            f"resolved_at {inc.resolved_at.isoformat()}, compiled_at {inc.compiled_at.isoformat()}",
            f"compiled {hours:.0f} h after resolution (SLA {sla:g} h)",
            f"Compile the packet within {sla:g} h of resolution, while chat, logs and memories are fresh.",
        )
