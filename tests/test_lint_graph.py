"""The lint over the graph (both engines) and the `kb check` command."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import kb
from kb.cli import app
from kb.graph.enrich import replace_related
from kb.knowledge_base import KnowledgeBase
from kb.lint import LintContext, lint_graph, lint_packets
from kb.model import EventPacket
from kb.packets import dump_packet

from .review_packets import Data, analysis, packet

NOW = datetime(2025, 9, 1, tzinfo=UTC)
runner = CliRunner()


def _dirty(data: Data) -> None:
    a = analysis(data)
    a["related_check"] = None
    a["factors"][2]["statement"] = "The on-call engineer forgot to announce the campaign"
    a["findings"][0]["tags"] = []


def _unchecked(data: Data) -> None:
    analysis(data)["related_check"] = None


def corpus() -> list[EventPacket]:
    return [
        packet(),
        packet(
            _dirty,
            id="INC-2025-002",
            started_at="2025-04-01T10:00:00Z",
            resolved_at="2025-04-01T12:00:00Z",
            compiled_at="2025-04-01T20:00:00Z",
            detected_at=None,
            mitigated_at=None,
        ),
        packet(
            _unchecked,
            id="INC-2025-003",
            started_at="2025-05-01T10:00:00Z",
            resolved_at="2025-05-01T12:00:00Z",
            compiled_at="2025-05-01T20:00:00Z",
            detected_at=None,
            mitigated_at=None,
        ),
    ]


def _load(kbase: KnowledgeBase) -> None:
    kbase.ingest_packets(corpus(), run_hooks=False)
    replace_related(
        kbase.engine,
        ["INC-2025-003"],
        [{"src": "INC-2025-003", "dst": "INC-2025-001", "score": 0.8, "basis": "test"}],
        origin="test",
    )


def test_lint_graph_finds_what_the_packets_say(any_kb: KnowledgeBase) -> None:
    _load(any_kb)
    report = lint_graph(any_kb, now=NOW)
    assert sorted(report.incidents) == ["INC-2025-001", "INC-2025-002", "INC-2025-003"]
    fired = sorted((f.incident, f.rule, f.location) for f in report.findings)
    assert fired == [
        ("INC-2025-002", "blame-language", "analyses.A1.factors.F3"),
        ("INC-2025-002", "chain-ends-at-person", "analyses.A1.factors.F3"),
        ("INC-2025-002", "missing-tags", "analyses.A1.findings.R1"),
        ("INC-2025-002", "no-related-check", "analyses.*.related_check"),
        # INC-2025-003 has no related_check either, but a RELATED_TO link in the graph.
    ]
    assert report.errors == 2 and report.exit_code == 1
    blame = next(f for f in report.findings if f.rule == "blame-language")
    assert blame.evidence == "The on-call engineer forgot to announce the campaign"
    assert blame.fix.startswith("What in our")


def test_lint_graph_equals_lint_of_the_packets_themselves(any_kb: KnowledgeBase) -> None:
    _load(any_kb)
    from_graph = lint_graph(any_kb, now=NOW).findings
    keys = [p.key for p in corpus()]
    direct = lint_packets(
        corpus(), context=LintContext(now=NOW, related_links={"INC-2025-003": 1}, known_incidents=frozenset(keys))
    ).findings
    assert sorted(from_graph, key=repr) == sorted(direct, key=repr)


def test_lint_graph_reads_a_fixed_number_of_queries(any_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    _load(any_kb)
    calls: list[str] = []
    real = any_kb.query

    def counting(name: str, **params: Any) -> Any:
        calls.append(name)
        return real(name, **params)

    real_rows = any_kb.query_rows

    def counting_rows(name: str, every_incident: bool = False, **params: Any) -> Any:
        calls.append(name)
        return real_rows(name, every_incident, **params)

    real_many = any_kb.query_rows_many

    def counting_many(names: list[str], every_incident: bool = False, **params: Any) -> Any:
        calls.extend(names)
        return real_many(names, every_incident, **params)

    monkeypatch.setattr(any_kb, "query", counting)
    monkeypatch.setattr(any_kb, "query_rows", counting_rows)
    monkeypatch.setattr(any_kb, "query_rows_many", counting_many)
    lint_graph(any_kb, ["INC-2025-001"], now=NOW)
    one = len(calls)
    calls.clear()
    lint_graph(any_kb, now=NOW)
    assert len(calls) == one and len(set(calls)) == one  # one query per part, whatever the number of incidents
    assert one > 17  # the packet's parts are counted too (read as rows)


def test_lint_graph_on_selected_keys(any_kb: KnowledgeBase) -> None:
    _load(any_kb)
    report = lint_graph(any_kb, ["INC-2025-001"], now=NOW)
    assert report.incidents == ["INC-2025-001"] and report.findings == [] and report.exit_code == 0


# -- the CLI ------------------------------------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "g.lbug"
    with kb.connect(engine="ladybug", db=path) as kbase:
        _load(kbase)
    return path


def test_cli_check_all_text_and_exit_status(db: Path) -> None:
    out = runner.invoke(app, ["check", "--all", "--db", str(db), "--now", "2025-09-01"])
    assert out.exit_code == 1, out.output
    assert "INC-2025-002  error  blame-language  analyses.A1.factors.F3" in out.output
    assert 'evidence: "The on-call engineer forgot to announce the campaign"' in out.output
    assert "fix: What in our" in out.output
    assert "4 finding(s) (2 error(s), 2 warning(s)) in 3 incident(s)" in out.output


def test_cli_check_one_incident_clean_exits_zero(db: Path) -> None:
    out = runner.invoke(app, ["check", "INC-2025-001", "--db", str(db)])
    assert out.exit_code == 0, out.output
    assert "0 finding(s) (0 error(s), 0 warning(s)) in 1 incident(s)" in out.output


def test_cli_check_json(db: Path) -> None:
    out = runner.invoke(app, ["check", "INC-2025-002", "--db", str(db), "--format", "json", "--now", "2025-09-01"])
    assert out.exit_code == 1
    data = json.loads(out.output)
    assert data["errors"] == 2 and data["incidents"] == 1
    assert data["counts"] == {"blame-language": 1, "chain-ends-at-person": 1, "missing-tags": 1, "no-related-check": 1}
    first = data["findings"][0]
    assert set(first) == {"rule", "level", "incident", "location", "evidence", "message", "fix"}
    assert first["level"] == "error"


def test_cli_check_warnings_only_exit_zero_and_config_changes_levels(db: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "kb.toml"
    cfg.write_text(
        '[check.rules.blame-language]\nlevel = "warning"\n[check.rules.chain-ends-at-person]\nenabled = false\n',
        encoding="utf-8",
    )
    out = runner.invoke(app, ["check", "INC-2025-002", "--db", str(db), "--config", str(cfg)])
    assert out.exit_code == 0, out.output
    assert "INC-2025-002  warning  blame-language" in out.output
    assert "chain-ends-at-person" not in out.output


def test_cli_check_packet_files_without_a_graph(tmp_path: Path) -> None:
    folder = tmp_path / "packets"
    folder.mkdir()
    for p in corpus()[:2]:
        (folder / f"{p.key}.yaml").write_text(yaml.safe_dump(dump_packet(p)), encoding="utf-8")
    out = runner.invoke(app, ["check", str(folder), "--now", "2025-09-01", "--format", "json"])
    assert out.exit_code == 1, out.output
    assert json.loads(out.output)["counts"]["blame-language"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give incident ids or packet files, or --all"),
        (["INC-2025-001", "--all"], "give incident ids or packet files, or --all"),
        (["INC-NOPE"], "no incident 'INC-NOPE'"),
        (["--all", "--now", "yesterday"], "--now 'yesterday': expected an ISO 8601"),
    ],
)
def test_cli_check_bad_input_exits_2(db: Path, args: list[str], message: str) -> None:
    out = runner.invoke(app, ["check", *args, "--db", str(db)])
    assert out.exit_code == 2
    assert message in out.output


def test_cli_check_bad_config_names_file_and_field(db: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "kb.toml"
    cfg.write_text('[check.rules.late-packet]\nsla_hours = "soon"\n', encoding="utf-8")
    out = runner.invoke(app, ["check", "--all", "--db", str(db), "--config", str(cfg)])
    assert out.exit_code == 2
    assert "check.rules.late-packet.sla_hours: expected int" in out.output and "kb.toml" in out.output


def test_cli_check_lists_rules() -> None:
    out = runner.invoke(app, ["check", "--rules"])
    assert out.exit_code == 0
    assert "blame-language" in out.output and "max_items=10" in out.output
