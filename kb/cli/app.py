"""The typer application and the options every command shares."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from kb.engines import EngineError

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase

app = typer.Typer(
    name="kb",
    help="incident-kb: turn post-incident reviews into a learning loop, in one graph.",
    no_args_is_help=True,
    add_completion=True,  # kb --install-completion (bash, zsh, fish, PowerShell)
    rich_markup_mode="markdown",  # reflows a docstring paragraph instead of breaking it where the source does
)
console = Console()
err_console = Console(stderr=True)


def _print_version(value: bool) -> None:
    if value:
        from kb import __version__

        typer.echo(f"incident-kb {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                                help="Print the version and exit.")] = False) -> None:
    """incident-kb: turn post-incident reviews into a learning loop, in one graph."""

EngineOpt = Annotated[
    str | None,
    typer.Option("--engine", "-e", help="ladybug (embedded) or neo4j; default: neo4j if NEO4J_URI is set.",
                 envvar="KB_ENGINE", show_default=False),
]
DbOpt = Annotated[
    Path | None,
    typer.Option("--db", help="Path of the embedded database (default: $KB_DB or ~/.local/share/incident-kb).",
                 show_default=False),
]

QuietOpt = Annotated[bool, typer.Option("--quiet", help="Print no progress, only the result.")]


def open_kb(engine: str | None, db: Path | None, read_only: bool = False) -> KnowledgeBase:
    """Connect, or exit with the engine's message (no traceback for a user error).

    Commands that only read pass `read_only=True`: they then never wait for, or block, another process."""
    from kb.knowledge_base import connect  # here, not at the top: `kb --help` must not import pandas

    try:
        return connect(engine=engine, db=db, read_only=read_only)
    except EngineError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


def fail(message: str, code: int = 2) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)
