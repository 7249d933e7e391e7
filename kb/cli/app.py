"""The typer application, the options every command shares, and the CLI's one error boundary."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.errors import MarkupError
from rich.markup import escape
from typer.core import TyperGroup

from kb.cli.lazy_typer import LazyTyper
from kb.engines import DatabaseMissing, EngineError, EngineUnavailable
from kb.redaction import redact

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase


class SafeConsole(Console):
    """A console that never prints a credential and never crashes on a stray bracket:
    every string printed is redacted (kb.redaction), and a message that is not valid markup
    is printed as plain text. Outside text in a template still goes through `esc()`."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        objects = tuple(redact(o) if isinstance(o, str) else o for o in objects)
        try:
            super().print(*objects, **kwargs)
        except MarkupError:
            super().print(*objects, **{**kwargs, "markup": False})


def esc(value: object) -> str:
    """Outside text (titles, paths, messages built from data) made safe for a Rich template."""
    return escape(redact(str(value)))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def error_line(exc: BaseException) -> str:
    """One line that says what went wrong and what to do: no traceback."""
    debug = "KB_DEBUG=1 shows the details"
    if isinstance(exc, EngineUnavailable):
        line = _first_line(exc)  # says what to do already
    elif isinstance(exc, EngineError):
        line = f"{_first_line(exc)} ({debug})"
    elif isinstance(exc, OSError):
        what = exc.strerror or _first_line(exc)
        line = f"{what}: {exc.filename}; check the path and its permissions" if exc.filename else what
    elif isinstance(exc, RecursionError | MemoryError):
        line = f"the input is too deeply nested or too large to process ({type(exc).__name__})"
    elif isinstance(exc, ValueError | LookupError):
        line = f"cannot use the input: {_first_line(exc)} ({debug})"
    else:
        line = f"unexpected {type(exc).__name__}: {_first_line(exc)}; please report it ({debug})"
    return redact(f"error: {line}")


class ErrorBoundary(TyperGroup):
    """Every command runs inside this: engine, driver, network, file and parse errors become
    one line on stderr and exit status 2. KB_DEBUG=1 lets the traceback through."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except BrokenPipeError:  # the reader left (`kb query | head`): click exits quietly, no "error:" line
            raise
        except Exception as exc:
            if os.environ.get("KB_DEBUG") == "1":
                raise
            err_console.print(error_line(exc), markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None


app = LazyTyper(  # builds only the command a run invokes: start-up
    name="kb",
    help="incident-kb: turn post-incident reviews into a learning loop, in one graph.",
    no_args_is_help=True,
    add_completion=True,  # kb --install-completion (bash, zsh, fish, PowerShell)
    rich_markup_mode="markdown",  # reflows a docstring paragraph instead of breaking it where the source does
    cls=ErrorBoundary,
    pretty_exceptions_enable=False,
)
console = SafeConsole()
err_console = SafeConsole(stderr=True)


def _print_version(value: bool) -> None:
    if value:
        from kb import __version__

        typer.echo(f"incident-kb {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """incident-kb: turn post-incident reviews into a learning loop, in one graph."""


EngineOpt = Annotated[
    str | None,
    typer.Option(
        "--engine",
        "-e",
        help="ladybug (embedded) or neo4j; default: neo4j if NEO4J_URI is set.",
        envvar="KB_ENGINE",
        show_default=False,
    ),
]
DbOpt = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="Path of the embedded database (default: $KB_DB or ~/.local/share/incident-kb).",
        show_default=False,
    ),
]

QuietOpt = Annotated[bool, typer.Option("--quiet", help="Print no progress, only the result.")]


def open_kb(engine: str | None, db: Path | None, read_only: bool = False) -> KnowledgeBase:
    """Connect, or exit with the engine's message (no traceback for a user error).

    Commands that only read pass `read_only=True`: they then never wait for, or block, another process."""
    from kb.api import connect  # here, not at the top: `kb --help` must not import pandas

    try:
        return connect(engine=engine, db=db, read_only=read_only, create=False)
    except DatabaseMissing as exc:
        # A command that only reads would answer from a new, empty database: a mistyped path
        # looks like a knowledge base with nothing in it.
        raise fail(
            f"{_first_line(exc)}: `kb ingest DIR` or `kb demo` creates one; or give --db (or KB_DB) an existing one"
        ) from None
    except EngineError as exc:
        err_console.print(error_line(exc), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


def fail(message: str, code: int = 2) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {esc(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)
