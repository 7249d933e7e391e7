"""The rule registry: every rule declares its id, family, default level and options."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kb.lint.model import Hit, Level, LintContext, LintFinding
from kb.model import EventPacket

Options = Mapping[str, Any]
Check = Callable[[EventPacket, LintContext, Options], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    family: str
    level: Level
    summary: str
    check: Check
    options: Mapping[str, Any] = field(default_factory=dict)

    def run(
        self,
        packet: EventPacket,
        context: LintContext | None = None,
        options: Options | None = None,
        level: Level | None = None,
    ) -> list[LintFinding]:
        """Run this rule alone on one packet (defaults for whatever is not given)."""
        opts = {**self.options, **(options or {})}
        ctx = context or LintContext()
        return [
            LintFinding(
                self.id, _lower(h.level, level or self.level), packet.key, h.location, h.evidence, h.message, h.fix
            )
            for h in self.check(packet, ctx, opts)
        ]


def _lower(hit: Level | None, configured: Level) -> Level:
    """A hit's own level (a to-do) applies when it is milder than the configured one."""
    return hit if hit is not None and hit.rank > configured.rank else configured


RULES: dict[str, Rule] = {}


def rule(rule_id: str, family: str, level: Level, summary: str, **options: Any) -> Callable[[Check], Check]:
    """Register a check function as a rule; `options` are its configurable thresholds with defaults."""

    def register(check: Check) -> Check:
        if rule_id in RULES:
            raise ValueError(f"lint rule {rule_id!r} is registered twice")
        RULES[rule_id] = Rule(rule_id, family, level, summary, check, dict(options))
        return check

    return register
