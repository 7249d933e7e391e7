"""Core commands: init, schema, ingest, stats, query, demo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from kb.cli.app import DbOpt, EngineOpt, QuietOpt, app, console, err_console, esc, fail, open_kb
from kb.cli.output import Format, FormatOpt, print_frame, print_rows


@app.command()
def init(engine: EngineOpt = None, db: DbOpt = None) -> None:
    """Create the graph schema (tables, constraints, indexes). Safe to run again."""
    with open_kb(engine, db) as kbase:
        console.print(f"schema ready on {kbase.description}")


@app.command()
def schema() -> None:
    """Print the Event Packet JSON Schema (for editors and validators)."""
    from kb.model import EventPacket

    typer.echo(json.dumps(EventPacket.model_json_schema(), indent=2))


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Packet files (.yaml, .yml, .json) or folders of them.")],
    engine: EngineOpt = None,
    db: DbOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Validate and load Event Packets in batches. Re-ingesting a packet replaces what it said before.

    Every file is validated before it is written; rejected files are listed with the field and what
    was expected, nothing from them is written, and the exit status is 1.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from kb.graph import parallel_read
    from kb.knowledge_base import SnapshotReads
    from kb.packets import packet_files

    missing = [p for p in paths if not p.exists()]
    if missing:
        raise fail(f"no such file or folder: {', '.join(map(str, missing))}")
    files = list(packet_files(paths))
    parallel_read.prestart(len(files))  # the readers start while the database opens
    try:
        with (
            open_kb(engine, db) as connection,
            Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err_console,
                transient=True,
                disable=quiet,
            ) as progress,
        ):
            # The hooks and the answers kept after them read the same queries: each once (SnapshotReads).
            kbase = SnapshotReads(connection)
            check = progress.add_task("validating", total=len(files))
            write = progress.add_task("writing", total=None)
            report = kbase.ingest_paths(
                files,
                on_file=lambda _: progress.advance(check),
                on_batch=lambda n: progress.update(write, advance=n, total=len(files)),
            )
            if report.accepted:
                from kb.cli.cmd_patterns import keep_default_answers

                keep_default_answers(kbase)
    finally:
        parallel_read.stop_prestarted()  # any the ingest did not take (the database did not open)
    for rejected in report.rejected:
        err_console.print(f"[red]rejected[/red] {esc(rejected.file)}")
        for problem in rejected.problems:
            err_console.print(f"  {problem.field}: {problem.expected}", markup=False, highlight=False)
    console.print(
        f"accepted {len(report.accepted)} file(s), rejected {len(report.rejected)}; "
        f"{report.rows} rows in {report.seconds:.1f} s"
    )
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def stats(engine: EngineOpt = None, db: DbOpt = None, fmt: Annotated[Format, FormatOpt] = Format.TABLE) -> None:
    """Count nodes per label and relationships per type."""
    from kb.knowledge_base import saved_counts

    saved = saved_counts(engine, db)  # what a writer counted for this very content: no engine to open
    if saved is not None:
        print_rows(["kind", "name", "count"], saved[1], fmt, title=saved[0])
        return
    with open_kb(engine, db, read_only=True) as kbase:  # plain rows, no pandas: `kb stats` starts fast
        print_rows(["kind", "name", "count"], kbase.counts(), fmt, title=kbase.description)


@app.command()
def query(
    name: Annotated[str | None, typer.Argument(help="A query of the catalogue (cypher/NAME.cypher).")] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="NAME=VALUE; VALUE is parsed as JSON when it can be.")
    ] = None,
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: Annotated[Format, FormatOpt] = Format.TABLE,
) -> None:
    """Run a named query from the catalogue; without a name, list the catalogue."""
    from kb.graph import catalogue

    if name is None:
        width = max(map(len, catalogue.names()), default=0)
        for n in catalogue.names():
            typer.echo(f"{n:<{width}}  {catalogue.description(n)}".rstrip())
        return
    params = {}
    for item in param or []:
        key, sep, raw = item.partition("=")
        if not sep:
            raise fail(f"--param {item!r}: expected NAME=VALUE")
        try:
            params[key] = json.loads(raw)
        except json.JSONDecodeError:
            params[key] = raw
    if name not in catalogue.names():
        raise fail(f"no query named {name!r}; `kb query` lists the catalogue")
    missing = [p for p in catalogue.parameters(name) if p not in params]
    if missing:
        raise fail(
            f"query {name} needs --param {missing[0]}=VALUE"
            + (f" (and {', '.join(missing[1:])})" if missing[1:] else "")
            + f"; {catalogue.description(name)}"
        )
    with open_kb(engine, db, read_only=True) as kbase:
        print_frame(kbase.query(name, **params), fmt)
