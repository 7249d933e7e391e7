"""What a help run imports: rich.pretty without attrs (kb.cli.main calls this before typer runs).

Typer's help imports rich.traceback, which imports rich.pretty, which imports attrs when it is
installed (the notebooks' dependencies bring it) only to pretty-print attrs classes: kb never
pretty-prints an object, and typer's pretty exceptions are off (kb.cli.app). attrs is about a fifth
of `kb --help`'s CPU time (0.06 of 0.3 s), so a run that prints help loads rich.pretty first with
attrs hidden; attrs itself stays importable for anything else in the process.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def asks_for_help(argv: Sequence[str]) -> bool:
    """`kb`, `kb --help`, `kb COMMAND --help`: the root shows its help when given no arguments."""
    return not argv or "--help" in argv


def load_rich_pretty_without_attrs() -> None:
    """Import rich.pretty as if attrs were not installed (unless either is loaded already)."""
    if "rich.pretty" in sys.modules or "attr" in sys.modules:
        return
    sys.modules["attr"] = None  # type: ignore[assignment]  # `import attr` raises ImportError
    try:
        import rich.pretty  # noqa: F401
    finally:
        del sys.modules["attr"]


__all__ = ["asks_for_help", "load_rich_pretty_without_attrs"]
