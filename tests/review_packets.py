"""Packets for the framework, recommendation and lint tests: the clean example, changed one field at a time."""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache
from typing import Any

import yaml

from kb.model import EventPacket

from .conftest import EXAMPLES

Data = dict[str, Any]


@cache
def _example() -> Data:
    data: Data = yaml.safe_load((EXAMPLES / "INC-2025-001.yaml").read_text(encoding="utf-8"))
    return data


def example_data() -> Data:
    return copy.deepcopy(_example())


def packet(change: Callable[[Data], Any] | None = None, **incident: Any) -> EventPacket:
    """The example packet (clean under every rule) after `change(data)` and incident field overrides."""
    data = example_data()
    data["incident"].update(incident)
    if change is not None:
        change(data)
    return EventPacket.model_validate(data)


def analysis(data: Data) -> Data:
    first: Data = data["analyses"][0]
    return first


def minimal(key: str = "INC-T-1", severity: int = 4, **incident: Any) -> EventPacket:
    """A small incident: one team, one service, no impact numbers, no analysis."""
    inc = {
        "id": key,
        "title": "Nightly report job failed",
        "severity": severity,
        "services": ["reports"],
        "teams": ["data"],
        "started_at": "2025-05-01T02:00:00Z",
        "resolved_at": "2025-05-01T03:00:00Z",
    }
    inc.update(incident)
    return EventPacket.model_validate({"incident": inc})
