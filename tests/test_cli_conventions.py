"""Conventions every command shares: exit codes, CSV cells, --version, completion, help text, query parameters."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kb.cli import app

from .conftest import EXAMPLES

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("conventions") / "g.lbug"
    assert runner.invoke(app, ["ingest", str(EXAMPLES), "--db", str(path)]).exit_code == 0
    return path


def test_version_and_completion() -> None:
    from kb import __version__

    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0 and version.stdout.strip() == f"incident-kb {__version__}"
    helped = runner.invoke(app, ["--help"])
    assert "--install-completion" in helped.stdout and "--version" in helped.stdout


def test_help_shows_no_bool_metavar_and_keeps_sentences_whole() -> None:
    helped = runner.invoke(app, ["demo", "--help"], env={"COLUMNS": "240", "TERMINAL_WIDTH": "240"})
    assert helped.exit_code == 0
    assert "<bool>" not in helped.stdout
    # On a wide terminal a docstring paragraph is one line, not broken where the source wraps it.
    assert any(
        "The packets are also written" in line and "with the roadmap in" in line for line in helped.stdout.splitlines()
    ), helped.stdout


@pytest.mark.parametrize("command", [["similar"], ["gate"], ["export"], ["recommend"], ["check"]])
def test_an_unknown_incident_is_bad_input_everywhere(command: list[str], db: Path) -> None:
    result = runner.invoke(app, [*command, "INC-NOPE-1", "--db", str(db)])
    assert result.exit_code == 2, result.output
    assert "INC-NOPE-1" in result.output


def test_csv_joins_lists_and_writes_booleans_as_true_false(db: Path) -> None:
    result = runner.invoke(
        app, ["query", "packet_factors", "-p", 'keys=["INC-2025-001"]', "--db", str(db), "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["category_guessed"] for r in rows} <= {"true", "false"}
    themes = next(r["themes"] for r in rows if r["local_id"] == "F1")
    assert themes == "campaign-load; core-db-saturation"
    assert "[" not in result.stdout and "False" not in result.stdout


def test_query_names_its_missing_parameter_and_lists_descriptions(db: Path) -> None:
    missing = runner.invoke(app, ["query", "packet_factors", "--db", str(db)])
    assert missing.exit_code == 2
    assert "needs --param keys=VALUE" in " ".join(missing.output.split())
    listed = runner.invoke(app, ["query"])
    line = next(line for line in listed.stdout.splitlines() if line.startswith("packet_factors "))
    assert "Factors of the given incidents" in line
