"""`kb demo` loses nothing it did not make: the user's files in OUT, the user's data in the database."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from kb.cli import app
from kb.knowledge_base import KnowledgeBase
from kb.quickstart import generate_demo, load_demo

from .conftest import EXAMPLES

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


def _incidents(db: Path) -> int:
    result = runner.invoke(app, ["stats", "--db", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    return int(next(r["count"] for r in json.loads(result.output) if r["name"] == "Incident"))


def test_demo_keeps_files_it_did_not_write_and_tidies_its_own(tmp_path: Path) -> None:
    out, db = tmp_path / "out", tmp_path / "g.lbug"
    mine = out / "packets" / "my-notes.yaml"
    mine.parent.mkdir(parents=True)
    mine.write_text("kept: true\n")
    first = runner.invoke(app, ["demo", "--incidents", "14", "--out", str(out), "--db", str(db), "--quiet"])
    assert first.exit_code == 0, first.output
    written = sorted(p.name for p in (out / "packets").glob("INC-*.yaml"))
    assert len(written) == 14
    smaller = {f"{p.key}.yaml" for p in generate_demo(10, 7).packets}
    stale = sorted(set(written) - smaller)
    assert len(stale) >= 2, "the smaller corpus must drop some of the larger one's files"
    edited = out / "packets" / stale[0]
    edited.write_text(edited.read_text() + "# my note\n")
    # A smaller corpus: the demo's own unchanged files it no longer has go; the user's stay.
    second = runner.invoke(app, ["demo", "--incidents", "10", "--out", str(out), "--db", str(db), "--quiet"])
    assert second.exit_code == 0, second.output
    assert mine.read_text() == "kept: true\n"
    assert edited.read_text().endswith("# my note\n")
    left = {p.name for p in (out / "packets").glob("INC-*.yaml")}
    assert left == smaller | {edited.name}
    assert _incidents(db) == 10


def test_demo_refuses_to_overwrite_a_file_it_did_not_write(tmp_path: Path) -> None:
    out, db = tmp_path / "out", tmp_path / "g.lbug"
    first = runner.invoke(
        app, ["demo", "--incidents", "10", "--out", str(tmp_path / "probe"), "--db", str(db), "--quiet"]
    )
    assert first.exit_code == 0, first.output
    name = sorted((tmp_path / "probe" / "packets").glob("*.yaml"))[0].name
    theirs = out / "packets" / name
    theirs.parent.mkdir(parents=True)
    theirs.write_text("hand: written\n")
    refused = runner.invoke(app, ["demo", "--incidents", "10", "--out", str(out), "--db", str(db), "--quiet"])
    assert refused.exit_code == 2
    assert f"packets/{name}" in refused.output and "--force" in refused.output
    assert theirs.read_text() == "hand: written\n"
    assert sorted(p.name for p in (out / "packets").iterdir()) == [name]  # nothing else written either
    forced = runner.invoke(app, ["demo", "--incidents", "10", "--out", str(out), "--db", str(db), "--quiet", "--force"])
    assert forced.exit_code == 0, forced.output
    assert theirs.read_text() != "hand: written\n"


def test_demo_does_not_empty_a_database_with_the_users_data(tmp_path: Path) -> None:
    out, db = tmp_path / "out", tmp_path / "g.lbug"
    assert runner.invoke(app, ["ingest", str(EXAMPLES), "--db", str(db)]).exit_code == 0
    refused = runner.invoke(app, ["demo", "--incidents", "10", "--out", str(out), "--db", str(db)])
    assert refused.exit_code == 2
    assert "not from the demo (1 manual incidents)" in " ".join(refused.output.split())
    assert _incidents(db) == 1 and not out.exists()
    kept = runner.invoke(app, ["demo", "--incidents", "10", "--out", str(out), "--db", str(db), "--keep", "--quiet"])
    assert kept.exit_code == 0, kept.output
    assert _incidents(db) == 11
    forced = runner.invoke(app, ["demo", "--incidents", "10", "--out", str(out), "--db", str(db), "--force", "--quiet"])
    assert forced.exit_code == 0, forced.output
    assert _incidents(db) == 10
    # Only demo data now: a plain re-run may empty it.
    again = runner.invoke(app, ["demo", "--incidents", "12", "--out", str(out), "--db", str(db), "--quiet"])
    assert again.exit_code == 0, again.output
    assert _incidents(db) == 12


def test_holds_only_demo_data_on_both_engines(any_kb: KnowledgeBase) -> None:
    assert any_kb.holds_only_demo_data()  # empty
    any_kb.ingest_paths([EXAMPLES])
    assert any_kb.incident_sources() == {"manual": 1} and not any_kb.holds_only_demo_data()
    any_kb.reset()
    assert any_kb.incident_count() == 0 and any_kb.holds_only_demo_data()
    load_demo(any_kb, incidents=10)
    assert any_kb.incident_sources() == {"demo": 10} and any_kb.holds_only_demo_data()


def _on_a_terminal(args: list[str], answer: str, cwd: Path) -> tuple[int, str]:
    """Run `kb ARGS` with a pseudo-terminal as its stdin/stdout/stderr (so it may prompt), answer the
    prompt, and return the exit status and everything it printed."""
    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", "TERMINAL_WIDTH": "200"}
    env.pop("NEO4J_URI", None)
    env.pop("KB_ENGINE", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "kb", *args], stdin=follower, stdout=follower, stderr=follower, cwd=cwd, env=env
    )
    os.close(follower)
    seen, answered = b"", False
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], 300)  # a safety net against a hang, not a timing
            if not ready:
                proc.kill()
                raise AssertionError(f"no output for 300 s; so far: {seen.decode(errors='replace')}")
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            if not answered and b"[y/N]" in seen:
                os.write(leader, answer.encode() + b"\n")
                answered = True
    finally:
        os.close(leader)
    text = re.sub(r"\x1b\[[0-9;]*m", "", seen.decode(errors="replace"))  # colours: it is a terminal
    return proc.wait(), " ".join(text.split())


def test_demo_asks_on_a_terminal_before_emptying_the_users_data(tmp_path: Path) -> None:
    out, db = tmp_path / "out", tmp_path / "g.lbug"
    assert runner.invoke(app, ["ingest", str(EXAMPLES), "--db", str(db)]).exit_code == 0
    args = ["demo", "--incidents", "10", "--out", str(out), "--db", str(db), "--quiet"]
    code, said = _on_a_terminal(args, "n", tmp_path)
    assert "not from the demo (1 manual incidents)" in said and "[y/N]" in said, said
    assert code == 1 and "nothing changed" in said, said
    assert _incidents(db) == 1 and not out.exists()
    code, said = _on_a_terminal(args, "y", tmp_path)
    assert code == 0, said
    assert "10 incidents loaded" in said
    assert _incidents(db) == 10
