"""Live capture into Event Packets: `kb capture pagerduty`, `kb capture metrics`."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kb.cli.app import DbOpt, EngineOpt, app, err_console, esc, fail, open_kb
from kb.cli.output import Format, FormatOpt, print_frame
from kb.cli.writing import ForceOpt, overwrite_refused

if TYPE_CHECKING:  # loaded by the commands that run them: `kb --help` stays fast
    from kb.integrations.prometheus import MetricsMerge, PrometheusSettings, Window
    from kb.model import EventPacket

capture_app = typer.Typer(
    help="Capture incidents and metrics from live services (PagerDuty, Prometheus) into Event Packets.",
    no_args_is_help=True,
)
app.add_typer(capture_app, name="capture")

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


def _date(value: str, option: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} {value!r}: expected an ISO 8601 date or timestamp like 2026-11-01") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _duration(value: str, option: str) -> timedelta:
    m = _DURATION.fullmatch(value.strip())
    if not value.strip() or m is None:
        raise fail(f"{option} {value!r}: expected a duration like 30m, 2h, 1h30m or 90s")
    d, h, mins, s = (int(g or 0) for g in m.groups())
    return timedelta(days=d, hours=h, minutes=mins, seconds=s)


@capture_app.command("pagerduty")
def capture_pagerduty(
    since: Annotated[
        str, typer.Option("--since", help="Incidents created from this date or time (UTC unless it has an offset).")
    ],
    until: Annotated[
        str | None, typer.Option("--until", help="...and before this one (default: now).", show_default=False)
    ] = None,
    services: Annotated[
        list[str] | None,
        typer.Option("--service", help="Only this PagerDuty service id (repeat for several).", show_default=False),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="A folder of packet files: merge into the packet of the same incident, or write DIR/ID.yaml.",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
    ingest: Annotated[
        bool, typer.Option("--ingest", help="Merge into the knowledge base's packets (or add new ones).")
    ] = False,
    force: ForceOpt = False,
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: Annotated[Format, FormatOpt] = Format.TABLE,
) -> None:
    """Pull incidents and their log entries from PagerDuty's REST API v2 (token in PAGERDUTY_API_TOKEN)
    and create or merge packets exactly as `kb import pagerduty` does: running it again adds
    nothing, and a time that disagrees with the packet is reported as a conflict, not overwritten."""
    import pandas as pd

    from kb import file_guard
    from kb.cli.cmd_io import _row
    from kb.integrations.http_api import ApiError
    from kb.integrations.pagerduty import PagerDutyImport, merge_into_folder, merge_into_graph
    from kb.integrations.pagerduty_api import PagerDutyClient, PagerDutySettings, capture

    if out is None and not ingest:
        raise fail("give --out DIR (packet files) and/or --ingest (the knowledge base)")
    start = _date(since, "--since")
    end = _date(until, "--until") if until else datetime.now(UTC)
    if end <= start:
        raise fail(f"--until {end.isoformat()} is not after --since {start.isoformat()}")
    try:
        settings = PagerDutySettings.from_env(os.environ)
        with PagerDutyClient(settings) as client:
            got = capture(client, start, end, services)
    except ApiError as exc:
        raise fail(str(exc)) from None
    results: list[PagerDutyImport] = []
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        try:
            results.append(merge_into_folder(got.incidents, out, force=force))
        except file_guard.OverwriteRefused as exc:
            raise overwrite_refused(exc, "move it away, or merge with `kb import pagerduty --as`") from None
    if ingest:
        with open_kb(engine, db) as kbase:
            results.append(merge_into_graph(kbase, got.incidents))
    rows = [_row(m.report, m.into) for r in results for m in r.merged]
    print_frame(pd.DataFrame(rows), fmt, title="PagerDuty capture", empty="no incidents in the window")
    errors = got.errors + [e for r in results for e in r.errors]
    conflicts = sum(bool(m.report.conflicts) for r in results for m in r.merged)
    err_console.print(
        f"{len(got.incidents)} PagerDuty incident(s) read in {got.requests} request(s); "
        f"{conflicts} with conflicts (kept the packet's values); {len(errors)} failed",
        highlight=False,
        soft_wrap=True,
    )
    for r in results:
        for m in r.merged:
            for c in m.report.conflicts:
                err_console.print(
                    f"[yellow]conflict[/yellow] {esc(m.report.incident)} ({esc(m.into)}): {esc(c)}",
                    highlight=False,
                    soft_wrap=True,
                )
    for e in errors:
        err_console.print(f"[red]failed[/red] {esc(e)}", highlight=False, soft_wrap=True)
    if errors:
        raise typer.Exit(1)


def _queries(values: list[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for v in values:
        name, sep, query = v.partition("=")
        if not sep or not name.strip() or not query.strip():
            raise fail(f"--query {v!r}: expected NAME=PROMQL, like error_rate=sum(rate(http_errors_total[5m]))")
        if any(n == name.strip() for n, _ in out):
            raise fail(f"--query: the name {name.strip()!r} is given twice")
        out.append((name.strip(), query.strip()))
    return out


@capture_app.command("metrics")
def capture_metrics(
    incident: Annotated[str, typer.Argument(help="The incident id.")],
    prometheus: Annotated[
        str, typer.Option("--prometheus", help="The Prometheus base URL, like https://prometheus.example.com.")
    ],
    query: Annotated[
        list[str], typer.Option("--query", help="NAME=PROMQL: a range query stored as snapshot NAME (repeatable).")
    ],
    before: Annotated[str, typer.Option("--before", help="How long before the incident started to begin.")] = "30m",
    after: Annotated[str, typer.Option("--after", help="How long after it was resolved to end.")] = "30m",
    step: Annotated[
        str | None,
        typer.Option(
            "--step", help="Time between points, like 30s or 1m (default: about 240 points).", show_default=False
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="A folder of packet files holding the incident's packet: write there instead of the knowledge base.",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: Annotated[Format, FormatOpt] = Format.TABLE,
) -> None:
    """Fetch Prometheus range queries over the incident's window (from --before ahead of its start to
    --after past its resolution) into the packet's metric snapshots. A bearer token, if the
    server needs one, comes from PROMETHEUS_TOKEN. A snapshot of the same name is never replaced."""
    import pandas as pd

    from kb.integrations.http_api import ApiError
    from kb.integrations.prometheus import PrometheusSettings

    queries = _queries(query)
    margin_before, margin_after = _duration(before, "--before"), _duration(after, "--after")
    step_s = None
    if step is not None:
        step_s = int(_duration(step, "--step").total_seconds())
        if step_s < 1:
            raise fail(f"--step {step!r}: expected at least 1s")
    try:
        settings = PrometheusSettings.from_env(prometheus, os.environ)
    except ApiError as exc:
        raise fail(str(exc)) from None
    if out is not None:
        from kb.packet_update import update_packet_file

        path, packet = _packet_in_folder(out, incident)
        updated, rep, window, requests = _fetch(settings, packet, queries, margin_before, margin_after, step_s)
        if rep.added:
            update_packet_file(path, packet, updated)
        into = str(path)
    else:
        from kb.graph.reader import read_packets

        with open_kb(engine, db) as kbase:
            found = read_packets(kbase, [incident])
            if not found:
                raise fail(f"no incident {incident} in the knowledge base: ingest its packet first, or give --out DIR")
            packet = found[0]
            updated, rep, window, requests = _fetch(settings, packet, queries, margin_before, margin_after, step_s)
            if rep.added:
                kbase.ingest_packets([updated])
        into = "the knowledge base"
    rows = [{"snapshot": n, "action": "added"} for n in rep.added]
    rows += [{"snapshot": n, "action": "already present"} for n in rep.already_present]
    rows += [{"snapshot": name, "action": f"conflict: {why}"} for name, why in rep.conflicts]
    print_frame(pd.DataFrame(rows), fmt, title=f"metrics of {incident}", empty="no series in the window")
    err_console.print(
        f"{len(rep.added)} snapshot(s) added to {into}, {len(rep.already_present)} already present, "
        f"{len(rep.conflicts)} conflict(s) kept as the packet has them; window "
        f"{window.start.isoformat()} to {window.end.isoformat()} every {window.step}s; {requests} request(s)"
        + (f"; no series for: {', '.join(rep.empty)}" if rep.empty else "")
        + (f"; {rep.skipped_points} point(s) not a finite number left out" if rep.skipped_points else ""),
        highlight=False,
        soft_wrap=True,
    )


def _packet_in_folder(folder: Path, incident: str) -> tuple[Path, EventPacket]:
    from kb.packets import PacketError, packet_files, read_packet

    if not folder.is_dir():
        raise fail(f"--out {folder}: expected a folder of packet files")
    for p in packet_files([folder]):
        try:
            packet = read_packet(p)
        except PacketError:
            continue  # another file's problem: not this command's to report
        if packet.incident.id == incident:
            return p, packet
    raise fail(f"no packet of incident {incident} in {folder}: give the folder that holds it, or leave out --out")


def _fetch(
    settings: PrometheusSettings,
    packet: EventPacket,
    queries: list[tuple[str, str]],
    before: timedelta,
    after: timedelta,
    step: int | None,
) -> tuple[EventPacket, MetricsMerge, Window, int]:
    from kb.integrations.http_api import ApiError
    from kb.integrations.prometheus import PrometheusClient, capture_metrics, incident_window

    try:
        window = incident_window(packet, before, after, step)
        with PrometheusClient(settings) as client:
            updated, rep = capture_metrics(client, packet, queries, window)
            return updated, rep, window, len(client.requests)
    except ApiError as exc:
        raise fail(str(exc)) from None
