"""Four incidents of one theme (cache-stampede) whose fix ships between them, with costs, causal webs and
deadlines. Every expected value in tests/test_effect.py is worked out by hand from these numbers."""

from __future__ import annotations

from typing import Any

from kb.model import EventPacket

AS_OF = "2025-04-01T00:00:00+00:00"


def _analysis(
    aid: str,
    published: str,
    factors: list[tuple[str, str]],
    influences: list[tuple[str, str]],
    findings: list[dict[str, Any]],
    barriers: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "id": aid,
        "method": "barrier_analysis" if barriers else "contribution_map",
        "published_at": published,
        "factors": [
            {"id": f, "statement": f"factor {f} of theme {t}", "category": "technical", "themes": [t]}
            for f, t in factors
        ],
        "influences": [{"source": s, "target": t} for s, t in influences],
        "barriers": barriers or [],
        "findings": findings,
    }


def evidence_packets() -> list[EventPacket]:
    p1 = {
        "incident": {
            "id": "EV-1",
            "title": "Cache stampede on checkout",
            "severity": 2,
            "started_at": "2025-01-01T00:00:00Z",
            "detected_at": "2025-01-01T00:30:00Z",
            "mitigated_at": "2025-01-01T02:30:00Z",
            "resolved_at": "2025-01-01T03:00:00Z",
            "revenue_impact": 1000,
            "customers_affected": 50,
        },
        "participants": [
            {"handle": "amira", "role": "incident_lead"},
            {"handle": "jonas", "role": "responder"},
            {"handle": "wen", "role": "facilitator"},
        ],
        "analyses": [
            _analysis(
                "A1",
                "2025-01-03T00:00:00Z",
                [("F1", "cache-stampede"), ("F2", "other")],
                [("F2", "F1"), ("F1", "impact")],
                [
                    {
                        "id": "R1",
                        "statement": "Coalesce cache refills so one miss is one query.",
                        "status": "done",
                        "addresses": ["theme:cache-stampede"],
                        "work_items": [
                            {
                                "external_id": "OPS-1",
                                "status": "Done",
                                "created_at": "2025-01-02T00:00:00Z",
                                "closed_at": "2025-01-31T00:00:00Z",
                            }
                        ],
                    }
                ],
                [{"barrier": "cache-warmup", "status": "failed", "defeated_by": ["F1"]}],
            )
        ],
    }
    p2 = {
        "incident": {
            "id": "EV-2",
            "title": "Cache stampede on search",
            "severity": 1,
            "started_at": "2025-01-11T00:00:00Z",
            "resolved_at": "2025-01-11T01:00:00Z",
            "responder_hours": 7.5,
        },
        "impacts": [
            {"stakeholder": "finance", "statement": "lost orders", "revenue_impact": 500, "customers_affected": 30},
            {"stakeholder": "support", "statement": "refunds", "revenue_impact": 250, "customers_affected": 40},
        ],
        "analyses": [
            _analysis(
                "A1",
                "2025-01-15T00:00:00Z",
                [("F1", "cache-stampede")],
                [("F1", "impact")],
                [
                    {
                        "id": "R1",
                        "statement": "Warm the search cache before a deploy.",
                        "status": "agreed",
                        "owner": "amira",
                        "addresses": ["theme:cache-stampede"],
                        "work_items": [
                            {
                                "external_id": "OPS-9",
                                "status": "In Progress",
                                "created_at": "2025-01-16T00:00:00Z",
                                "due_at": "2025-03-01T00:00:00Z",
                            }
                        ],
                    }
                ],
            )
        ],
    }
    p3 = {
        "incident": {
            "id": "EV-3",
            "title": "Cache stampede on a typo page",
            "severity": 5,
            "started_at": "2025-01-21T00:00:00Z",
        },
        "analyses": [
            _analysis(
                "A1",
                "2025-01-25T00:00:00Z",
                [("F1", "cache-stampede")],
                [("F1", "impact")],
                [
                    {
                        "id": "R1",
                        "statement": "Add the page to the cache warm list.",
                        "status": "proposed",
                        "addresses": ["F1"],
                    }
                ],
                [{"barrier": "cache-warmup", "status": "missing"}],
            )
        ],
    }
    p4 = {
        "incident": {
            "id": "EV-4",
            "title": "Cache stampede and a slow disk",
            "severity": 2,
            "started_at": "2025-03-02T00:00:00Z",
            "mitigated_at": "2025-03-02T04:00:00Z",
            "revenue_impact": 2000,
            "customers_affected": 10,
        },
        "participants": [{"handle": "kim", "role": "responder"}],
        "analyses": [
            _analysis(
                "A1",
                "2025-03-05T00:00:00Z",
                [("F1", "cache-stampede"), ("F2", "slow-disk")],
                [("F1", "impact"), ("F2", "impact")],
                [
                    {
                        "id": "R1",
                        "statement": "Move the cache to local SSDs.",
                        "status": "agreed",
                        "owner": "platform",
                        "addresses": ["F2"],
                        "due_at": "2025-05-04T02:00:00+02:00",
                    }
                ],
                [{"barrier": "cache-warmup", "status": "failed", "defeated_by": ["F1"]}],
            )
        ],
    }
    return [EventPacket.model_validate(p) for p in (p1, p2, p3, p4)]
