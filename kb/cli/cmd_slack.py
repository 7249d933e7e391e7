"""`kb import slack`: an incident channel of a Slack export into a packet's timeline, people and decisions."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from kb.cli.app import DbOpt, EngineOpt, err_console, esc, fail, open_kb
from kb.cli.cmd_io import IngestOpt, ReportFormatOpt, import_app
from kb.cli.output import Format


def _when(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise fail(
            f"{option} {value}: expected a date or an ISO 8601 time, like 2026-11-03 or 2026-11-03T23:00Z"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@import_app.command("slack")
def import_slack(
    export: Annotated[Path, typer.Argument(help="A Slack workspace export: its folder or the .zip.")],
    channel: Annotated[
        str | None,
        typer.Option(
            "--channel", "-c", help="The incident channel (needed when the export holds several).", show_default=False
        ),
    ] = None,
    incident: Annotated[
        str | None,
        typer.Option(
            "--incident",
            help="The packet id to create or merge into (default: the packet tagged slack:CHANNEL, "
            "else the channel's name).",
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Skip messages before this time (UTC unless an offset is given).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Skip messages after this time (UTC unless an offset is given).")
    ] = None,
    pseudonymise: Annotated[
        bool,
        typer.Option(
            "--pseudonymise",
            help="Authors and the names in the text as stable pseudonyms (person-1a2b3c4d), not real names.",
        ),
    ] = False,
    reactions: Annotated[
        list[str] | None,
        typer.Option(
            "--decision-reaction",
            help="A reaction that marks a decision (repeatable; default: decision, i.e. :decision:).",
            show_default=False,
        ),
    ] = None,
    keywords: Annotated[
        list[str] | None,
        typer.Option(
            "--decision-keyword",
            help='A word a decision message starts with (repeatable; default: "decision:").',
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="A folder of packets: merge into this incident's packet there, or write DIR/ID.yaml.",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
    ingest: IngestOpt = False,
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: ReportFormatOpt = Format.TABLE,
) -> None:
    """Read an incident channel of a Slack export into timeline events with kinds (detection,
    diagnosis, decision, repair, communication, by documented keyword rules), participants
    from the authors, and decision points from messages marked with a reaction or keyword.

    Merges into the incident's packet (a folder with --out, the graph with --ingest) without
    duplicating anything: re-running the same import adds nothing, and a time or kind the
    packet already states differently is reported as a conflict, never overwritten. Without
    --out or --ingest nothing is written: the report shows what the import would give.
    """
    import pandas as pd

    from ingest import slack as slack_ingest
    from kb.cli.output import print_frame
    from kb.integrations.slack import SlackImportError, import_into_folder, import_into_graph, preview

    options = slack_ingest.SlackOptions(
        pseudonymise=pseudonymise,
        decision_reactions=tuple(reactions or slack_ingest.DEFAULT_DECISION_REACTIONS),
        decision_keywords=tuple(keywords or slack_ingest.DEFAULT_DECISION_KEYWORDS),
        since=_when(since, "--since"),
        until=_when(until, "--until"),
    )
    try:
        data = slack_ingest.read_export(export, channel)
        results = []
        if out is not None:
            results.append(import_into_folder(data, out, incident, options))
        if ingest:
            with open_kb(engine, db) as kbase:
                results.append(import_into_graph(kbase, data, incident, options))
        if not results:
            results.append(preview(data, incident, options))
    except (slack_ingest.SlackError, SlackImportError) as exc:
        raise fail(str(exc)) from None
    rows: list[dict[str, Any]] = [
        {
            "incident": r.report.incident,
            "action": ("created" if r.report.created else "merged") if r.into else "preview",
            "messages": r.report.messages,
            "events": r.report.added_events,
            "present": r.report.already_present,
            "decisions": r.report.added_decisions,
            "people": r.report.added_participants,
            "chatter": r.report.chatter,
            "conflicts": len(r.report.conflicts),
        }
        for r in results
    ]
    if fmt is Format.TABLE:
        print_frame(pd.DataFrame(rows), fmt, title=f"Slack import: #{data.channel.name}")
        for r in results:
            kinds = ", ".join(f"{k} {n}" for k, n in sorted(r.report.kinds.items())) or "none"
            err_console.print(f"{esc(r.into or 'preview')}: kinds {esc(kinds)}", highlight=False, soft_wrap=True)
    else:  # programs get every detail
        for row, r in zip(rows, results, strict=True):
            row.update(
                channel=r.report.channel,
                kinds=dict(sorted(r.report.kinds.items())),
                filled=r.report.filled,
                conflicts=r.report.conflicts,
                into=r.into,
            )
        if fmt is Format.JSON:
            import json

            typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        else:
            flat = [{**x, "kinds": str(x["kinds"]), "filled": ", ".join(x["filled"])} for x in rows]
            print_frame(pd.DataFrame([{**x, "conflicts": "; ".join(x["conflicts"])} for x in flat]), fmt)
    if not (out or ingest):
        err_console.print("nothing written: use --out DIR or --ingest", highlight=False)
    for r in results:
        for line in r.skipped:
            err_console.print(f"[yellow]skipped[/yellow] {esc(line)}", highlight=False, soft_wrap=True)
        for conflict in r.report.conflicts:
            err_console.print(f"[yellow]conflict[/yellow] {esc(r.report.incident)}: {esc(conflict)}", highlight=False)
