"""A five-incident fixture for the loop: gate, repeats, metrics, trace.

Every expected value in tests/test_metrics.py is worked out by hand from the
timestamps below (see the comments there). Change nothing here without redoing them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import kb
from kb.model import EventPacket


def _packet(
    key: str, started: str, resolved: str, analyses: list[dict[str, Any]], roadmap: list[dict[str, Any]] | None = None
) -> EventPacket:
    return EventPacket.model_validate(
        {
            "incident": {
                "id": key,
                "title": f"incident {key}",
                "severity": 2,
                "started_at": started,
                "resolved_at": resolved,
                "services": ["checkout"],
            },
            "analyses": analyses,
            "roadmap": roadmap or [],
        }
    )


def loop_packets() -> list[EventPacket]:
    a = _packet(
        "INC-A",
        "2025-01-10T00:00:00Z",
        "2025-01-10T12:00:00Z",
        [
            {
                "id": "A1",
                "method": "barrier_analysis",
                "facilitator": "wen",
                "published_at": "2025-01-12T14:00:00+02:00",  # 12:00 UTC: time to insight 2.0 days
                "factors": [
                    {
                        "id": "F1",
                        "statement": "Config pushed without schema validation",
                        "category": "technical",
                        "themes": ["config-drift"],
                    }
                ],
                "influences": [{"source": "F1", "target": "impact"}],
                "barriers": [
                    {"barrier": "config-validation", "kind": "preventive", "status": "failed", "defeated_by": ["F1"]}
                ],
                "findings": [
                    {
                        "id": "R1",
                        "statement": "Validate every config push against its schema.",
                        "impact": 5,
                        "effort": 2,
                        "status": "agreed",
                        "addresses": ["F1", "theme:config-drift", "barrier:config-validation"],
                        "owner": "platform",
                        "work_items": [
                            {
                                "system": "jira",
                                "external_id": "OPS-1",
                                "status": "Done",
                                "created_at": "2025-01-13T09:00:00Z",
                                "closed_at": "2025-01-22T12:00:00Z",
                            }
                        ],
                    },
                    {
                        "id": "R2",
                        "statement": "Rewrite the config service.",
                        "impact": 2,
                        "effort": 4,
                        "status": "deferred",
                        "deferred_reason": "cost outweighs benefit this year",
                        "addresses": ["F1"],
                    },
                ],
            }
        ],
        roadmap=[{"key": "RM-1", "title": "Config validation service", "quarter": "2025Q1", "findings": ["R1"]}],
    )
    b = _packet(
        "INC-B",
        "2025-02-01T00:00:00Z",
        "2025-02-01T06:00:00Z",
        [
            {
                "id": "B1",
                "method": "barrier_analysis",
                "facilitator": "wen",
                "published_at": "2025-02-05T06:00:00Z",  # time to insight 4.0 days
                "factors": [
                    {
                        "id": "F1",
                        "statement": "A config change skipped validation through the hotfix path",
                        "category": "process",
                        "themes": ["config-drift"],
                    }
                ],
                "influences": [{"source": "F1", "target": "impact"}],
                "barriers": [{"barrier": "config-validation", "status": "bypassed", "defeated_by": ["F1"]}],
                "findings": [
                    {
                        "id": "R1",
                        "statement": "Close the hotfix path around config validation.",
                        "impact": 4,
                        "effort": 1,
                        "status": "agreed",
                        "addresses": ["theme:config-drift"],
                        "okrs": [{"id": "O1", "objective": "No unvalidated config", "key_results": ["100% validated"]}],
                    },
                ],
            }
        ],
    )
    c = _packet(
        "INC-C",
        "2025-04-05T00:00:00Z",
        "2025-04-05T00:00:00Z",
        [
            {
                "id": "C1",
                "method": "contribution_map",
                "facilitator": "ana",
                "published_at": "2025-04-06T00:00:00Z",  # time to insight 1.0 day
                "factors": [
                    {
                        "id": "F1",
                        "statement": "Traffic exceeded the pool size",
                        "category": "technical",
                        "themes": ["capacity"],
                    }
                ],
                "influences": [{"source": "F1", "target": "impact"}],
                "barriers": [{"barrier": "config-validation", "status": "held"}],
                "findings": [
                    {
                        "id": "R1",
                        "statement": "Size pools from load tests.",
                        "impact": 3,
                        "effort": 3,
                        "status": "agreed",
                        "addresses": ["F1", "theme:capacity"],
                        "work_items": [
                            {
                                "system": "jira",
                                "external_id": "OPS-2",
                                "status": "Done",
                                "created_at": "2025-04-07T00:00:00Z",
                                "closed_at": "2025-04-16T00:00:00Z",
                            },
                            {
                                "system": "jira",
                                "external_id": "OPS-3",
                                "status": "Done",
                                "created_at": "2025-04-07T00:00:00Z",
                                "closed_at": "2025-04-26T00:00:00Z",
                            },
                        ],
                    },
                    {"id": "R2", "statement": "Buy bigger machines.", "impact": 1, "effort": 1, "status": "rejected"},
                ],
            }
        ],
        roadmap=[{"key": "RM-3", "title": "Load-test every pool", "quarter": "2025Q2", "findings": ["R1"]}],
    )
    d = _packet(
        "INC-D",
        "2025-04-20T00:00:00Z",
        "2025-04-21T00:00:00Z",
        [
            {
                "id": "D1",
                "method": "contribution_map",
                "facilitator": "wen",
                "published_at": "2025-04-29T00:00:00Z",  # time to insight 8.0 days
                "factors": [
                    {
                        "id": "F1",
                        "statement": "A config change shrank the pool",
                        "category": "technical",
                        "themes": ["capacity", "config-drift"],
                    }
                ],
                "influences": [{"source": "F1", "target": "impact"}],
                "findings": [
                    {
                        "id": "R1",
                        "statement": "Give pool sizes a floor in the config schema.",
                        "impact": 4,
                        "effort": 3,
                        "status": "agreed",
                        "addresses": ["F1"],
                        "okrs": [
                            {"id": "O1", "objective": "Pools never shrink by accident", "key_results": ["0 incidents"]}
                        ],
                    },
                    {
                        "id": "R2",
                        "statement": "Alert on pool size changes.",
                        "status": "agreed",
                        "addresses": ["F1"],
                        "work_items": [
                            {
                                "system": "jira",
                                "external_id": "OPS-4",
                                "status": "In Progress",
                                "created_at": "2025-04-30T00:00:00Z",
                            }
                        ],
                    },
                ],
            }
        ],
    )
    e = _packet(
        "INC-E",
        "2025-05-02T00:00:00Z",
        "2025-05-02T03:00:00Z",
        [],
        roadmap=[{"key": "RM-2", "title": "Shiny new dashboard", "quarter": "2025Q2"}],
    )
    return [a, b, c, d, e]


@pytest.fixture
def loop_db(tmp_path: Path) -> Path:
    """An embedded database holding the loop fixture (for CLI tests)."""
    path = tmp_path / "graph.lbug"
    with kb.connect(engine="ladybug", db=path) as kbase:
        kbase.ingest_packets(loop_packets())
    return path
