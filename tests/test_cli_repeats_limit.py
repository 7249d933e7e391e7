"""`kb repeats` as a table shows the newest rows and says what it left out; csv and json give every row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kb.cli import app

runner = CliRunner()


@pytest.fixture
def demo_db(demo120: tuple[Path, str]) -> Path:
    return demo120[0]


def _json_rows(db: Path, *extra: str) -> list[dict[str, object]]:
    out = runner.invoke(app, ["repeats", "--db", str(db), "--format", "json", *extra])
    assert out.exit_code == 0, out.output
    rows: list[dict[str, object]] = json.loads(out.stdout)
    return rows


def test_the_table_shows_the_newest_rows_and_names_how_many_it_left_out(demo_db: Path) -> None:
    rows = _json_rows(demo_db)
    assert len(rows) > 8, "the demo has repeats to cut"
    out = runner.invoke(app, ["repeats", "--db", str(demo_db), "--limit", "3"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert f"the newest 3 of {len(rows):,} rows shown" in " ".join(out.stderr.split())
    shown = [line for line in out.stdout.splitlines() if line.startswith("│ INC-")]
    assert [line.split("│")[1].strip() for line in shown] == [str(r["incident"]) for r in rows[-3:]]
    # The title still counts every repeat incident, not the rows shown.
    assert f"{len({r['incident'] for r in rows})} repeat incident(s)" in out.stdout


def test_programs_always_get_every_row(demo_db: Path) -> None:
    rows = _json_rows(demo_db)
    assert _json_rows(demo_db, "--limit", "3") == rows
    out = runner.invoke(app, ["repeats", "--db", str(demo_db), "--format", "csv", "--limit", "3"])
    assert out.exit_code == 0 and len(out.stdout.splitlines()) == len(rows) + 1


def test_limit_zero_or_a_short_list_shows_everything_without_a_note(demo_db: Path) -> None:
    rows = _json_rows(demo_db)
    for extra in (["--limit", "0"], ["--limit", str(len(rows))]):
        out = runner.invoke(app, ["repeats", "--db", str(demo_db), *extra], env={"COLUMNS": "200"})
        assert out.exit_code == 0, out.output
        assert "rows shown" not in out.stderr
        assert sum(line.startswith("│ INC-") for line in out.stdout.splitlines()) == len(rows)
