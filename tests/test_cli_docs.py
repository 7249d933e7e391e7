"""Every CLI command has help text, appears in the README, and is exercised by a test."""

from __future__ import annotations

import re
from typing import Any

import typer.main

from kb.cli import app

from .conftest import ROOT


def _is_group(cmd: Any) -> bool:
    # typer may bundle its own click, so test the shape rather than click.Group.
    return isinstance(getattr(cmd, "commands", None), dict)


def _commands(group: Any, prefix: str = "kb") -> list[tuple[str, Any]]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        out.append((path, cmd))
        if _is_group(cmd):
            out += _commands(cmd, path)
    return out


COMMANDS = _commands(typer.main.get_command(app))


def test_every_command_has_help() -> None:
    assert len(COMMANDS) >= 5
    missing = [path for path, cmd in COMMANDS if not (cmd.help or "").strip()]
    assert missing == []


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [
        path for path, _ in COMMANDS if not re.search(rf"(`|^#+ ){re.escape(path)}\b", readme, flags=re.MULTILINE)
    ]
    assert missing == [], f"commands not documented in README.md: {missing}"


def test_every_command_is_invoked_by_a_test() -> None:
    tests = "\n".join(p.read_text() for p in (ROOT / "tests").glob("test_*.py") if p.name != "test_cli_docs.py")
    leaves = [path for path, cmd in COMMANDS if not _is_group(cmd)]
    # A CliRunner invocation names the command words as the first list items: ["ingest", ...].
    untested = [
        path
        for path in leaves
        if not re.search(r"\[\s*" + r",\s*".join(f'"{w}"' for w in path.split()[1:]) + r"[,\]]", tests)
    ]
    assert untested == [], f"commands no test invokes: {untested}"
