"""kb.cli.lazy_typer: a run that builds only the invoked command prints what the full build prints,
for every command's help, the root's help, no arguments and a mistyped command."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

from typer.main import get_command

from kb.cli import app

ROOT = Path(__file__).resolve().parents[1]

# Runs each command line twice in this process, through the app (lazy) and through typer's full
# build, and prints both outputs and exit codes as JSON.
_BOTH = r"""
import contextlib, io, json, sys
import typer.main
from kb.cli import app

def run(call, args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            call(args, prog_name="kb")
            code = 0
        except SystemExit as exc:
            code = exc.code
    return [out.getvalue(), err.getvalue(), code]

full = typer.main.get_command(app)
got = {}
for line in json.loads(sys.argv[1]):
    got[" ".join(line)] = {"lazy": run(app, line), "full": run(full, line)}
print(json.dumps(got))
"""


def _command_lines() -> list[list[str]]:
    group = get_command(app)
    lines: list[list[str]] = [[], ["--help"], ["stat"], ["themes", "nope"], ["--version"]]
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        lines.append([name, "--help"])
        for sub in getattr(command, "commands", {}):
            lines.append([name, sub, "--help"])
    return lines


def test_lazy_build_prints_what_the_full_build_prints() -> None:
    lines = _command_lines()
    assert len(lines) > 40
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120", "TERM": "dumb"}
    env.pop("NEO4J_URI", None)
    run = subprocess.run(
        [sys.executable, "-c", _BOTH, json.dumps(lines)], env=env, capture_output=True, text=True, check=True
    )
    got = json.loads(run.stdout)
    assert len(got) == len(lines)
    for line, outputs in got.items():
        assert outputs["lazy"] == outputs["full"], line
    assert "stats" in got["--help"]["lazy"][0]
    assert "No such command" in got["stat"]["lazy"][1]
    assert got["stats --help"]["lazy"][0].count("--db") == 1


def test_the_app_keeps_every_command_after_a_run() -> None:
    before = [c.name or c.callback.__name__ for c in app.registered_commands if c.callback]
    with contextlib.suppress(SystemExit):
        app(["--help"], prog_name="kb")
    after = [c.name or c.callback.__name__ for c in app.registered_commands if c.callback]
    assert after == before
    assert all(c.callback is not None and c.callback.__name__ != "_stand_in" for c in app.registered_commands)
