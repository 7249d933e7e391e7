"""Files the commands write: never over one of the user's without --force (kb.file_guard)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kb import file_guard
from kb.cli.app import fail

ForceOpt = Annotated[
    bool, typer.Option("--force", help="Overwrite files at the target paths that kb did not write (or that changed).")
]


def overwrite_refused(exc: file_guard.OverwriteRefused, alternative: str = "choose another --out") -> typer.Exit:
    """The one-line refusal of a command that would overwrite a file of the user's."""
    return fail(f"{exc}: {alternative}, or add --force to overwrite; nothing was written")


def write_out(path: Path, text: str, force: bool) -> None:
    """Write one --out file, unless a file of the user's is there (then exit with the refusal)."""
    data = text.encode("utf-8")
    try:
        file_guard.check({path: data}, force)
    except file_guard.OverwriteRefused as exc:
        raise overwrite_refused(exc) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    # Noted as kb's, so a later run may replace it while nobody has changed it (a review
    # exported again after a new finding), and still never once someone edits it.
    file_guard.record([path])
