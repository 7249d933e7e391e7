"""What a lint rule reports, and the cross-incident facts it may consult."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True)
class Hit:
    """What a rule's check yields: where, the exact words, what is wrong, how to fix it."""

    location: str
    evidence: str
    message: str
    fix: str
    level: Level | None = None
    """A rule may report a to-do (INFO) instead of its level: what an imported document cannot
    contain is work for the review, not an error."""


@dataclass(frozen=True)
class LintFinding:
    rule: str
    level: Level
    incident: str
    location: str
    evidence: str
    message: str
    fix: str

    def as_dict(self) -> dict[str, Any]:
        # What dataclasses.asdict gives (field order) with the level's value, without its deep copy.
        return {
            "rule": self.rule,
            "level": self.level.value,
            "incident": self.incident,
            "location": self.location,
            "evidence": self.evidence,
            "message": self.message,
            "fix": self.fix,
        }


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class LintContext:
    """Facts beyond one packet.

    `now`: today, for untracked-finding alone (kb.lint.kept keeps the other rules' results for
    every day: a rule reading it must be aged when read, as that one is).
    `related_links`: RELATED_TO links per incident (None when no graph was consulted).
    `known_incidents`: ids a review may cite ("see PM2019-009") to show it looked at the past.
    `related_earlier`: the earlier incidents the similarity check linked each incident to.
    """

    now: datetime = field(default_factory=_now)
    related_links: Mapping[str, int] | None = None
    known_incidents: frozenset[str] = frozenset()
    related_earlier: Mapping[str, tuple[str, ...]] | None = None
    """Earlier incidents each incident is RELATED_TO (found by the similarity check)."""

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("LintContext.now must be timezone-aware (UTC)")
