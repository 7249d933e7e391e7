"""`kb new` (scaffold a packet with its owner and due time) and `kb packets pending` (what is still to compile)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from kb.cli.app import DbOpt, EngineOpt, app, err_console, esc, fail, open_kb
from kb.cli.output import Format

packets_app = typer.Typer(help="Event Packets still to compile: owners and due times (the packet SLA).")
app.add_typer(packets_app, name="packets", no_args_is_help=True)

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="kb.toml with [packets] sla and within (default: the nearest kb.toml; else 24h and 6h).",
        dir_okay=False,
        show_default=False,
    ),
]


def _time(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise fail(f"{option} {value}: expected an ISO 8601 time like 2026-11-29T14:30Z") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@app.command("new")
def new_packet(
    incident: Annotated[str, typer.Argument(help="The incident id, e.g. INC-2026-042 (names the file).")],
    owner: Annotated[str | None, typer.Option("--owner", help="Who compiles the packet.", show_default=False)] = None,
    title: Annotated[str | None, typer.Option("--title", help="The incident's title.", show_default=False)] = None,
    severity: Annotated[
        int | None, typer.Option("--severity", min=1, max=5, help="1 (SEV1) to 5.", show_default=False)
    ] = None,
    started_at: Annotated[
        str | None,
        typer.Option(
            "--started-at", help="When it started (UTC unless an offset is given; default: now).", show_default=False
        ),
    ] = None,
    resolved_at: Annotated[
        str | None,
        typer.Option(
            "--resolved-at",
            help="When it was resolved: the SLA counts from here (default: from now).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="The folder to write ID.yaml into.", file_okay=False)] = Path(
        "."
    ),
    config: ConfigOpt = None,
) -> None:
    """Scaffold an Event Packet to compile: the incident, its owner, its due time (`compile_by`:
    resolution, else now, plus the SLA of kb.toml `[packets] sla`, default 24h) and every
    section to gather (timeline, metrics, logs, participants, decisions, impacts), empty with
    a comment on what goes in. An existing file is never written over."""
    from pydantic import ValidationError

    from kb.lint.packet_sla import SlaError, load_settings, scaffold, write_scaffold

    try:
        settings = load_settings(config)
    except SlaError as exc:
        raise fail(str(exc)) from None
    try:
        packet = scaffold(
            incident,
            now=datetime.now(UTC),
            settings=settings,
            owner=owner,
            title=title,
            severity=severity,
            started_at=_time(started_at, "--started-at"),
            resolved_at=_time(resolved_at, "--resolved-at"),
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"]))
        raise fail(f"{incident}: {where}: {first['msg'].removeprefix('Value error, ')}") from None
    try:
        path = write_scaffold(packet, settings, out)
    except FileExistsError:
        raise fail(f"{out / (incident + '.yaml')}: exists; not written over (choose another --out or id)") from None
    due = packet.incident.compile_by
    assert due is not None
    who = f" by {owner}" if owner else " (no owner: give --owner)"
    err_console.print(
        f"wrote {esc(path)}: to compile{esc(who)} by {due:%Y-%m-%d %H:%M} UTC", highlight=False, soft_wrap=True
    )


@packets_app.command("pending")
def packets_pending(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Packet files or folders; without any, the packets in the knowledge base.", show_default=False
        ),
    ] = None,
    within: Annotated[
        str | None,
        typer.Option("--within", help='Also list packets due within this long, like "6h" (default: kb.toml, else 6h).'),
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="Judge as of this time instead of now (ISO 8601).", show_default=False)
    ] = None,
    config: ConfigOpt = None,
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table for people; json or csv for programs.")] = (
        Format.TABLE
    ),
) -> None:
    """List packets past their due time or due soon, and their owners: every packet with a
    `compile_by` (set by `kb new`) and no `compiled_at` yet. Exit status 1 when one is overdue."""
    from kb.cli.output import print_frame
    from kb.lint.packet_sla import SlaError, load_settings, parse_duration, pending_in_files, pending_in_graph

    try:
        settings = load_settings(config)
        window = parse_duration(within, "--within") if within is not None else settings.within
    except SlaError as exc:
        raise fail(str(exc)) from None
    now = _time(at, "--at") or datetime.now(UTC)
    if paths:
        missing = [p for p in paths if not p.exists()]
        if missing:
            raise fail(f"no such file or folder: {', '.join(map(str, missing))}")
        result = pending_in_files(paths, now, window)
    else:
        with open_kb(engine, db, read_only=True) as kbase:
            result = pending_in_graph(kbase, now, window)
    print_frame(result.rows, fmt, title="Packets to compile", empty="no packets overdue or due soon")
    for line in result.errors:
        err_console.print(f"[yellow]skipped[/yellow] {esc(line)}", highlight=False, soft_wrap=True)
    if (result.rows["status"] == "overdue").any():
        raise typer.Exit(1)
