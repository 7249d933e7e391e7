"""The `kb` command line: a thin layer over the library.

Every module in this package whose name starts with `cmd_` registers its commands
on `kb.cli.app.app` when imported; they are discovered here, so adding a command
group needs no edit of a shared file.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from typing import Any

import typer.core

from kb.cli.app import app
from kb.cli.help_imports import asks_for_help, load_rich_pretty_without_attrs

_display_type = typer.core.TyperOption.display_type_rich


def _flag_type(self: typer.core.TyperOption, ctx: Any) -> str | None:
    """A flag takes no value: show no `<bool>` for it (typer 0.29 does, even for --help)."""
    return None if self.is_flag else _display_type(self, ctx)


typer.core.TyperOption.display_type_rich = _flag_type  # type: ignore[method-assign]

for _mod in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("cmd_")):
    importlib.import_module(f"{__name__}.{_mod}")

try:  # typer 0.2x coerces every option value through pydantic: the plain values are coerced without it
    from kb.cli.typer_coercion import patch as _patch_coercion
except (ImportError, AttributeError):  # pragma: no cover - an older typer coerces through click
    pass
else:
    _patch_coercion()


def main() -> None:
    # Arrow's default pool keeps what it frees; set before pandas or kb first load pyarrow, so every
    # Arrow buffer of the command comes from malloc (kb.engines.ladybug_columns.pyarrow_module).
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    if asks_for_help(sys.argv[1:]):
        load_rich_pretty_without_attrs()
    app()


__all__ = ["app", "main"]
