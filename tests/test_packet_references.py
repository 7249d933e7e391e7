"""The packet's cross-reference checks (kb.model.packet): each names its field and what was
expected. They run a quick membership test first and the full check only where it fails, so
each case below breaks one reference and asserts the whole message."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from kb.packets import PacketError, parse_packet

GOOD: dict[str, Any] = {
    "incident": {"id": "INC-1", "title": "t", "started_at": "2025-01-01T00:00:00Z"},
    "participants": [{"handle": "ann", "role": "responder"}, {"handle": "ann", "role": "owner"}],
    "timeline": [{"id": "E1", "at": "2025-01-01T00:00:00Z", "kind": "trigger", "text": "x"}],
    "analyses": [
        {
            "id": "A1",
            "method": "barrier_analysis",
            "factors": [
                {"id": "F1", "statement": "s", "category": "technical"},
                {"id": "F2", "statement": "s", "category": "process"},
            ],
            "influences": [{"source": "F1", "target": "F2"}, {"source": "F2", "target": "impact"}],
            "barriers": [{"barrier": "canary", "status": "failed", "defeated_by": ["F1"]}],
            "findings": [{"id": "N1", "statement": "s", "addresses": ["F1", "theme:caching", "barrier:canary"]}],
        }
    ],
    "roadmap": [{"key": "R1", "title": "r", "findings": ["N1"]}],
}


def _problem(edit: Any) -> tuple[str, str] | None:
    data = copy.deepcopy(GOOD)
    edit(data)
    try:
        parse_packet(data, Path("p.yaml"))
    except PacketError as exc:
        assert len(exc.problems) == 1
        return exc.problems[0].field, exc.problems[0].expected
    return None


def _set(path: tuple[Any, ...], value: Any) -> Any:
    def edit(data: Any) -> None:
        for step in path[:-1]:
            data = data[step]
        data[path[-1]] = value

    return edit


A = ("analyses", 0)
CASES = {
    "influence source": (
        _set((*A, "influences", 1, "source"), "F9"),
        ("analyses.0.influences.1.source", "'F9' is not a factor id of this analysis (known: F1, F2)"),
    ),
    "influence source before target": (
        _set((*A, "influences", 0), {"source": "F9", "target": "F8"}),
        ("analyses.0.influences.0.source", "'F9' is not a factor id of this analysis (known: F1, F2)"),
    ),
    "influence target": (
        _set((*A, "influences", 0, "target"), "F9"),
        (
            "analyses.0.influences.0.target",
            "'F9' is not a factor id of this analysis or \"impact\" (known: F1, F2, impact)",
        ),
    ),
    "influence onto itself": (
        _set((*A, "influences", 1, "target"), "F2"),
        ("analyses.0.influences.1", "a factor cannot contribute to itself"),
    ),
    "defeated by": (
        _set((*A, "barriers", 0, "defeated_by"), ["F1", "F7"]),
        ("analyses.0.barriers.0.defeated_by.1", "'F7' is not a factor id of this analysis (known: F1, F2)"),
    ),
    "address": (
        _set((*A, "findings", 0, "addresses"), ["F1", "theme:", "F2"]),
        (
            "analyses.0.findings.0.addresses.1",
            '\'theme:\' is not a factor id of this analysis, "theme:SLUG" or "barrier:SLUG" (known: F1, F2)',
        ),
    ),
    "roadmap finding": (
        _set(("roadmap", 0, "findings"), ["N1", "N2"]),
        ("roadmap.0.findings.1", "'N2' is not a finding id of this packet (known: N1)"),
    ),
    "participant twice in one role": (
        _set(("participants", 1, "role"), "responder"),
        ("participants", "each person once per role; listed twice: ann as responder"),
    ),
    "factor id twice": (
        _set((*A, "factors", 1, "id"), "F1"),
        ("analyses.factors.id", "factor ids must be unique within a packet; repeated: F1"),
    ),
    "barrier twice": (
        lambda data: data["analyses"][0]["barriers"].append({"barrier": "canary", "status": "held"}),
        ("analyses.0.barriers.barrier", "barrier ids must be unique within a packet; repeated: canary"),
    ),
}


def test_the_unbroken_packet_is_accepted() -> None:
    assert _problem(lambda data: None) is None


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_broken_reference_is_named(case: str) -> None:
    edit, expected = CASES[case]
    assert _problem(edit) == expected
