"""Post-mortem documents in markdown (and PDF, through ingest.pdf) -> imported, unreviewed
Event Packets.

Understands Google SRE's, PagerDuty's (markdown and its PDF export) and DFDS's templates and
falls back to a heading-based reading of anything else; each file gets a report of what was
recognised and what was not. Never touches an engine.
"""

from ingest.markdown.importer import (
    FileReport,
    ImportResult,
    Stats,
    import_file,
    import_paths,
    import_text,
    markdown_files,
)

__all__ = ["FileReport", "ImportResult", "Stats", "import_file", "import_paths", "import_text", "markdown_files"]
