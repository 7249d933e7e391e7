"""Readers never block each other: CLI commands while another process (a notebook kernel) holds the database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from jupyter_client.manager import KernelManager, start_new_kernel
from typer.testing import CliRunner

import kb
from kb.cli import app
from kb.engines import DatabaseMissing

from .conftest import EXAMPLES, ROOT

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "g.lbug"
    assert runner.invoke(app, ["ingest", str(EXAMPLES), "--db", str(path)]).exit_code == 0
    return path


def _env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NEO4J_URI", "KB_ENGINE")}
    return {**env, "KB_DB": str(db), "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])}


@pytest.fixture
def notebook_kernel(db: Path) -> Iterator[KernelManager]:
    """A python3 kernel that ran a notebook's first cell (and so holds its connection)."""
    km, kc = start_new_kernel(kernel_name="python3", env=_env(db))
    try:
        reply = kc.execute_interactive(
            "from kb.quickstart import open_kb\nkbase = open_kb(read_only=True)\nassert kbase.incident_count() == 1",
            timeout=120,
            output_hook=lambda msg: None,
        )
        assert reply["content"]["status"] == "ok", reply["content"]
        yield km
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_cli_reads_and_writes_while_a_notebook_kernel_holds_the_database(
    db: Path, notebook_kernel: KernelManager, tmp_path: Path
) -> None:
    assert notebook_kernel.is_alive()
    stats = runner.invoke(app, ["stats", "--db", str(db), "--format", "json"])
    assert stats.exit_code == 0, stats.output
    assert {r["name"]: r["count"] for r in json.loads(stats.output)}["Incident"] == 1
    assert runner.invoke(app, ["query", "incidents", "--db", str(db)]).exit_code == 0
    # The kernel's connection is read-only and takes no lock: even a writer gets through.
    packet = tmp_path / "second.yaml"
    packet.write_text(
        (EXAMPLES / "INC-2025-001.yaml").read_text(encoding="utf-8").replace("INC-2025-001", "INC-2025-002"),
        encoding="utf-8",
    )
    ingest = runner.invoke(app, ["ingest", str(packet), "--db", str(db)])
    assert ingest.exit_code == 0, ingest.output


def test_a_writer_that_finds_a_lock_says_who_holds_it(db: Path, tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, kb\nk = kb.connect()\nprint('holding', flush=True)\nsys.stdin.read()"],
        env=_env(db),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        reader = runner.invoke(app, ["stats", "--db", str(db)])
        assert reader.exit_code == 0, reader.output  # readers pass a writer's lock
        writer = runner.invoke(app, ["ingest", str(EXAMPLES), "--db", str(db)])
        assert writer.exit_code == 2
        message = " ".join(writer.output.split())
        assert f"open for writing in another process (PID {holder.pid}" in message
        assert "read-only commands still work" in message and "Traceback" not in writer.output
    finally:
        holder.communicate("", timeout=60)


@pytest.mark.parametrize("command", [["stats"], ["repeats"], ["check", "--all"], ["metrics"]])
def test_a_read_only_command_on_a_missing_database_says_so_and_creates_nothing(
    tmp_path: Path, command: list[str]
) -> None:
    """A mistyped --db must not answer from a new, empty database (0 incidents, a clean lint)."""
    typo = tmp_path / "new" / "g.lbug"
    result = runner.invoke(app, [*command, "--db", str(typo)])
    assert result.exit_code == 2, result.output
    line = " ".join(result.output.split())  # (the console wraps it at its width)
    assert f"no Ladybug database at {typo}" in line and "kb ingest DIR" in line and "--db" in line, line
    assert "Traceback" not in result.output and not (tmp_path / "new").exists()


def test_a_notebook_s_read_only_connection_still_creates_an_empty_database(tmp_path: Path) -> None:
    fresh = tmp_path / "new" / "g.lbug"
    with kb.connect(engine="ladybug", db=fresh, read_only=True) as reader:
        assert reader.incident_count() == 0
    with (
        pytest.raises(DatabaseMissing),
        kb.connect(engine="ladybug", db=tmp_path / "other.lbug", read_only=True, create=False),
    ):
        pass
