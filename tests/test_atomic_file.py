"""kb.atomic_file: a reader sees the old content or the new one, and a failed write leaves no trace."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import pytest

from kb.atomic_file import replace_atomically


def test_the_new_content_replaces_the_old(tmp_path: Path) -> None:
    path = tmp_path / "kept.npz"
    path.write_bytes(b"old")
    replace_atomically(path, lambda fh: fh.write(b"new"))
    assert path.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["kept.npz"]


def test_a_write_that_fails_halfway_leaves_the_old_file_and_no_aside_file(tmp_path: Path) -> None:
    path = tmp_path / "kept.npz"
    path.write_bytes(b"old")

    def half(fh: BinaryIO) -> None:
        fh.write(b"ne")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        replace_atomically(path, half)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["kept.npz"]


_WRITER = """
import sys, time
from pathlib import Path
from kb.atomic_file import replace_atomically

def slow(fh):
    fh.write(b"half of a new file")
    fh.flush()
    print("aside written", flush=True)
    time.sleep(600)

replace_atomically(Path(sys.argv[1]), slow)
"""


def test_an_aside_left_by_a_killed_writer_is_deleted_by_the_next_write_and_a_live_ones_is_not(
    tmp_path: Path,
) -> None:
    import os
    import signal
    import subprocess
    import sys

    from tests.conftest import ROOT

    path = tmp_path / "kept.npz"
    path.write_bytes(b"old")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(path)], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "aside written"
        aside = tmp_path / f"kept.npz.{writer.pid}.tmp"
        assert aside.exists()
        # While its writer runs, the aside is a write in progress: another write leaves it.
        replace_atomically(path, lambda fh: fh.write(b"new"))
        assert aside.exists() and path.read_bytes() == b"new"
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    finally:
        writer.kill()
        writer.wait(timeout=30)
    assert aside.exists()  # kill -9 left it
    other = tmp_path / "other.npz.1.tmp"  # another file's aside and non-kb names are not this write's
    other.write_bytes(b"x")
    (tmp_path / "kept.npz.notes.tmp").write_bytes(b"x")
    replace_atomically(path, lambda fh: fh.write(b"newer"))
    assert path.read_bytes() == b"newer"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.npz", "kept.npz.notes.tmp", "other.npz.1.tmp"]
