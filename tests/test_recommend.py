"""Framework recommendation: reasons from severity, impact, breadth and the barrier inventory; under-fit warnings."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

import kb
from kb.analysis.frameworks import INVENTORY_COLUMNS
from kb.analysis.recommend import recommend, recommend_from_graph
from kb.cli import app
from kb.knowledge_base import KnowledgeBase
from kb.model import EventPacket, Method

from .review_packets import minimal, packet
from .test_frameworks import BRANCHING, LINEAR, _other_incident, five_whys_packet

runner = CliRunner()


def _inventory(*rows: tuple[str, str, list[str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"barrier": b, "name": None, "kind": None, "incident": i, "status": "failed", "services": s}
            for b, i, s in rows
        ],
        columns=INVENTORY_COLUMNS,
    )


def test_a_simple_isolated_failure_gets_five_whys() -> None:
    rec = recommend(LINEAR)
    assert rec.methods == [Method.FIVE_WHYS]
    assert "simple, isolated failure" in rec.reasons[0]
    assert rec.warnings == []


def test_high_severity_gets_a_contribution_map_and_a_linear_five_whys_is_warned() -> None:
    sev1 = LINEAR.model_copy(update={"incident": LINEAR.incident.model_copy(update={"severity": 1})})
    rec = recommend(sev1)
    assert rec.methods == [Method.CONTRIBUTION_MAP]
    assert "high severity (SEV1)" in rec.reasons[0]
    assert rec.warnings == [
        "analysis A1 under-fits: a linear Five Whys (one chain of 3) on a SEV1 incident; add a Contribution Factor Map"
    ]


def test_a_linear_five_whys_across_teams_is_warned_a_branching_one_is_not() -> None:
    def two_teams(p: EventPacket) -> EventPacket:
        return p.model_copy(update={"incident": p.incident.model_copy(update={"teams": ["data", "platform"]})})

    (warning,) = recommend(two_teams(LINEAR)).warnings
    assert "on a 2 teams (data, platform) incident" in warning
    rec = recommend(two_teams(BRANCHING))
    assert rec.methods == [Method.CONTRIBUTION_MAP] and rec.warnings == []


def test_a_sev2_linear_five_whys_is_advised_against_but_not_warned() -> None:
    sev2 = LINEAR.model_copy(update={"incident": LINEAR.incident.model_copy(update={"severity": 2})})
    rec = recommend(sev2)
    assert rec.methods == [Method.CONTRIBUTION_MAP] and rec.warnings == []


def test_each_complexity_signal_alone_is_enough() -> None:
    for change in (
        {"revenue_impact": 500.0},
        {"customers_affected": 40},
        {"teams": ["data", "web"]},
        {"services": ["reports", "warehouse"]},
    ):
        p = minimal(**change)
        assert recommend(p).methods == [Method.CONTRIBUTION_MAP], change
    assert recommend(minimal(severity=3)).methods == [Method.FIVE_WHYS]


def test_barrier_inventory_for_the_services_adds_barrier_analysis() -> None:
    inv = _inventory(("backup-verify", "INC-OLD-1", ["reports"]), ("canary", "INC-OLD-2", ["search"]))
    simple = recommend(minimal(), inv)
    assert simple.methods == [Method.BARRIER_ANALYSIS]
    assert "alone" in simple.reasons[0] and "backup-verify" in simple.reasons[0]
    assert "canary" not in simple.reasons[0]  # recorded against another service
    big = recommend(packet(), _inventory(("load-shedding", "INC-OLD-1", ["checkout"])))
    assert big.methods == [Method.CONTRIBUTION_MAP, Method.BARRIER_ANALYSIS]


def test_an_incidents_own_barriers_are_not_an_inventory() -> None:
    own = _inventory(("load-shedding", "INC-2025-001", ["checkout"]))
    assert recommend(packet(), own).methods == [Method.CONTRIBUTION_MAP]


def test_inventory_but_no_barrier_assessed_is_warned() -> None:
    inv = _inventory(("backup-verify", "INC-OLD-1", ["reports"]))
    p = five_whys_packet([("W1", "The job read a truncated file")], [("W1", "impact")])
    assert recommend(p, inv).warnings == ["1 known control(s) for these services, but no analysis assesses a barrier"]
    assert recommend(minimal(), inv).warnings == ["no analysis recorded yet"]


def test_recommend_from_the_graph(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets([packet(), _other_incident("INC-2025-000", ["checkout"])], run_hooks=False)
    rec = recommend_from_graph(any_kb, "INC-2025-001")
    assert rec.methods == [Method.CONTRIBUTION_MAP, Method.BARRIER_ANALYSIS]
    assert rec.recorded == [Method.CONTRIBUTION_MAP]
    assert sorted(rec.inventory["barrier"]) == ["canary-deploys", "load-shedding"]
    assert rec.warnings == []


def test_cli_recommend(tmp_path: Path) -> None:
    db = tmp_path / "g.lbug"
    with kb.connect(engine="ladybug", db=db) as kbase:
        sev1 = LINEAR.model_copy(update={"incident": LINEAR.incident.model_copy(update={"severity": 1})})
        kbase.ingest_packets([sev1], run_hooks=False)
    out = runner.invoke(app, ["recommend", "INC-W-1", "--db", str(db)])
    assert out.exit_code == 0, out.output
    assert "INC-W-1: recommended Contribution Factor Map" in out.output
    assert "warning: analysis A1 under-fits: a linear Five Whys" in out.output
    js = runner.invoke(app, ["recommend", "INC-W-1", "--db", str(db), "--format", "json"])
    assert json.loads(js.output)["methods"] == ["contribution_map"]
    missing = runner.invoke(app, ["recommend", "INC-NOPE", "--db", str(db)])
    assert missing.exit_code == 2 and "no incident 'INC-NOPE'" in missing.output
