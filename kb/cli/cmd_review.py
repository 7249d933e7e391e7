"""Review commands: `kb recommend` (which framework fits), `kb check` (the review lint), `kb audit` (the loop)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kb.cli.app import DbOpt, EngineOpt, app, fail, open_kb

if TYPE_CHECKING:
    from kb.lint import LintConfig, LintReport


class ReviewFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


FormatArg = Annotated[ReviewFormat, typer.Option("--format", "-f", help="text for people, json for programs.")]


@app.command("recommend")
def recommend_cmd(
    incident: Annotated[str, typer.Argument(help="Incident id in the knowledge base.")],
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: FormatArg = ReviewFormat.TEXT,
) -> None:
    """Recommend an analysis framework for an incident, with reasons; warn when the recorded one under-fits."""
    from kb.analysis.recommend import NAMES, recommend_from_graph

    with open_kb(engine, db, read_only=True) as kbase:
        try:
            rec = recommend_from_graph(kbase, incident)
        except KeyError:
            raise fail(f"no incident {incident!r} in {kbase.description}") from None
    if fmt is ReviewFormat.JSON:
        typer.echo(json.dumps(rec.as_dict(), indent=2, ensure_ascii=False))
        return
    typer.echo(f"{incident}: recommended {' + '.join(NAMES[m] for m in rec.methods)}")
    for reason in rec.reasons:
        typer.echo(f"  - {reason}")
    recorded = ", ".join(NAMES[m] for m in rec.recorded) or "none"
    typer.echo(f"recorded: {recorded}")
    for warning in rec.warnings:
        typer.echo(f"warning: {warning}")


def _parse_now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise fail(f"--now {value!r}: expected an ISO 8601 date or timestamp, e.g. 2025-06-30T12:00:00Z") from None
    # A bare date or a timestamp without offset is read as UTC.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _print_rules() -> None:
    from kb.lint import RULES

    for r in RULES.values():
        opts = ", ".join(f"{k}={v!r}" for k, v in r.options.items())
        typer.echo(f"{r.id:28} {r.level.value:8} {r.family:26} {r.summary}" + (f" [{opts}]" if opts else ""))


def _print_text(report: LintReport) -> None:
    lines: list[str] = []  # printed at once: an echo per line was 50,000 writes at 10,000 incidents
    for f in report.findings:
        lines.append(f"{f.incident}  {f.level.value}  {f.rule}  {f.location}")
        lines.append(f"  {f.message}")
        lines.append(f'  evidence: "{f.evidence}"')
        lines.append(f"  fix: {f.fix}")
    counts = ", ".join(f"{rule} {n}" for rule, n in report.counts().items())
    warnings = sum(f.level.value == "warning" for f in report.findings)
    lines.append(
        f"{len(report.findings)} finding(s) ({report.errors} error(s), {warnings} warning(s)) in "
        f"{len(report.incidents)} incident(s)" + (f": {counts}" if counts else "")
    )
    typer.echo("\n".join(lines))


def _json_with_findings(summary: dict[str, object], findings: list[dict[str, str]]) -> str:
    """`json.dumps({**summary, "findings": findings}, indent=2, ensure_ascii=False)`, the findings
    written by hand: with an indent json encodes in pure Python, 0.4 s for 13,000 findings."""
    head = json.dumps({**summary, "findings": []}, indent=2, ensure_ascii=False)
    if not findings:
        return head

    def enc(value: object) -> str:
        return json.encoder.encode_basestring(value) if type(value) is str else json.dumps(value, ensure_ascii=False)

    body = ",\n".join(
        "    {\n" + ",\n".join(f"      {enc(k)}: {enc(v)}" for k, v in f.items()) + "\n    }" for f in findings
    )
    return head.removesuffix("[]\n}") + "[\n" + body + "\n  ]\n}"


def _from_files(targets: list[Path], config: LintConfig, now: datetime) -> LintReport:
    from kb.lint import LintContext, lint_packets
    from kb.model import EventPacket
    from kb.packets import PacketError, packet_files, read_packet

    packets: list[EventPacket] = []
    for path in packet_files(targets):
        try:
            packets.append(read_packet(path))
        except PacketError as exc:
            raise fail(str(exc)) from None
    return lint_packets(packets, config, LintContext(now=now, known_incidents=frozenset(p.key for p in packets)))


@app.command("check")
def check_cmd(
    targets: Annotated[
        list[str] | None,
        typer.Argument(
            help="Incident ids in the knowledge base, or packet files/folders to lint before ingesting.",
            show_default=False,
        ),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Lint every incident in the knowledge base.")] = False,
    fmt: FormatArg = ReviewFormat.TEXT,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="kb.toml or pyproject.toml with per-rule settings (default: the nearest one).",
            show_default=False,
        ),
    ] = None,
    now: Annotated[
        str | None,
        typer.Option(
            "--now", help="Judge ages (untracked findings) as of this ISO time (default: now).", show_default=False
        ),
    ] = None,
    list_rules: Annotated[bool, typer.Option("--rules", help="List the rules and their defaults, then exit.")] = False,
    engine: EngineOpt = None,
    db: DbOpt = None,
) -> None:
    """Lint post-incident reviews. Each finding names the rule, quotes the evidence and suggests a fix.

    The exit status is 1 when an error-level rule fires (use it as a CI gate), 2 on bad input.
    """
    from kb.engines import unopened
    from kb.gc_pause import collector_paused
    from kb.lint import ConfigError, LintReport, lint_graph, lint_kept, load_config

    if list_rules:
        _print_rules()
        return
    names = targets or []
    if bool(names) == all_:
        raise fail("give incident ids or packet files, or --all (not both)")
    try:
        cfg = load_config(config)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    when = _parse_now(now)
    # Thousands of findings and packets are made and dropped: a cyclic collection over them all (after
    # the lint's own pause, while the findings are printed) cost ~0.3 s at 10,000 incidents.
    with collector_paused():
        files = [Path(n) for n in names if Path(n).exists()]
        keys = [n for n in names if not Path(n).exists()]
        report = LintReport()
        if files:
            report = _from_files(files, cfg, when)
        if keys or all_:
            # Every incident's lint kept for this very content is read without opening the engine.
            graph_report = lint_kept(unopened(engine, db), cfg, when) if all_ else None
            if graph_report is None:
                with open_kb(engine, db, read_only=True) as kbase:
                    graph_report = lint_graph(kbase, None if all_ else keys, cfg, when)
            missing = sorted(set(keys) - set(graph_report.incidents))
            if missing:
                listed = ", ".join(map(repr, missing))
                raise fail(f"no incident {listed} in the knowledge base (and no such packet file)")
            report.findings.extend(graph_report.findings)
            report.incidents.extend(graph_report.incidents)
        if fmt is ReviewFormat.JSON:
            summary = {
                "incidents": len(report.incidents),
                "errors": report.errors,
                "counts": report.counts(),
                "config": str(cfg.source) if cfg.source else None,
            }
            typer.echo(_json_with_findings(summary, [f.as_dict() for f in report.findings]))
        else:
            _print_text(report)
    raise typer.Exit(report.exit_code)


@app.command("audit")
def audit_cmd(
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: FormatArg = ReviewFormat.TEXT,
) -> None:
    """Audit the learning loop: name its weakest stage (data capture, analysis, integration) with the
    figures behind it: the share of incidents or findings that have each thing the stage needs."""
    from kb.lint.audit import audit

    with open_kb(engine, db) as kbase:
        result = audit(kbase)
    if fmt is ReviewFormat.JSON:
        typer.echo(
            json.dumps(
                {
                    "incidents": result.incidents,
                    "weakest": result.weakest,
                    "stages": [
                        {
                            "stage": r.stage,
                            "score": None if r.score != r.score else round(r.score, 3),
                            "weakest": bool(r.weakest),
                        }
                        for r in result.stages.itertuples()
                    ],
                    "measures": [
                        {
                            "stage": r.stage,
                            "measure": r.measure,
                            "count": int(r.count),
                            "of": int(r.of),
                            "share": None if r.share != r.share else round(r.share, 3),
                        }
                        for r in result.measures.itertuples()
                    ],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    for stage in result.stages.itertuples():
        score = "unknown" if stage.score != stage.score else f"{stage.score:.2f}"
        typer.echo(f"{stage.stage}: {score}" + ("  <- weakest" if stage.weakest else ""))
        for m in result.measures[result.measures["stage"] == stage.stage].itertuples():
            share = "unknown (nothing to count)" if m.share != m.share else f"{m.share:.0%}"
            typer.echo(f"  {m.measure:45} {int(m.count):5} of {int(m.of):5}  {share}")
    typer.echo(result.headline() + f" ({result.incidents} incidents)")
