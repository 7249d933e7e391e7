"""The core commands through the CLI, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from kb.cli import app

from .conftest import EXAMPLES

runner = CliRunner()


def _db(tmp_path: Path) -> list[str]:
    return ["--db", str(tmp_path / "g.lbug")]


def test_init_then_stats_empty(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", *_db(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "schema ready" in result.output
    result = runner.invoke(app, ["stats", *_db(tmp_path), "--format", "json"])
    counts = {r["name"]: r["count"] for r in json.loads(result.output)}
    assert counts["Incident"] == 0 and "RELATED_TO" in counts


def test_schema_prints_json_schema() -> None:
    result = runner.invoke(app, ["schema"])
    schema = json.loads(result.output)
    assert schema["title"] == "EventPacket"
    assert "incident" in schema["properties"]


def test_ingest_reports_and_counts(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", str(EXAMPLES), *_db(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "accepted 1 file(s), rejected 0" in result.output
    result = runner.invoke(app, ["stats", *_db(tmp_path), "--format", "csv"])
    assert "node,Factor,4" in result.output


def test_ingest_rejects_with_file_field_and_expectation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        yaml.safe_dump({"incident": {"id": "X-1", "title": "t", "severity": 9, "started_at": "2025-01-01T00:00:00"}})
    )
    # Wide enough that a long temporary path (an xdist worker's) is not wrapped mid-name.
    result = runner.invoke(app, ["ingest", str(bad), str(EXAMPLES), *_db(tmp_path)], env={"COLUMNS": "400"})
    assert result.exit_code == 1
    assert f"rejected {bad}" in result.output
    assert "incident.severity: Input should be less than or equal to 5" in result.output
    assert "incident.started_at: Input should have timezone info" in result.output
    assert "accepted 1 file(s), rejected 1" in result.output


def test_ingest_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", str(tmp_path / "nope"), *_db(tmp_path)])
    assert result.exit_code == 2
    assert "no such file or folder" in result.output


def test_query_lists_and_runs(tmp_path: Path) -> None:
    listed = runner.invoke(app, ["query"])
    assert "packet_factors" in listed.output.split()
    runner.invoke(app, ["ingest", str(EXAMPLES), *_db(tmp_path)])
    result = runner.invoke(
        app, ["query", "packet_factors", "-p", 'keys=["INC-2025-001"]', *_db(tmp_path), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert [r["local_id"] for r in json.loads(result.output)] == ["F1", "F2", "F3", "F4"]
    unknown = runner.invoke(app, ["query", "nope", *_db(tmp_path)])
    assert unknown.exit_code == 2 and "no query named 'nope'" in unknown.output


def test_demo_loads_writes_and_is_deterministic(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    args = ["demo", "--incidents", "40", "--out", str(out), *_db(tmp_path)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "40 incidents" in first.output and "planted clusters:" in first.output
    assert len(list((out / "packets").glob("*.yaml"))) == 40
    assert (out / "truth.json").is_file() and (out / "roadmap.yaml").is_file()
    stats1 = runner.invoke(app, ["stats", *_db(tmp_path), "--format", "json"]).output
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert runner.invoke(app, ["stats", *_db(tmp_path), "--format", "json"]).output == stats1
    # The written packets are valid files that ingest into a second database to the same counts.
    other = ["--db", str(tmp_path / "other.lbug")]
    assert runner.invoke(app, ["ingest", str(out / "packets"), *other]).exit_code == 0
    counts = {r["name"]: r["count"] for r in json.loads(runner.invoke(app, ["stats", *other, "-f", "json"]).output)}
    assert counts["Incident"] == 40
