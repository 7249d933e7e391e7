"""The `kb` command line: a thin layer over the library.

Every module in this package whose name starts with `cmd_` registers its commands
on `kb.cli.app.app` when imported; they are discovered here, so adding a command
group needs no edit of a shared file.
"""

from __future__ import annotations

import importlib
import pkgutil

from kb.cli.app import app

for _mod in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("cmd_")):
    importlib.import_module(f"{__name__}.{_mod}")


def main() -> None:
    app()


__all__ = ["app", "main"]
