"""No command overwrites a file it did not write, without an explicit flag (--force).

A file at a target path may be replaced when it holds exactly what is about to be written (a
re-run), or when its folder's manifest (.kb-written.json, kept by `record` for commands that write
folders of outputs, such as `kb report`) says kb wrote it and it is unchanged since. Anything else
is the user's: `check` refuses, naming the first such file, before anything is written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

MANIFEST = ".kb-written.json"


class OverwriteRefused(Exception):
    """A target path holds a file kb did not write (or one changed since): it stays as it is."""

    def __init__(self, path: Path, more: int = 0) -> None:
        self.path = path
        self.more = more
        others = f" (and {more} more)" if more else ""
        super().__init__(f"{path} already exists and is not a file kb wrote (or it was changed since){others}")


def _digest(data: bytes) -> str:
    import hashlib  # here: OpenSSL's start-up is not for `kb --help`

    return hashlib.sha256(data).hexdigest()


def recorded(folder: Path) -> dict[str, str]:
    """File name -> digest of what kb wrote in `folder`, from its manifest."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data.get("files", {}).items()}
    except (OSError, ValueError, AttributeError):
        return {}


def may_replace(path: Path, data: bytes | None = None) -> bool:
    """True when nothing of the user's is at `path`: no file, the same bytes as `data`, or a file
    kb wrote there and nobody changed since."""
    if not path.exists() and not path.is_symlink():
        return True
    if not path.is_file():
        return False
    current = path.read_bytes()
    if data is not None and current == data:
        return True
    return recorded(path.parent).get(path.name) == _digest(current)


def check(targets: Mapping[Path, bytes | None] | Iterable[Path], force: bool = False) -> None:
    """Raise OverwriteRefused for the first target that holds a file of the user's, unless `force`.
    `targets` maps each path to the bytes about to be written there (None when not known yet)."""
    if force:
        return
    items = targets.items() if isinstance(targets, Mapping) else ((p, None) for p in targets)
    foreign = [path for path, data in items if not may_replace(path, data)]
    if foreign:
        raise OverwriteRefused(foreign[0], len(foreign) - 1)


def record(paths: Iterable[Path]) -> None:
    """Note in each folder's manifest that kb wrote these files as they are now."""
    folders: dict[Path, list[Path]] = {}
    for path in paths:
        folders.setdefault(path.parent, []).append(path)
    for folder, files in folders.items():
        known = recorded(folder)
        known.update({p.name: _digest(p.read_bytes()) for p in files if p.is_file()})
        text = json.dumps({"written_by": "kb", "files": dict(sorted(known.items()))}, indent=1) + "\n"
        (folder / MANIFEST).write_text(text, encoding="utf-8")
