"""The integration gate: quadrants, dispositions, gate status per incident; both engines and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kb.analysis.gate import GateRules, gate_findings, gate_status, matrix, quadrant
from kb.cli import app
from kb.knowledge_base import KnowledgeBase
from kb.model import EventPacket, Finding, FindingStatus
from tests.loop_fixture import loop_packets


@pytest.mark.parametrize(
    ("impact", "effort", "expected"),
    [
        (5, 1, "quick-win"),
        (4, 2, "quick-win"),
        (4, 3, "major-project"),
        (5, 5, "major-project"),
        (3, 2, "fill-in"),
        (1, 1, "fill-in"),
        (3, 3, "thankless"),
        (None, 2, "unrated"),
        (4, None, "unrated"),
    ],
)
def test_quadrants(impact: int | None, effort: int | None, expected: str) -> None:
    assert quadrant(impact, effort) == expected


def test_feasible_threshold_is_a_rule() -> None:
    assert quadrant(4, 3, GateRules(feasible_effort=3)) == "quick-win"
    assert quadrant(3, 1, GateRules(high_impact=3)) == "quick-win"


def test_gate_status_per_incident(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets(loop_packets())
    status = gate_status(any_kb).set_index("incident")
    assert status["status"].to_dict() == {
        "INC-A": "complete",
        "INC-B": "open",
        "INC-C": "complete",
        "INC-D": "complete",
        "INC-E": "open",
    }
    assert "R1: high impact (4) and feasible (effort 1): must be tracked by a work item" in status.at["INC-B", "reason"]
    assert status.at["INC-E", "reason"] == "no analysis recorded"
    assert (status.at["INC-A", "findings"], status.at["INC-A", "agreed"], status.at["INC-A", "unsettled"]) == (2, 1, 0)


def test_dispositions(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets(loop_packets())
    df = gate_findings(any_kb, ["INC-A", "INC-B", "INC-C", "INC-D"]).set_index("finding")
    assert df["disposition"].to_dict() == {
        "INC-A/finding/R1": "work-item",
        "INC-A/finding/R2": "deferred",
        "INC-B/finding/R1": "okr",
        "INC-C/finding/R1": "work-item",
        "INC-C/finding/R2": "rejected",
        "INC-D/finding/R1": "okr",
        "INC-D/finding/R2": "work-item",
    }
    assert df["needs_work_item"][lambda s: s].index.tolist() == ["INC-B/finding/R1"]
    assert df.at["INC-A/finding/R1", "work_items"] == ["jira:OPS-1"]
    assert df.at["INC-B/finding/R1", "objectives"] == ["INC-B/okr/O1"]
    # With effort 3 counted as feasible, D's major project becomes a quick win that needs a work item.
    strict = gate_status(any_kb, ["INC-D"], GateRules(feasible_effort=3)).iloc[0]
    assert strict["status"] == "open" and "R1: high impact (4) and feasible (effort 3)" in strict["reason"]


def _single(findings: list[Finding]) -> EventPacket:
    return EventPacket.model_validate(
        {
            "incident": {"id": "INC-X", "title": "x", "severity": 3, "started_at": "2025-06-01T00:00:00Z"},
            "analyses": [
                {
                    "id": "X1",
                    "method": "five_whys",
                    "published_at": "2025-06-02T00:00:00Z",
                    "factors": [{"id": "F1", "statement": "s", "category": "technical"}],
                    "findings": [f.model_dump() for f in findings],
                }
            ],
        }
    )


@pytest.mark.parametrize(
    ("finding", "problem"),
    [
        (Finding(id="R1", statement="s", status=FindingStatus.PROPOSED), "still proposed"),
        (Finding(id="R1", statement="s", status=FindingStatus.DEFERRED), "deferred without a reason"),
        (Finding(id="R1", statement="s", status=FindingStatus.AGREED, impact=2, effort=5), "agreed but untracked"),
        (Finding(id="R1", statement="s", status=FindingStatus.AGREED), "agreed but untracked"),
        (Finding(id="R1", statement="s", status=FindingStatus.AGREED, impact=5, effort=1), "must be tracked"),
        (Finding(id="R1", statement="s", status=FindingStatus.DONE), None),
        (Finding(id="R1", statement="s", status=FindingStatus.REJECTED), None),
        (Finding(id="R1", statement="s", status=FindingStatus.DEFERRED, deferred_reason="next year"), None),
    ],
)
def test_each_rule(ladybug_kb: KnowledgeBase, finding: Finding, problem: str | None) -> None:
    ladybug_kb.ingest_packets([_single([finding])])
    row = gate_status(ladybug_kb, ["INC-X"]).iloc[0]
    if problem is None:
        assert row["status"] == "complete", row["reason"]
    else:
        assert row["status"] == "open" and problem in row["reason"]


def test_analysis_without_findings_is_open(ladybug_kb: KnowledgeBase) -> None:
    ladybug_kb.ingest_packets([_single([])])
    assert gate_status(ladybug_kb, ["INC-X"]).iloc[0]["reason"] == "the analysis produced no findings"


def test_matrix(ladybug_kb: KnowledgeBase) -> None:
    ladybug_kb.ingest_packets(
        [
            _single(
                [
                    Finding(id="R1", statement="a", impact=5, effort=1),
                    Finding(id="R2", statement="b", impact=5, effort=1),
                    Finding(id="R3", statement="c", impact=2, effort=4),
                    Finding(id="R4", statement="d"),
                ]
            )
        ]
    )
    grid = matrix(gate_findings(ladybug_kb, ["INC-X"]))
    assert list(grid.index) == [5, 4, 3, 2, 1] and list(grid.columns) == [1, 2, 3, 4, 5]
    assert grid.at[5, 1] == "R1, R2" and grid.at[2, 4] == "R3"
    assert (grid != "").sum().sum() == 2  # R4 is unrated: not on the matrix


def test_cli_gate(loop_db: Path) -> None:
    runner = CliRunner()
    env = {"NEO4J_URI": "", "KB_ENGINE": "ladybug"}
    complete = runner.invoke(app, ["gate", "INC-A", "--db", str(loop_db)], env=env)
    assert complete.exit_code == 0, complete.output
    assert "gate complete" in complete.output and "quick-win" in complete.output
    blocked = runner.invoke(app, ["gate", "INC-B", "--db", str(loop_db), "--format", "json"], env=env)
    assert blocked.exit_code == 1
    gate = json.loads(blocked.stdout)
    assert gate["incident"] == "INC-B" and gate["status"] != "complete" and gate["reason"]
    rows = gate["findings"]
    assert rows[0]["finding"] == "R1" and rows[0]["disposition"] == "okr"
    assert "gate open" in blocked.output
    strict = runner.invoke(app, ["gate", "INC-D", "--db", str(loop_db), "--feasible-effort", "3"], env=env)
    assert strict.exit_code == 1
    unknown = runner.invoke(app, ["gate", "INC-NOPE", "--db", str(loop_db)], env=env)
    assert unknown.exit_code == 2 and "no incident 'INC-NOPE'" in unknown.output
