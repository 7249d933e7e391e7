"""A typer app that builds, for one run, only the command the run invokes.

Typer turns every registered function into a click command before it parses the command line:
it reads each signature and evaluates each annotation (twice per command), about 0.2 s of the
0.3 s of `kb --help` and of every `kb stats`. Here every other command becomes a stand-in with
the same name, help text, panel and flags but no parameters: a group's help lists the commands
from exactly those, and a mistyped name gets the same "No such command" and suggestions. The
invoked command (or command group) is built in full, so its parsing, help and behaviour are
typer's own. Shell completion, which looks into every command, gets the full build.
Tests that run the app through typer.testing.CliRunner build it in full (typer's get_command).
"""

from __future__ import annotations

import copy
import inspect
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import typer
from typer.main import get_command_name
from typer.models import CommandInfo, TyperInfo


def _stand_in() -> None:
    raise RuntimeError("kb: a command that was not built ran (kb.cli.lazy_typer); please report it")


def _invoked(argv: Sequence[str]) -> str | None:
    """The command a command line names: its first word that is not an option (the root's options
    take no value); "" for none (the root's help); None when every command is needed (completion)."""
    if any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):
        return None
    return next((str(a) for a in argv if not str(a).startswith("-")), "")


def _name(info: CommandInfo) -> str:
    assert info.callback is not None
    return info.name or get_command_name(info.callback.__name__)


def _stand_in_command(info: CommandInfo) -> CommandInfo:
    assert info.callback is not None
    stub = copy.copy(info)
    stub.name = _name(info)
    if info.help is None:  # typer falls back to the docstring: take it from the real function
        stub.help = inspect.getdoc(info.callback)
    stub.callback = _stand_in
    return stub


def _stand_in_app(instance: typer.Typer) -> typer.Typer:
    lean = copy.copy(instance)
    lean.registered_commands = [_stand_in_command(c) for c in instance.registered_commands]
    lean.registered_groups = [_stand_in_group(g) for g in instance.registered_groups]
    return lean


def _stand_in_group(info: TyperInfo) -> TyperInfo:
    lean = copy.copy(info)
    if info.typer_instance is not None:
        lean.typer_instance = _stand_in_app(info.typer_instance)
    return lean


class LazyTyper(typer.Typer):
    """typer.Typer whose call builds the invoked command only (see the module's docstring)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        argv = kwargs.get("args", args[0] if args else None)
        wanted = _invoked(sys.argv[1:] if argv is None else list(argv))
        with self._only(wanted):
            return super().__call__(*args, **kwargs)

    @contextmanager
    def _only(self, wanted: str | None) -> Iterator[None]:
        commands, groups = self.registered_commands, self.registered_groups
        if wanted is None:
            yield
            return
        self.registered_commands = [c if _name(c) == wanted else _stand_in_command(c) for c in commands]
        self.registered_groups = [g if g.name == wanted else _stand_in_group(g) for g in groups]
        try:
            yield
        finally:
            self.registered_commands, self.registered_groups = commands, groups


__all__ = ["LazyTyper"]
