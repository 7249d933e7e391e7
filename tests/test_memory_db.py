"""':memory:' always means a database in memory, never a file named ':memory:' (one such stray
database and its lock were once committed at the repo root), or it gets a clear one-line error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import kb
from kb.engines import EngineError

from .conftest import EXAMPLES

ROOT = Path(__file__).resolve().parents[1]


def test_in_memory_writes_nothing_to_the_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with kb.connect(engine="ladybug", db=":memory:") as kbase:
        assert kbase.ingest_paths([EXAMPLES]).ok
        assert kbase.incident_count() == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", ["absolute", "folder"])
def test_a_path_ending_in_memory_is_refused(tmp_path: Path, where: str) -> None:
    path = tmp_path / ":memory:" if where == "absolute" else Path("sub") / ":memory:"
    with pytest.raises(EngineError, match="alone means a database in memory"):
        kb.connect(engine="ladybug", db=path)
    assert not (tmp_path / ":memory:").exists() and not Path("sub").exists()


def test_read_only_in_memory_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(EngineError, match="cannot be opened read-only"):
        kb.connect(engine="ladybug", db=":memory:", read_only=True)
    assert list(tmp_path.iterdir()) == []


def _kb(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    full.pop("NEO4J_URI", None)
    full.pop("KB_ENGINE", None)
    return subprocess.run([sys.executable, "-m", "kb", *args], cwd=cwd, env=full, capture_output=True, text=True)


def test_cli_memory_db_leaves_no_file(tmp_path: Path) -> None:
    ingested = _kb(["ingest", str(EXAMPLES), "--db", ":memory:"], tmp_path)
    assert ingested.returncode == 0, ingested.stderr
    from_env = _kb(["init"], tmp_path, KB_DB=":memory:")
    assert from_env.returncode == 0 and "in memory" in from_env.stdout, from_env.stderr
    read = _kb(["stats", "--db", ":memory:"], tmp_path)  # a read-only command
    assert read.returncode == 2
    assert read.stderr.count("\n") == 1 and "cannot be opened read-only" in read.stderr, read.stderr
    stray = _kb(["init", "--db", str(tmp_path / ":memory:")], tmp_path)
    assert stray.returncode == 2 and "alone means a database in memory" in stray.stderr, stray.stderr
    assert list(tmp_path.iterdir()) == []
