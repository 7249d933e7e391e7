"""Replacing a file so that a reader sees the old content or the new, never half of either.

The files kb keeps beside a database (the similarity index, kept answers, counts) are written
aside under a name of this process and swapped in with os.replace, which is atomic on POSIX
and Windows; a crash leaves the old file, or the new one, and perhaps an aside file that the
next write of this process replaces.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def replace_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write `path`'s new content with `write(file)` aside, then swap it in. Errors propagate."""
    aside = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(aside, "wb") as fh:
            write(fh)
        os.replace(aside, path)
    finally:
        with contextlib.suppress(OSError):
            aside.unlink()


__all__ = ["replace_atomically"]
