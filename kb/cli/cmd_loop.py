"""Learning-loop commands: gate, sync jira, okr propose, roadmap import, trace, metrics."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kb.cli.app import DbOpt, EngineOpt, app, console, err_console, esc, fail, open_kb
from kb.cli.output import Format, FormatOpt, print_frame, records
from kb.cli.writing import ForceOpt
from kb.cli.writing import write_out as _write_out

if TYPE_CHECKING:  # the analyses are imported by the commands that run them: `kb --help` stays fast
    import pandas as pd

    from kb.analysis.gate import GateRules
    from kb.analysis.policy import SeverityPolicy
    from kb.knowledge_base import KnowledgeBase

sync_app = typer.Typer(help="Bring the state of outside systems back into the knowledge base.", no_args_is_help=True)
okr_app = typer.Typer(help="OKR proposals for themes and barriers that keep coming back.", no_args_is_help=True)
roadmap_app = typer.Typer(help="Roadmap items and the findings behind them.", no_args_is_help=True)
app.add_typer(sync_app, name="sync")
app.add_typer(okr_app, name="okr")
app.add_typer(roadmap_app, name="roadmap")


class Export(StrEnum):
    JIRA_CSV = "jira-csv"


class OkrFormat(StrEnum):
    MARKDOWN = "markdown"
    CSV = "csv"


class By(StrEnum):
    QUARTER = "quarter"
    MONTH = "month"


AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="The moment to measure at, ISO 8601 (default: now, UTC).", show_default=False),
]


def _as_of(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"--as-of {value!r}: expected an ISO 8601 date or timestamp like 2025-07-01") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _policy() -> SeverityPolicy:
    """The severity policy of the nearest kb.toml ([policy.SEVn]), or the defaults."""
    from kb.analysis.policy import DEFAULT_POLICY, PolicyError, nearest_kb_toml

    path = nearest_kb_toml()
    if path is None:
        return DEFAULT_POLICY  # without a file: no need to import kb.lint (its rules name the policy's)
    from kb.lint.policy_file import load_policy

    try:
        return load_policy(path)
    except PolicyError as exc:
        raise fail(str(exc)) from None


def _require_incident(kbase: KnowledgeBase, incident: str) -> None:
    known = kbase.query("incidents")["incident"]
    if incident not in set(known):
        raise fail(f"no incident {incident!r} in the knowledge base ({len(known)} incidents)")


@app.command()
def gate(
    incident: Annotated[str, typer.Argument(help="The incident whose findings to gate.")],
    export: Annotated[
        Export | None,
        typer.Option("--export", help="Write the findings that need a work item as a file for Jira's CSV importer."),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="File to write with --export.")] = None,
    force: ForceOpt = False,
    push: Annotated[
        bool,
        typer.Option(
            "--push",
            help="Create the missing Jira issues through the REST API "
            "(JIRA_BASE_URL, JIRA_EMAIL, JIRA_API_TOKEN, JIRA_PROJECT).",
        ),
    ] = False,
    high_impact: Annotated[int, typer.Option(min=1, max=5, help="Impact from which a finding is high-impact.")] = 4,
    feasible_effort: Annotated[
        int,
        typer.Option(
            min=1,
            max=5,
            help="Effort up to which a finding is feasible (high-impact feasible findings must be work items).",
        ),
    ] = 2,
    weight: Annotated[
        str,
        typer.Option(
            "--weight",
            help="Order the findings by impact/effort (count) or by "
            "the cost of the most costly theme or barrier each addresses (cost).",
        ),
    ] = ("count"),
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: Annotated[Format, FormatOpt] = Format.TABLE,
) -> None:
    """Show an incident's findings on the impact/effort matrix and its gate status.

    The gate is complete when every agreed finding is tracked by a work item, proposed
    as an OKR, or deferred with a reason, and every high-impact, feasible finding is a
    work item. The exit status is 1 while the gate is open.
    """
    from kb.analysis.gate import COMPLETE, GateRules, gate_findings, gate_status, matrix
    from kb.integrations.jira_csv import export_rows, import_csv_text

    if export is not None and out is None:
        raise fail("--export jira-csv needs --out FILE")
    if weight not in ("count", "cost"):
        raise fail(f"--weight {weight!r}: expected count or cost")
    rules = GateRules(high_impact=high_impact, feasible_effort=feasible_effort)
    with open_kb(engine, db, read_only=not push) as kbase:
        _require_incident(kbase, incident)
        if export is Export.JIRA_CSV and out is not None:
            rows = export_rows(kbase, [incident], rules=rules)
            _write_out(out, import_csv_text(rows), force)
            err_console.print(f"wrote {len(rows)} issue(s) for Jira's CSV importer to {out}")
        if push:
            _push(kbase, incident, rules)
        findings = gate_findings(kbase, [incident], rules)
        status = gate_status(kbase, [incident], rules, policy=_policy()).iloc[0]
        if weight == "cost":
            from kb.analysis.cost import finding_costs

            findings = findings.merge(finding_costs(kbase, findings["finding"].tolist()), on="finding", how="left")
            findings = findings.sort_values(
                ["revenue", "responder_hours"], ascending=False, na_position="last", kind="stable"
            )
    if fmt is Format.TABLE:
        grid = matrix(findings).reset_index()
        grid.columns = ["impact \\ effort", *[str(c) for c in grid.columns[1:]]]
        print_frame(grid, fmt, title=f"{incident}: findings by impact (rows) and effort (columns)")
    cost_cols = ["pattern", "revenue", "responder_hours", "cost_missing"] if weight == "cost" else []
    shown = findings[
        [
            "local_id",
            "impact",
            "effort",
            "quadrant",
            "status",
            "disposition",
            "work_items",
            "objectives",
            "problem",
            *cost_cols,
        ]
    ].rename(columns={"local_id": "finding"})
    if fmt is Format.TABLE:
        shown = shown.assign(tracked_by=[w + o for w, o in zip(shown["work_items"], shown["objectives"], strict=True)])
        shown = shown[
            ["finding", "impact", "effort", "quadrant", "status", "disposition", "tracked_by", "problem", *cost_cols]
        ].rename(columns={"impact": "I", "effort": "E"})
    if fmt is Format.JSON:  # the gate's status beside its findings, as the exit status says it
        typer.echo(
            json.dumps(
                {
                    "incident": incident,
                    "status": status["status"],
                    "reason": status["reason"] or None,
                    "findings": records(shown),
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        if fmt is Format.CSV:
            shown = shown.assign(gate_status=status["status"])
        print_frame(shown, fmt, title="findings", empty="no findings")
    if status["status"] == COMPLETE:
        err_console.print(f"[green]gate complete[/green] for {esc(incident)}")
    else:
        err_console.print(f"[red]gate open[/red] for {esc(incident)}: {esc(status['reason'])}")
        raise typer.Exit(1)


def _push(kbase: KnowledgeBase, incident: str, rules: GateRules) -> None:
    from kb.integrations.jira import JiraClient, JiraError, JiraSettings, push_findings

    try:
        settings = JiraSettings.from_env()
    except JiraError as exc:
        raise fail(str(exc)) from None
    with JiraClient(settings) as client:
        report = push_findings(kbase, [incident], client, rules)
    for finding, key in report.created:
        err_console.print(f"created {key} for {finding}")
    if not report.created and report.error is None:
        err_console.print("nothing to create in Jira")
    if report.error is not None:
        done = f" ({len(report.created)} created and recorded before it)" if report.created else ""
        raise fail(f"{report.error}{done}", code=1)


@sync_app.command("jira")
def sync_jira(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="A CSV exported from Jira's issue search (Export > CSV); or use --api.", show_default=False
        ),
    ] = None,
    api: Annotated[
        bool,
        typer.Option(
            "--api",
            help="Read every tracked work item from Jira Cloud's REST API instead "
            "(JIRA_BASE_URL, JIRA_EMAIL, JIRA_API_TOKEN).",
        ),
    ] = False,
    timezone: Annotated[
        str,
        typer.Option(
            "--timezone",
            help="Time zone of the export's dates (Jira writes the exporting user's zone without an offset).",
        ),
    ] = "UTC",
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: Annotated[Format, FormatOpt] = Format.TABLE,
) -> None:
    """Update work-item status, resolution and resolution date from a Jira CSV export, by issue key,
    or with --api from Jira Cloud's REST API for every work item the knowledge base tracks."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # here: its import reads the tz path (start-up)

    from kb.integrations.jira_csv import JiraCsvError, sync_export

    if api:
        if file is not None:
            raise fail("give a CSV export or --api, not both")
        _sync_jira_api(engine, db, fmt)
        return
    if file is None:
        raise fail("give a CSV exported from Jira (Export > CSV), or --api to read Jira Cloud's REST API")
    if not file.is_file():
        raise fail(f"no such file: {file}")
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise fail(f"--timezone {timezone!r}: expected an IANA zone such as UTC or Europe/Copenhagen") from None
    with open_kb(engine, db) as kbase:
        try:
            report = sync_export(kbase, file, zone)
        except JiraCsvError as exc:
            raise fail(str(exc)) from None
    print_frame(report.changes, fmt, title="work items updated", empty="no work item changed")
    err_console.print(
        f"{len(report.changes)} updated, {report.unchanged} unchanged, "
        f"{len(report.unknown)} issue key(s) not in the knowledge base"
        + (f": {', '.join(report.unknown[:10])}" if report.unknown else "")
    )


def _sync_jira_api(engine: str | None, db: Path | None, fmt: Format) -> None:
    from kb.integrations.http_api import ApiError
    from kb.integrations.jira import JiraError
    from kb.integrations.jira_api_sync import sync_api

    with open_kb(engine, db) as kbase:
        try:
            result = sync_api(kbase)
        except (ApiError, JiraError) as exc:
            raise fail(str(exc)) from None
    report = result.report
    print_frame(report.changes, fmt, title="work items updated", empty="no work item changed")
    err_console.print(
        f"{len(report.changes)} updated, {report.unchanged} unchanged, "
        f"{len(result.not_found)} tracked issue key(s) Jira did not return"
        + (f": {', '.join(result.not_found[:10])}" if result.not_found else "")
        + f"; {result.requests} request(s)"
    )


@okr_app.command("propose")
def okr_propose(
    min_incidents: Annotated[
        int, typer.Option("--min-incidents", min=1, help="Propose for what recurs in at least this many incidents.")
    ] = 3,
    window_days: Annotated[
        int, typer.Option("--window-days", min=1, help="Count incidents started in this many days before --as-of.")
    ] = 180,
    reduction: Annotated[
        float, typer.Option("--reduction", min=0.01, max=1.0, help="The reduction target (0.5 halves the incidents).")
    ] = 0.5,
    as_of: AsOfOpt = None,
    fmt: Annotated[OkrFormat, typer.Option("--format", "-f", help="markdown for people, csv for sheets.")] = (
        OkrFormat.MARKDOWN
    ),
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of the terminal.")] = None,
    force: ForceOpt = False,
    save: Annotated[
        bool,
        typer.Option(
            "--save", help="Store the drafts as Objective nodes (origin okr-draft) proposed from their agreed findings."
        ),
    ] = False,
    weight: Annotated[
        str,
        typer.Option(
            "--weight",
            help="count (incidents) or cost: rank the drafts by the "
            "revenue impact, then responder hours, of their evidence.",
        ),
    ] = "count",
    business_case: Annotated[
        str | None,
        typer.Option(
            "--business-case",
            help="Instead, write the business case of this cluster (number or name from "
            "`kb clusters`): its incidents, their cost, the trend, what was tried and its measured effect.",
            show_default=False,
        ),
    ] = None,
    engine: EngineOpt = None,
    db: DbOpt = None,
) -> None:
    """Draft OKRs for themes and barriers that recur in at least N incidents within a window."""
    from kb.analysis.okr import OkrOptions, propose_okrs, save_proposals, to_csv, to_markdown

    options = OkrOptions(min_incidents=min_incidents, window_days=window_days, reduction=reduction)
    if weight not in ("count", "cost"):
        raise fail(f"--weight {weight!r}: expected count or cost")
    with open_kb(engine, db, read_only=not save) as kbase:
        if business_case is not None:
            from kb.analysis.business_case import business_case as make_case
            from kb.analysis.business_case import to_markdown as case_markdown
            from kb.analysis.effect import UnknownPattern

            try:
                case_text = case_markdown(make_case(kbase, business_case, as_of=_as_of(as_of)))
            except UnknownPattern as exc:
                raise fail(f"--business-case {exc.args[0]}") from None
            if out is not None:
                _write_out(out, case_text, force)
                err_console.print(f"wrote the business case to {out}")
            else:
                typer.echo(case_text, nl=False)
            return
        proposals = propose_okrs(kbase, options, as_of=_as_of(as_of))
        if weight == "cost":
            from kb.analysis.cost import with_cost

            proposals = with_cost(proposals, kbase, incidents_column="evidence")
        saved = save_proposals(kbase, proposals) if save else 0
    text = to_markdown(proposals) if fmt is OkrFormat.MARKDOWN else to_csv(proposals)
    if weight == "cost" and fmt is OkrFormat.MARKDOWN and not proposals.empty:
        from kb.analysis.cost import cost_markdown

        text += "\n" + cost_markdown(proposals, label="name")
    if out is not None:
        _write_out(out, text, force)
        err_console.print(f"wrote {len(proposals)} proposal(s) to {out}")
    else:
        typer.echo(text, nl=False)
    if save:
        err_console.print(f"stored {saved} draft objective(s)")


@roadmap_app.command("import")
def roadmap_import(
    file: Annotated[
        Path,
        typer.Argument(
            help="Roadmap items as .yaml/.yml (list of key, title, quarter, "
            "findings) or .csv (columns key, title, quarter, findings)."
        ),
    ],
    engine: EngineOpt = None,
    db: DbOpt = None,
) -> None:
    """Import roadmap items and link each to the findings that motivate it (replaces earlier imports)."""
    from kb.roadmap import RoadmapError, import_roadmap

    if not file.is_file():
        raise fail(f"no such file: {file}")
    with open_kb(engine, db) as kbase:
        try:
            result = import_roadmap(kbase, file)
        except RoadmapError as exc:
            raise fail(str(exc)) from None
    console.print(
        f"imported {result.items} roadmap item(s) with {result.links} link(s) to findings; "
        f"{len(result.untraced)} without a finding"
    )


@app.command("trace")
def trace_cmd(
    item: Annotated[str | None, typer.Argument(help="A roadmap item key.")] = None,
    show_untraced: Annotated[
        bool, typer.Option("--untraced", help="List roadmap items with no finding behind them.")
    ] = False,
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: Annotated[Format, FormatOpt] = Format.TABLE,
) -> None:
    """Walk roadmap item -> findings -> analyses -> incidents, or list untraced roadmap items."""
    from kb.analysis.trace import UnknownRoadmapItem, trace, untraced

    if (item is None) == (not show_untraced):
        raise fail("give a roadmap item, or --untraced (not both)")
    with open_kb(engine, db, read_only=True) as kbase:
        if show_untraced:
            print_frame(
                untraced(kbase),
                fmt,
                title="roadmap items with no finding behind them",
                empty="every roadmap item traces to a finding",
            )
            return
        assert item is not None
        try:
            rows = trace(kbase, item)
        except UnknownRoadmapItem as exc:
            raise fail(str(exc.args[0])) from None
    chain = rows[
        ["finding", "finding_status", "analysis", "method", "published_at", "incident", "started_at", "statement"]
    ].dropna(subset=["finding"])
    if fmt is Format.TABLE:
        head = rows.iloc[0]
        console.print(f"[bold]{esc(item)}[/bold] {esc(head['title'])} ({esc(head['quarter'] or 'no quarter')})")
    print_frame(chain, fmt, empty="no finding behind this roadmap item")


@app.command()
def metrics(
    by: Annotated[By, typer.Option("--by", help="Period of each row.")] = By.QUARTER,
    as_of: AsOfOpt = None,
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: Annotated[Format, FormatOpt] = Format.TABLE,
) -> None:
    """Loop metrics per period: repeat rate, time to insight and remediation, roadmap traceability,
    gate completion, age of open findings, facilitation spread (see the README for definitions)."""
    from kb.analysis.metric_reads import begin_metric_reads

    with open_kb(engine, db, read_only=True) as kbase:
        when, policy = _as_of(as_of), _policy()  # a wrong option fails before any read begins
        reads = begin_metric_reads(kbase)  # a server reads while pandas and the analysis load
        from kb.analysis.metrics import loop_metrics

        frame = loop_metrics(reads, by=by.value, as_of=when, policy=policy)
    if fmt is Format.TABLE:
        frame, hidden = _latest_periods(_readable(frame), console.width)
        if hidden:
            err_console.print(
                f"[dim]{hidden} earlier period(s) left out to fit {console.width} columns: "
                "--format csv or json shows every period[/dim]"
            )
    print_frame(frame, fmt, title=f"loop metrics by {by.value}", empty="no incidents yet")


# The metric-name column as printed when its names wrap, and one period column ("│ 2024Q4 ").
_NAME_WIDTH, _PERIOD_WIDTH = 19, 9


def _latest_periods(table: pd.DataFrame, width: int) -> tuple[pd.DataFrame, int]:
    """The most recent periods that fit the terminal: years of quarters squeezed into 80 columns
    printed a table of empty cells. Returns the table and how many earlier periods were left out."""
    periods = list(table.columns[1:])
    fits = max(1, (width - _NAME_WIDTH) // _PERIOD_WIDTH)
    if len(periods) <= fits:
        return table, 0
    return table[[table.columns[0], *periods[-fits:]]], len(periods) - fits


def _readable(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per metric and one column per period; shares as percentages, days to one decimal."""
    import pandas as pd

    out = frame.set_index("period").astype(object)
    for col in out.columns:
        if col.endswith(("_rate", "_share")):
            out[col] = out[col].map(lambda v: "" if pd.isna(v) else f"{v:.0%}")
        elif col.endswith("_days"):
            out[col] = out[col].map(lambda v: "" if pd.isna(v) else f"{v:.1f}")
    return out.T.rename_axis("metric").reset_index()
