"""Process scaled to severity: which packet sections, lint rules and gate requirements apply to which severity,
and how long a follow-up may take.

    # kb.toml
    [policy.SEV5]                       # a typo fix: no machinery
    sections = []                       # packet parts incomplete-packet requires (default: all five)
    rules = ["blame-language"]          # the only lint rules that apply (default: all)
    gate = false                        # the integration gate does not apply (default: true)
    due_days = 365                      # follow-up deadline: days after the analysis is published

Without a [policy] table the defaults below apply: SEV1-4 get everything (due in 30, 60, 90 and 180
days); SEV5 gets only the blame-language rules, no required sections, no gate, 365 days.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PARTS = ("timeline", "impact", "metrics", "participants", "analyses")
"""The sections of a packet a review can require (kb check's incomplete-packet rule)."""

SEVERITIES = (1, 2, 3, 4, 5)
DEFAULT_DUE_DAYS: dict[int, int] = {1: 30, 2: 60, 3: 90, 4: 180, 5: 365}
LANGUAGE_RULES = ("blame-language", "chain-ends-at-person")


class PolicyError(ValueError):
    """A policy the tools cannot use; the message names the file, the field and what was expected."""


@dataclass(frozen=True)
class SeverityRules:
    sections: tuple[str, ...] = PARTS
    rules: tuple[str, ...] | None = None
    """Lint rules that apply; None: all."""
    gate: bool = True
    due_days: int = 90

    def applies(self, rule_id: str) -> bool:
        return self.rules is None or rule_id in self.rules


def _defaults() -> dict[int, SeverityRules]:
    out = {s: SeverityRules(due_days=DEFAULT_DUE_DAYS[s]) for s in SEVERITIES}
    out[5] = SeverityRules(sections=(), rules=LANGUAGE_RULES, gate=False, due_days=DEFAULT_DUE_DAYS[5])
    return out


@dataclass(frozen=True)
class SeverityPolicy:
    levels: Mapping[int, SeverityRules] = field(default_factory=_defaults)
    source: Path | None = None

    def for_severity(self, severity: object) -> SeverityRules:
        """The rules for a severity (1-5); anything else gets the strictest (SEV1)."""
        try:
            sev = int(severity)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            sev = 1
        return self.levels.get(sev, self.levels[1])


DEFAULT_POLICY = SeverityPolicy()


def nearest_kb_toml(start: str | Path | None = None) -> Path | None:
    """The nearest kb.toml upwards from `start` (default: the working directory), None without one."""
    here = Path(start or Path.cwd()).resolve()
    return next((f / "kb.toml" for f in (here, *here.parents) if (f / "kb.toml").is_file()), None)
