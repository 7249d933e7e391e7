"""Bringing post-mortems in and out: `kb import markdown|pagerduty`, `kb export`."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kb import file_guard
from kb.cli.app import DbOpt, EngineOpt, app, console, err_console, esc, fail, open_kb
from kb.cli.output import Format, print_frame
from kb.cli.writing import ForceOpt, overwrite_refused, write_out

if TYPE_CHECKING:  # the importers are loaded by the commands that run them: `kb --help` stays fast
    from ingest import pagerduty as pd_ingest
    from ingest.markdown import FileReport
    from kb.model import EventPacket

import_app = typer.Typer(
    help="Import post-mortems from outside formats (markdown documents, PagerDuty JSON).", no_args_is_help=True
)
app.add_typer(import_app, name="import")

# Our own declaration of --format (kb.cli.output.FormatOpt passes "--format" as the default value).
ReportFormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table for people; json or csv for programs.")]
IngestOpt = Annotated[bool, typer.Option("--ingest", help="Load the imported packets into the knowledge base.")]
OutDirOpt = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Write each packet as DIR/ID.yaml.", file_okay=False, show_default=False),
]


def _missing(paths: list[Path]) -> None:
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise fail(f"no such file or folder: {', '.join(map(str, missing))}")


@import_app.command("markdown")
def import_markdown(
    paths: Annotated[list[Path], typer.Argument(help="Post-mortem documents (.md) or folders of them.")],
    out: OutDirOpt = None,
    ingest: IngestOpt = False,
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: ReportFormatOpt = Format.TABLE,
    force: ForceOpt = False,
) -> None:
    """Read post-mortem documents (Google SRE, PagerDuty, DFDS templates, or any headings) into
    imported, unreviewed Event Packets, and report per file what was recognised and what was not.

    Files that cannot be read or understood are named with the reason; the others are still
    imported, and the exit status is 1. Blank templates are reported and skipped. Without
    --out or --ingest nothing is written: the report alone shows what an import would give.
    """
    import pandas as pd

    from ingest.markdown import import_file, markdown_files
    from ingest.markdown.batch import unique_packets
    from kb.packets import packet_text, write_packet

    _missing(paths)
    results = [import_file(p) for p in markdown_files(paths)]
    if not results:
        raise fail(f"no markdown files in {', '.join(map(str, paths))}")
    packets = unique_packets(results)
    targets = {out / f"{p.key}.yaml": p for p in packets} if out else {}
    try:
        file_guard.check({path: packet_text(p, path).encode("utf-8") for path, p in targets.items()}, force)
    except file_guard.OverwriteRefused as exc:
        raise overwrite_refused(exc) from None
    written = [write_packet(p, path) for path, p in targets.items()]
    rows = 0
    if ingest and packets:
        with open_kb(engine, db) as kbase:
            rows = kbase.ingest_packets(packets)
    reports = [r.report for r in results]
    if fmt is Format.JSON:
        typer.echo(json.dumps([r.as_dict() for r in reports], indent=2, ensure_ascii=False))
    else:
        table = pd.DataFrame(
            [
                {
                    "document": rep.incident or rep.file.stem[:24],
                    "status": rep.status,
                    "template": rep.template,
                    "events": rep.timeline_events,
                    "factors": rep.factors,
                    "findings": rep.findings,
                    "ttd": rep.as_dict()["ttd_minutes"],
                    "ttr": rep.as_dict()["ttr_minutes"],
                }
                for rep in reports
            ]
        )
        print_frame(table, fmt, title="markdown import")
        if fmt is Format.TABLE:
            for rep in reports:
                _print_report(rep)
    failed = [rep for rep in reports if rep.status == "failed"]
    templates = sum(rep.status == "template" for rep in reports)
    summary = (
        f"imported {len(packets)} of {len(reports)} file(s); {templates} template(s) skipped; {len(failed)} failed"
    )
    if written:
        summary += f"; wrote {len(written)} packet(s) to {out}"
    if ingest:
        summary += f"; ingested {len(packets)} packet(s), {rows} rows"
    elif not out:
        summary += " (nothing written: use --out DIR or --ingest)"
    err_console.print(summary, markup=False, highlight=False, soft_wrap=True)
    for rep in failed:
        err_console.print(f"[red]failed[/red] {esc(rep.file)}: {esc(rep.reason)}", highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(1)


def _print_report(r: FileReport) -> None:
    head = f"[bold]{r.file.name}[/bold]: {r.status}"
    if r.reason:
        head += f" — {r.reason}"
    console.print(head, highlight=False, soft_wrap=True)
    if r.zone:
        console.print(f"  times read in: {r.zone}", markup=False, highlight=False, soft_wrap=True)
    for line in r.recognised:
        console.print(f"  + {line}", markup=False, highlight=False, soft_wrap=True)
    for line in r.not_recognised:
        console.print(f"  - {line}", markup=False, highlight=False, soft_wrap=True)
    for line in r.notes:
        console.print(f"  ! {line}", markup=False, highlight=False, soft_wrap=True)


@import_app.command("pagerduty")
def import_pagerduty(
    files: Annotated[list[Path], typer.Argument(help="PagerDuty REST API v2 JSON: incidents and their log entries.")],
    merge_into: Annotated[
        str | None,
        typer.Option(
            "--merge-into",
            help='A folder of packet files, or "graph": merge into the packet of the same incident '
            "(same id, or tagged pagerduty:ID), or add a new one there.",
            show_default=False,
        ),
    ] = None,
    out: OutDirOpt = None,
    as_key: Annotated[
        str | None,
        typer.Option("--as", help="The incident id to merge into (one PagerDuty incident only).", show_default=False),
    ] = None,
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: ReportFormatOpt = Format.TABLE,
    force: ForceOpt = False,
) -> None:
    """Fill an incident's timeline (trigger, acknowledge, escalate, annotate, resolve) and its
    detected / acknowledged / resolved times from PagerDuty, merging into the existing packet
    without duplicating events; re-running the same import changes nothing."""
    import pandas as pd

    from kb.integrations.pagerduty import PagerDutyImport, PagerDutyImportError, import_into_folder, import_into_graph

    _missing(files)
    if merge_into is None and out is None:
        raise fail("give --out DIR for new packets, or --merge-into DIR|graph")
    result: PagerDutyImport
    try:
        if merge_into == "graph":
            with open_kb(engine, db) as kbase:
                result = import_into_graph(kbase, files, as_key)
        else:
            target = Path(merge_into) if merge_into else out
            assert target is not None
            result = import_into_folder(files, target, merge=merge_into is not None, as_key=as_key, force=force)
    except PagerDutyImportError as exc:
        raise fail(str(exc)) from None
    except file_guard.OverwriteRefused as exc:
        raise overwrite_refused(exc, f"--merge-into {exc.path.parent} merges into the packet there") from None
    rows = [_row(m.report, m.into) for m in result.merged]
    print_frame(pd.DataFrame(rows), fmt, title="PagerDuty import", empty="no incidents imported")
    for e in result.errors:
        err_console.print(f"[red]failed[/red] {esc(e)}", highlight=False, soft_wrap=True)
    if result.errors:
        raise typer.Exit(1)


def _row(rep: pd_ingest.MergeReport, where: str) -> dict[str, object]:
    return {
        "incident": rep.incident,
        "pagerduty": rep.pagerduty_id,
        "action": "created" if rep.created else "merged",
        "added_events": rep.added_events,
        "already_present": rep.already_present,
        "filled": ", ".join(rep.filled),
        "conflicts": "; ".join(rep.conflicts),
        "skipped": ", ".join(f"{k} x{v}" for k, v in sorted(rep.skipped_types.items())),
        "into": where,
    }


class ExportFormat(StrEnum):
    YAML = "yaml"
    MARKDOWN = "markdown"


@app.command()
def export(
    incident: Annotated[str, typer.Argument(help="The incident id.")],
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            "-f",
            help="yaml: an Event Packet that re-ingests to the same graph; markdown: the readable review.",
        ),
    ] = ExportFormat.YAML,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Write to FILE instead of standard output.", dir_okay=False, show_default=False
        ),
    ] = None,
    engine: EngineOpt = None,
    db: DbOpt = None,
    force: ForceOpt = False,
) -> None:
    """Write an incident back out: as an Event Packet (YAML), or as the review document with summary,
    impact, timeline, metric snapshots, the causal web in words, findings with their gate status
    and the check against similar past incidents. A markdown review written with --out gets its
    metric snapshots drawn beside it (REVIEW.metrics.html)."""
    from kb.export import ExportError, fetch_packet, packet_yaml, related_incidents, review_markdown

    with open_kb(engine, db, read_only=True) as kbase:
        try:
            packet = fetch_packet(kbase, incident)
        except ExportError as exc:
            raise fail(str(exc)) from None  # an unknown id is bad input: 2, as everywhere
        if fmt is ExportFormat.YAML:
            text = packet_yaml(packet)
        else:
            link = _metric_charts(packet, out) if out is not None else None
            text = review_markdown(packet, related_incidents(kbase, incident), metrics_link=link)
    if out is None:
        typer.echo(text, nl=False)
        return
    write_out(out, text, force)
    err_console.print(f"wrote {out}", highlight=False)


def _metric_charts(packet: EventPacket, review: Path) -> str | None:
    """The metric snapshots drawn beside the review (REVIEW.metrics.html); its name for the link, or
    None when there is nothing to draw or the name is taken by a file this command did not write."""
    from kb.export.metric_page import MetricPageExists, write_metric_page

    if not packet.metrics:
        return None
    try:
        page = write_metric_page(packet, review.with_name(review.stem + ".metrics.html"))
    except MetricPageExists as exc:
        err_console.print(f"[yellow]not written[/yellow] {esc(exc)}", highlight=False, soft_wrap=True)
        return None
    err_console.print(f"wrote {esc(page)}", highlight=False)
    return page.name
