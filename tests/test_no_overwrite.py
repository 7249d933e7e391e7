"""No command overwrites a file it did not write without --force: the imports' --out, `kb export --out`,
`kb report --out` (kb demo --out is tested in test_cli_demo.py). A refusal is one line naming the
file and the flag, and nothing is written; a re-run that writes the same bytes is not refused."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kb import file_guard
from kb.cli import app

ROOT = Path(__file__).resolve().parents[1]
PD_LIST = ROOT / "tests" / "fixtures" / "pagerduty" / "incidents-list.json"
PD_ONE = ROOT / "tests" / "fixtures" / "pagerduty" / "incident-PXYZ123.json"
DOC = ROOT / "tests" / "fixtures" / "postmortems-other" / "INC-2024-017 - Checkout API errors.md"
MINE = "# my own notes, not a kb file\n"
runner = CliRunner()


def _refusal(result: object, path: Path) -> str:
    err = result.stderr  # type: ignore[attr-defined]
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    line = " ".join(err.split())
    assert str(path) in line and "--force" in line and "nothing was written" in line, err
    return line


def test_pagerduty_out_keeps_a_file_it_did_not_write(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "PD-2002.yaml").write_text(MINE)
    result = runner.invoke(app, ["import", "pagerduty", str(PD_LIST), "--out", str(out)])
    line = _refusal(result, out / "PD-2002.yaml")
    assert f"--merge-into {out}" in line
    assert (out / "PD-2002.yaml").read_text() == MINE
    assert sorted(p.name for p in out.iterdir()) == ["PD-2002.yaml"]  # PD-2001 was not written either
    forced = runner.invoke(app, ["import", "pagerduty", str(PD_LIST), "--out", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert "pagerduty:PBBB222" in (out / "PD-2002.yaml").read_text()


def test_pagerduty_out_rerun_writes_the_same_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert runner.invoke(app, ["import", "pagerduty", str(PD_LIST), "--out", str(out)]).exit_code == 0
    first = {p.name: p.read_text() for p in out.iterdir()}
    again = runner.invoke(app, ["import", "pagerduty", str(PD_LIST), "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert {p.name: p.read_text() for p in out.iterdir()} == first


def test_pagerduty_merge_into_does_not_replace_a_broken_file_of_the_same_name(tmp_path: Path) -> None:
    folder = tmp_path / "packets"
    folder.mkdir()
    broken = folder / "PD-1234.yaml"
    broken.write_text("incident: [not, a, packet\n")
    result = runner.invoke(app, ["import", "pagerduty", str(PD_ONE), "--merge-into", str(folder)])
    _refusal(result, broken)
    assert broken.read_text() == "incident: [not, a, packet\n"


def test_markdown_out_keeps_a_file_it_did_not_write(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "INC-2024-017.yaml").write_text(MINE)
    result = runner.invoke(app, ["import", "markdown", str(DOC), "--out", str(out)])
    _refusal(result, out / "INC-2024-017.yaml")
    assert (out / "INC-2024-017.yaml").read_text() == MINE
    again = runner.invoke(app, ["import", "markdown", str(DOC), "--out", str(out), "--force"])
    assert again.exit_code == 0, again.output
    written = (out / "INC-2024-017.yaml").read_text()
    assert "INC-2024-017" in written
    rerun = runner.invoke(app, ["import", "markdown", str(DOC), "--out", str(out)])  # the same bytes: fine
    assert rerun.exit_code == 0, rerun.output
    assert (out / "INC-2024-017.yaml").read_text() == written


def test_pdf_import_has_the_flag_too() -> None:
    helped = runner.invoke(app, ["import", "pdf", "--help"], env={"COLUMNS": "200", "TERMINAL_WIDTH": "200"})
    assert "--force" in helped.stdout


def test_export_out_keeps_a_file_it_did_not_write(tmp_path: Path) -> None:
    db = tmp_path / "g.lbug"
    assert runner.invoke(app, ["import", "markdown", str(DOC), "--ingest", "--db", str(db)]).exit_code == 0
    out = tmp_path / "INC-2024-017.yaml"
    out.write_text(MINE)
    result = runner.invoke(app, ["export", "INC-2024-017", "--db", str(db), "--out", str(out)])
    _refusal(result, out)
    assert out.read_text() == MINE
    forced = runner.invoke(app, ["export", "INC-2024-017", "--db", str(db), "--out", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    same = runner.invoke(app, ["export", "INC-2024-017", "--db", str(db), "--out", str(out)])
    assert same.exit_code == 0, same.output  # the same bytes again
    # Other content into the file kb wrote (the review instead of the packet): kb's own file, replaced.
    review = ["export", "INC-2024-017", "--format", "markdown", "--db", str(db), "--out", str(out)]
    assert runner.invoke(app, review).exit_code == 0 and out.read_text().startswith("#")
    out.write_text(out.read_text() + "my note\n")  # once someone edits it, it is theirs
    _refusal(runner.invoke(app, ["export", "INC-2024-017", "--db", str(db), "--out", str(out)]), out)
    assert out.read_text().endswith("my note\n")


def test_report_out_keeps_a_readme_it_did_not_write(tmp_path: Path) -> None:
    db = tmp_path / "g.lbug"
    assert runner.invoke(app, ["import", "markdown", str(DOC), "--ingest", "--db", str(db)]).exit_code == 0
    out = tmp_path / "repo"
    out.mkdir()
    (out / "README.md").write_text(MINE)
    result = runner.invoke(app, ["report", "--no-static", "--out", str(out), "--db", str(db), "--quiet"])
    _refusal(result, out / "README.md")
    assert sorted(p.name for p in out.iterdir()) == ["README.md"]
    assert (out / "README.md").read_text() == MINE


def test_a_file_kb_wrote_and_nobody_changed_may_be_replaced(tmp_path: Path) -> None:
    page = tmp_path / "review.html"
    page.write_text("<p>kb wrote this</p>")
    assert not file_guard.may_replace(page)  # nothing says kb wrote it
    file_guard.record([page])
    assert file_guard.may_replace(page)
    file_guard.check([page, tmp_path / "new.html"])
    page.write_text("<p>the user edited it</p>")
    assert not file_guard.may_replace(page)
    assert file_guard.may_replace(page, b"<p>the user edited it</p>")  # writing the same bytes loses nothing
    try:
        file_guard.check([page])
    except file_guard.OverwriteRefused as exc:
        assert exc.path == page
    else:
        raise AssertionError("an edited file was not refused")
    file_guard.check([page], force=True)


def test_single_file_outputs_keep_a_file_they_did_not_write(tmp_path: Path) -> None:
    db = tmp_path / "g.lbug"
    assert runner.invoke(app, ["ingest", str(ROOT / "examples" / "packets"), "--db", str(db)]).exit_code == 0
    out = tmp_path / "mine.txt"
    out.write_text(MINE)
    commands = [
        ["okr", "propose", "--out", str(out)],
        ["themes", "learn", "--out", str(out)],
        ["gate", "INC-2025-001", "--export", "jira-csv", "--out", str(out)],
    ]
    for command in commands:
        result = runner.invoke(app, [*command, "--db", str(db)])
        _refusal(result, out)
        assert out.read_text() == MINE, command
    forced = runner.invoke(app, ["okr", "propose", "--out", str(out), "--db", str(db), "--force"])
    assert forced.exit_code == 0, forced.output
    assert out.read_text() != MINE
