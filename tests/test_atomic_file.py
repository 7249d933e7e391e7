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
