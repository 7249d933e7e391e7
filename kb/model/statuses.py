"""The status vocabularies of barriers and findings, without pydantic: analyses that only read the
graph (`kb similar`, `kb clusters`) filter by them and need none of the packet models."""

from __future__ import annotations

from enum import StrEnum


class BarrierStatus(StrEnum):
    FAILED = "failed"
    MISSING = "missing"
    BYPASSED = "bypassed"
    HELD = "held"


class FindingStatus(StrEnum):
    PROPOSED = "proposed"
    AGREED = "agreed"
    DEFERRED = "deferred"
    REJECTED = "rejected"
    DONE = "done"


DEFEATED_STATUSES: tuple[str, ...] = (
    BarrierStatus.FAILED.value,
    BarrierStatus.MISSING.value,
    BarrierStatus.BYPASSED.value,
)
"""Barrier statuses that let an incident through (everything but held)."""

AGREED_STATUSES: tuple[str, ...] = (FindingStatus.AGREED.value, FindingStatus.DONE.value)
"""Finding statuses that commit to the work (agreed, or already done)."""
