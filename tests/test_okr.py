"""OKR proposals from recurring themes and barriers; both engines and the CLI."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kb.analysis.gate import gate_status
from kb.analysis.okr import OkrOptions, next_quarter, propose_okrs, save_proposals, to_csv, to_markdown
from kb.cli import app
from kb.knowledge_base import KnowledgeBase
from tests.loop_fixture import loop_packets

AS_OF = datetime(2025, 7, 1, tzinfo=UTC)


def test_recurring_subjects_in_window(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets(loop_packets())
    # config-drift: A (Jan 10), B (Feb 1), D (Apr 20); capacity: C, D; barrier config-validation
    # failed/bypassed in A and B (held in C: not counted).
    wide = propose_okrs(any_kb, OkrOptions(min_incidents=2, window_days=365), as_of=AS_OF)
    assert [(r.kind, r.subject, r.incidents) for r in wide.itertuples()] == [
        ("theme", "config-drift", 3),
        ("barrier", "config-validation", 2),
        ("theme", "capacity", 2),
    ]
    three = propose_okrs(any_kb, OkrOptions(min_incidents=3, window_days=365), as_of=AS_OF)
    assert three["subject"].tolist() == ["config-drift"]
    # A 120-day window ending Jul 1 starts Mar 3: only C and D are in it.
    recent = propose_okrs(any_kb, OkrOptions(min_incidents=2, window_days=120), as_of=AS_OF)
    assert recent["subject"].tolist() == ["capacity"] and recent.iloc[0]["evidence"] == ["INC-C", "INC-D"]
    assert propose_okrs(any_kb, OkrOptions(min_incidents=4, window_days=365), as_of=AS_OF).empty


def test_proposal_is_grounded_in_evidence(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets(loop_packets())
    p = propose_okrs(any_kb, OkrOptions(min_incidents=3, window_days=365), as_of=AS_OF).iloc[0]
    assert p["key"] == "okr-draft/theme/config-drift/2025Q4"
    assert p["quarter"] == "2025Q4" and p["evidence"] == ["INC-A", "INC-B", "INC-D"]
    # Both A/R1 and B/R1 name the theme itself; the higher-impact one (A/R1, impact 5) names the means.
    assert p["objective"] == (
        "Reduce incidents caused by config drift by 50% through: Validate every config push against its schema"
    )
    krs = p["key_results"]
    assert krs[0] == (
        "At most 1 incidents involving config drift in the next 365 days, down from 3 in the "
        "last 365 (INC-A, INC-B, INC-D)"
    )
    assert "jira:OPS-1, jira:OPS-4" in krs[1]
    assert "INC-B/finding/R1, INC-D/finding/R1" in krs[2]
    assert p["findings"] == ["INC-A/finding/R1", "INC-B/finding/R1", "INC-D/finding/R1", "INC-D/finding/R2"]
    reduced = propose_okrs(any_kb, OkrOptions(min_incidents=3, window_days=365, reduction=1.0), as_of=AS_OF)
    assert reduced.iloc[0]["objective"].startswith("Reduce incidents caused by config drift by 100%")
    assert reduced.iloc[0]["key_results"][0].startswith("At most 0 incidents")


def test_exports(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets(loop_packets())
    props = propose_okrs(any_kb, OkrOptions(min_incidents=2, window_days=365), as_of=AS_OF)
    md = to_markdown(props)
    assert md.count("\n## ") == 3 and "- **KR1.** At most 1 incidents involving config drift" in md
    assert "Evidence: INC-A, INC-B, INC-D." in md
    rows = list(csv.DictReader(io.StringIO(to_csv(props))))
    assert len(rows) == 3 and rows[0]["evidence"] == "INC-A;INC-B;INC-D"
    assert rows[0]["key_results"].split("\n")[0].startswith("At most 1 incidents")
    assert "Nothing recurs" in to_markdown(props.iloc[0:0])


def test_save_links_agreed_findings(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets(loop_packets())
    props = propose_okrs(any_kb, OkrOptions(min_incidents=3, window_days=365), as_of=AS_OF)
    assert gate_status(any_kb, ["INC-D"]).iloc[0]["status"] == "complete"
    assert save_proposals(any_kb, props) == 1
    objectives = any_kb.query("packet_objectives", keys=["INC-A", "INC-B", "INC-D"])
    drafts = objectives[objectives["origin"] == "okr-draft"]
    assert sorted(drafts["finding"]) == ["INC-A/finding/R1", "INC-B/finding/R1", "INC-D/finding/R1", "INC-D/finding/R2"]
    assert set(drafts["key"]) == {"okr-draft/theme/config-drift/2025Q4"}
    assert save_proposals(any_kb, props) == 1  # idempotent: same key, same links
    again = any_kb.query("packet_objectives", keys=["INC-A", "INC-B", "INC-D"])
    assert len(again[again["origin"] == "okr-draft"]) == 4


def test_options_and_quarters() -> None:
    assert next_quarter(datetime(2025, 12, 31, tzinfo=UTC)) == "2026Q1"
    assert next_quarter(datetime(2025, 4, 1, tzinfo=UTC)) == "2025Q3"
    with pytest.raises(ValueError):
        propose_okrs(None, OkrOptions(reduction=0))  # type: ignore[arg-type]


def test_cli_okr_propose(loop_db: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"NEO4J_URI": "", "KB_ENGINE": "ladybug"}
    base = ["okr", "propose", "--db", str(loop_db), "--as-of", "2025-07-01", "--window-days", "365"]
    md = runner.invoke(app, [*base, "--min-incidents", "2"], env=env)
    assert md.exit_code == 0, md.output
    assert md.output.startswith("# OKR proposals") and md.output.count("\n## ") == 3
    out = tmp_path / "okrs.csv"
    as_csv = runner.invoke(app, [*base, "--format", "csv", "--out", str(out), "--save"], env=env)
    assert as_csv.exit_code == 0 and "stored 1 draft objective(s)" in as_csv.output
    assert list(csv.DictReader(out.open()))[0]["subject"] == "config-drift"
    assert runner.invoke(app, [*base, "--min-incidents", "0"], env=env).exit_code == 2
