"""`kb import pdf`: PDF post-mortems (PagerDuty's post-mortem export, or any text PDF)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kb.cli.app import DbOpt, EngineOpt, fail
from kb.cli.cmd_io import IngestOpt, OutDirOpt, ReportFormatOpt, import_app, import_markdown
from kb.cli.output import Format
from kb.cli.writing import ForceOpt


@import_app.command("pdf")
def import_pdf(
    paths: Annotated[list[Path], typer.Argument(help="Post-mortem PDFs or folders of them.")],
    out: OutDirOpt = None,
    ingest: IngestOpt = False,
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: ReportFormatOpt = Format.TABLE,
    force: ForceOpt = False,
) -> None:
    """Read PDF post-mortems (PagerDuty's export: impact time, zone, overview, what didn't go
    well, action items, timeline) into imported, unreviewed Event Packets, with the same
    per-file report as `kb import markdown`, which also accepts .pdf files.

    A file that cannot be read is named with the reason; the others are still imported and
    the exit status is 1. Without --out or --ingest nothing is written.
    """
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise fail(f"no such file or folder: {', '.join(map(str, missing))}")
    from ingest.markdown import markdown_files

    files = [p for p in markdown_files(paths) if not p.is_file() or p.suffix.lower() == ".pdf" or p in paths]
    if not files:
        raise fail(f"no PDF files in {', '.join(map(str, paths))}")
    import_markdown(files, out=out, ingest=ingest, engine=engine, db=db, fmt=fmt, force=force)
