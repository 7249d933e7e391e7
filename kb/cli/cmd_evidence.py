"""Evidence commands: did a fix work (effect), what incidents cost (cost), what a barrier would have
prevented (whatif), and which follow-ups are overdue (followups)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kb.cli.app import DbOpt, EngineOpt, app, console, err_console, fail, open_kb
from kb.cli.output import Format, print_frame

if TYPE_CHECKING:
    pass

FmtOpt = Annotated[Format, typer.Option("--format", "-f", help="table for people; json or csv for programs.")]
AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="Measure as of this ISO 8601 date or time (default: now, UTC).", show_default=False),
]


class CostBy(StrEnum):
    INCIDENT = "incident"
    THEME = "theme"
    BARRIER = "barrier"
    SERVICE = "service"
    TEAM = "team"
    CLUSTER = "cluster"


def parse_as_of(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"--as-of {value!r}: expected an ISO 8601 date or timestamp like 2025-07-01") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _fmt_days(v: object) -> str:
    import pandas as pd

    return "" if v is None or pd.isna(v) else f"{float(v):.0f}"  # type: ignore[arg-type]


@app.command()
def effect(
    subject: Annotated[
        str | None,
        typer.Argument(
            help="theme:SLUG, barrier:SLUG, cluster:N (or a bare slug or "
            "cluster name); default: every pattern with work items.",
            show_default=False,
        ),
    ] = None,
    as_of: AsOf = None,
    all_fixes: Annotated[
        bool,
        typer.Option(
            "--all-fixes",
            help="One row per commitment (each analysis that named the pattern with work items), not only the first.",
        ),
    ] = False,
    target: Annotated[
        float,
        typer.Option(
            "--target",
            min=0.01,
            max=0.99,
            help="Rate ratio a fix must reach to count; 'did not work' means the CI rules it out.",
        ),
    ] = 0.5,
    show_repeats: Annotated[
        bool,
        typer.Option(
            "--repeats",
            help="List the repeat incidents instead, split "
            "into 'fix not yet shipped' and 'fix shipped and it came "
            "back'.",
        ),
    ] = False,
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: FmtOpt = Format.TABLE,
) -> None:
    """Did the fix work? Incident rate per 90 days before and after a pattern's fix shipped (its work
    items closed), the rate ratio with a 95% exact CI, and a verdict: worked, did not work, no
    evidence yet, fix not yet shipped (see the README for the definitions)."""
    import pandas as pd

    from kb.analysis.effect import UnknownPattern, classify_repeats, fix_effects

    when = parse_as_of(as_of)
    with open_kb(engine, db) as kbase:
        if show_repeats:
            df = classify_repeats(kbase, as_of=when)
            print_frame(
                df, fmt, title=f"{df['incident'].nunique() if len(df) else 0} repeat incident(s)", empty="no repeats"
            )
            return
        try:
            df = fix_effects(kbase, subject, as_of=when, fixes="all" if all_fixes else "first", target=target)
        except UnknownPattern as exc:
            raise fail(f"SUBJECT {exc.args[0]}") from None
    if fmt is Format.TABLE and not df.empty:
        df = pd.DataFrame(
            {
                "pattern": df["kind"]
                + ":"
                + df["subject"]
                + [f" ({n})" if k == "cluster" else "" for k, n in zip(df["kind"], df["name"], strict=True)],
                "fix (shipped)": [
                    f"{f} ({s:%Y-%m-%d})" if pd.notna(s) else f"{f} ({o} open)"
                    for f, s, o in zip(df["fix_incident"], df["shipped_at"], df["open_work_items"], strict=True)
                ],
                "before n/days": [
                    f"{n:.0f}/{_fmt_days(d)}" if pd.notna(n) else ""
                    for n, d in zip(df["before_incidents"], df["before_days"], strict=True)
                ],
                "after n/days": [
                    f"{n:.0f}/{_fmt_days(d)}" if pd.notna(n) else ""
                    for n, d in zip(df["after_incidents"], df["after_days"], strict=True)
                ],
                "rate ratio (95% CI)": [
                    "" if pd.isna(r) else f"{r:.2f} ({lo:.2f}-{hi:.2f})"
                    for r, lo, hi in zip(df["rate_ratio"], df["ci_low"], df["ci_high"], strict=True)
                ],
                "verdict": df["verdict"],
                "repeats unshipped/came back": [
                    f"{a}/{b}" for a, b in zip(df["repeats_unshipped"], df["repeats_came_back"], strict=True)
                ],
            }
        )
    print_frame(
        df,
        fmt,
        title=f"effect of fixes as of {when:%Y-%m-%d} (rates per 90 days, exposure in days)",
        empty="no theme, barrier or cluster has findings with work items",
    )


@app.command()
def cost(
    by: Annotated[
        CostBy, typer.Option("--by", help="Sum per incident, theme, barrier, service, team or cluster.")
    ] = CostBy.THEME,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most this many rows.")] = 20,
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: FmtOpt = Format.TABLE,
) -> None:
    """What incidents cost: revenue impact, customers affected, duration and responder hours, per incident
    or summed per theme, failed barrier, service, team or cluster, most costly first, with the figures
    that were missing."""
    from kb.analysis.cost import cost_by, incident_costs, rank_by_cost, with_cost

    with open_kb(engine, db) as kbase:
        if by is CostBy.INCIDENT:
            df = rank_by_cost(incident_costs(kbase))
        elif by is CostBy.CLUSTER:
            from kb.analysis.clusters import find_clusters

            clusters = find_clusters(kbase).clusters[["cluster", "name", "support", "incidents"]]
            df = with_cost(clusters, kbase, incidents_column="incidents").drop(columns="incidents")
        else:
            df = cost_by(kbase, [by.value])
    print_frame(df.head(limit), fmt, title=f"cost per {by.value}", empty="no incidents yet")


@app.command()
def whatif(
    barrier: Annotated[
        str | None,
        typer.Option(
            "--barrier", help="A barrier slug: the incidents it would have prevented had it held.", show_default=False
        ),
    ] = None,
    theme: Annotated[
        str | None,
        typer.Option(
            "--theme", help="A theme slug: the incidents a fix of it would have prevented.", show_default=False
        ),
    ] = None,
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: FmtOpt = Format.TABLE,
) -> None:
    """What if a barrier had held (or a theme had been fixed)? The past incidents in which every causal
    path to the impact passes through it, with their summed cost."""
    import pandas as pd

    from kb.analysis.whatif import what_if

    if (barrier is None) == (theme is None):
        raise fail("give --barrier SLUG or --theme SLUG (one of them)")
    kind, slug = ("barrier", barrier) if barrier is not None else ("theme", theme)
    assert slug is not None
    with open_kb(engine, db) as kbase:
        result = what_if(kbase, kind, slug)
    df = result.incidents
    if fmt is not Format.TABLE:
        print_frame(df, fmt)
        return
    print_frame(
        df.drop(columns=["subject_factors"]),
        fmt,
        title=f"incidents with {kind} {slug} on a causal path",
        empty=f"no incident has {kind} {slug} on a path to its impact",
    )
    t = result.total
    money = "unknown" if pd.isna(t["revenue"]) else f"{t['revenue']:,.0f}"
    hours = "unknown" if pd.isna(t["responder_hours"]) else f"{t['responder_hours']:,.0f}"
    console.print(
        f"{int(t['incidents'])} of {len(df)} would have been prevented: revenue impact {money}, "
        f"responder hours {hours}" + (f" (missing: {t['missing']})" if t["missing"] else "")
    )


@app.command()
def followups(
    overdue: Annotated[bool, typer.Option("--overdue", help="Only the overdue ones.")] = False,
    owner: Annotated[
        str | None, typer.Option("--owner", help="Only this owner's (team or person).", show_default=False)
    ] = None,
    as_of: AsOf = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", help="kb.toml with [policy.SEVn] due_days (default: the nearest kb.toml).", show_default=False
        ),
    ] = None,
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: FmtOpt = Format.TABLE,
) -> None:
    """Open follow-ups (findings and work items) with their due dates: stated, or by severity from
    kb.toml (SEV1 30 days after the analysis is published by default), most overdue first."""
    from kb.analysis.followups import followups as open_followups
    from kb.analysis.policy import PolicyError
    from kb.lint.policy_file import load_policy

    when = parse_as_of(as_of)
    try:
        policy = load_policy(config)
    except PolicyError as exc:
        raise fail(str(exc)) from None
    with open_kb(engine, db) as kbase:
        df = open_followups(kbase, as_of=when, policy=policy, overdue_only=overdue, owner=owner)
    late = int(df["overdue"].sum()) if len(df) else 0
    if fmt is Format.TABLE:
        df = df.drop(columns=["finding"])
    print_frame(
        df, fmt, title=f"{len(df)} open follow-up(s), {late} overdue as of {when:%Y-%m-%d}", empty="no open follow-ups"
    )
    if fmt is Format.TABLE:
        err_console.print(f"{late} overdue")
