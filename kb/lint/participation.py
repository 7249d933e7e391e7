"""Isolated retrospective: nobody from outside the responding teams, no provocateur."""

from __future__ import annotations

from collections.abc import Iterator

from kb.lint.model import Hit, Level, LintContext
from kb.lint.registry import Options, rule
from kb.model import EventPacket, Role

FAMILY = "isolated retrospective"
_RESPONDING = (Role.RESPONDER, Role.INCIDENT_LEAD, Role.OWNER)


def _roster(packet: EventPacket) -> str:
    return ", ".join(f"{p.handle} ({p.role.value}{', ' + p.team if p.team else ''})" for p in packet.participants)


@rule(
    "isolated-retrospective",
    FAMILY,
    Level.WARNING,
    "every participant with a known team belongs to a responding team: no outside view",
)
def isolated_retrospective(packet: EventPacket, ctx: LintContext, opts: Options) -> Iterator[Hit]:
    teams = {p.team for p in packet.participants if p.team}
    if not teams:
        return  # no teams recorded: nothing to judge (incomplete-packet speaks about missing participants)
    responding = set(packet.incident.teams) | {p.team for p in packet.participants if p.role in _RESPONDING and p.team}
    if teams <= responding:
        yield Hit(
            "participants",
            _roster(packet),
            f"everyone is from the responding team(s): {', '.join(sorted(teams))}",
            "Invite someone from outside (a facilitator from another team, a downstream stakeholder, "
            "a provocateur) so the review questions what the team takes for granted.",
        )


@rule(
    "no-provocateur",
    FAMILY,
    Level.WARNING,
    "a review of a SEV`max_severity` or worse incident with no provocateur",
    max_severity=2,
)
def no_provocateur(packet: EventPacket, ctx: LintContext, opts: Options) -> Iterator[Hit]:
    sev = packet.incident.severity
    if not packet.participants or sev is None or sev > int(opts["max_severity"]):
        return
    if not any(p.role is Role.PROVOCATEUR for p in packet.participants):
        yield Hit(
            "participants",
            _roster(packet),
            f"SEV{sev} review without a provocateur",
            "Add a participant with role: provocateur, someone who asks the uncomfortable "
            "'why did that seem reasonable?' questions.",
        )
