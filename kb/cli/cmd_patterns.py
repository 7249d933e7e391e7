"""Cross-incident commands: clusters, hotspots, similar, themes (suggest, accept, learn, apply), search, repeats."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kb.analysis.subject_kinds import SUBJECT_KINDS
from kb.cli import kept_output
from kb.cli.app import DbOpt, EngineOpt, app, console, err_console, fail, open_kb
from kb.cli.output import Format, print_frame, print_rows, records
from kb.cli.writing import ForceOpt, write_out

if TYPE_CHECKING:  # pandas is loaded by the commands that use it: `kb --help` stays fast
    import pandas as pd

    from kb.knowledge_base import KnowledgeBase

# Our own --format: kb.cli.output.FormatOpt, used as a plain default, passes "--format" as the
# default value (and another module's Annotated use of that shared object changes it).
FmtOpt = Annotated[Format, typer.Option("--format", "-f", help="table for people; json or csv for programs.")]

themes_app = typer.Typer(
    help="Suggest canonical themes for factors that have none, and accept them; learn "
    "themes from the corpus and apply a reviewer's decisions in bulk.",
    no_args_is_help=True,
)
app.add_typer(themes_app, name="themes")


def _short_list(values: Any, limit: int = 3) -> str:
    values = list(values) if values is not None else []
    more = f" (+{len(values) - limit})" if len(values) > limit else ""
    return ", ".join(map(str, values[:limit])) + more


@app.command()
def clusters(
    score: Annotated[
        bool,
        typer.Option(
            "--score",
            help="Also print precision and recall against the demo "
            "corpus' planted clusters (for a database loaded by `kb demo`).",
        ),
    ] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most this many clusters.")] = 20,
    min_support: Annotated[
        int | None,
        typer.Option(
            "--min-support",
            min=1,
            help="Incidents a pair of items must share to count (default: 3 or 0.5% of incidents), and "
            "incidents a cluster found in text needs (default: 2 under 100 incidents, else the same).",
        ),
    ] = None,
    resolution: Annotated[
        float, typer.Option("--resolution", min=0.01, help="Leiden resolution: higher gives smaller clusters.")
    ] = 1.0,
    window_days: Annotated[
        int, typer.Option("--window-days", min=1, help="Window for recent vs previous counts (the trend).")
    ] = 180,
    demo_incidents: Annotated[
        int, typer.Option("--demo-incidents", help="With --score: n_incidents the demo was generated with.")
    ] = 320,
    demo_seed: Annotated[int, typer.Option("--demo-seed", help="With --score: the demo's seed.")] = 7,
    weight: Annotated[
        str,
        typer.Option(
            "--weight",
            help="count (the score) or cost: rank by the summed revenue "
            "impact, then responder hours, of each cluster's incidents.",
        ),
    ] = "count",
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: FmtOpt = Format.TABLE,
) -> None:
    """Recurring factor clusters: themes, failed barriers and services that occur together across
    incidents more often than chance, ranked by support, lift, spread, recency and trend, with the
    findings that address each and whether their work is done. Incidents nobody reviewed (imported
    post-mortems) are also clustered from their text, with a basis and a confidence."""
    options = ClusterOptions(limit, min_support, resolution, window_days, weight, fmt is Format.TABLE)
    if not score:
        kept = kept_output.replay("clusters", asdict(options), engine, db)  # no pandas, no engine: it is kept
        if kept is None:
            with open_kb(engine, db, read_only=True) as kbase:
                kept = clusters_answer(kbase, options)
        print_rows(kept.columns, kept.rows, fmt, title=kept.title, empty="no recurring clusters found")
        return
    from kb.analysis.clusters import score_clusters

    with open_kb(engine, db, read_only=True) as kbase:
        result = _find_clusters(kbase, options)
    table = result.clusters.head(limit)
    try:
        from kb.demo import generate_corpus
    except ImportError as exc:
        raise fail(f"--score needs the demo corpus generator (kb.demo): {exc}") from None
    truth = generate_corpus(n_incidents=demo_incidents, seed=demo_seed).truth
    scored = score_clusters(result, truth.clusters)
    if fmt is not Format.TABLE:
        typer.echo(
            json.dumps(
                {
                    "clusters": records(table),
                    "score": {
                        "precision": scored.precision,
                        "recall": scored.recall,
                        "incident_precision": scored.incident_precision,
                        "incident_recall": scored.incident_recall,
                        "matches": records(scored.matches),
                    },
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    view = _clusters_view(table, weight)
    print_frame(view, fmt, title=f"{len(result.clusters)} recurring clusters", empty="no recurring clusters found")
    console.print(
        f"planted clusters: precision {scored.precision:.2f}, recall {scored.recall:.2f}; "
        f"evidence incidents: precision {scored.incident_precision:.2f}, "
        f"recall {scored.incident_recall:.2f}"
    )
    print_frame(scored.matches, fmt, title="planted -> found")


@dataclass(frozen=True)
class ClusterOptions:
    """`kb clusters`' options that shape its rows (not --score); the defaults are the command's."""

    limit: int = 20
    min_support: int | None = None
    resolution: float = 1.0
    window_days: int = 180
    weight: str = "count"
    table: bool = True  # the table is a view of the rows JSON and CSV give


def clusters_answer(
    kbase: KnowledgeBase, options: ClusterOptions, found: Callable[[], Any] | None = None
) -> kept_output.Kept:
    """`kb clusters`' rows for these options, computed (by `found`, when given: find_clusters'
    result for them) and kept (kb.cli.kept_output)."""

    def compute() -> tuple[list[str], list[list[Any]], str]:
        result = found() if found is not None else _find_clusters(kbase, options)
        table = result.clusters.head(options.limit)
        title = f"{len(result.clusters)} recurring clusters"
        return kept_output.frame_rows(_clusters_view(table, options.weight) if options.table else table, title)

    return kept_output.answer(kbase, "clusters", asdict(options), compute)


def _find_clusters(kbase: KnowledgeBase, options: ClusterOptions) -> Any:
    """kb.analysis.clusters.find_clusters for these options, with the cost columns for --weight cost."""
    from kb.analysis.clusters import find_clusters

    result = find_clusters(
        kbase, min_together=options.min_support, resolution=options.resolution, window_days=options.window_days
    )
    if options.weight == "cost":
        from kb.analysis.cost import with_cost

        result.clusters = with_cost(result.clusters, kbase, incidents_column="incidents")
    return result


def _clusters_view(table: pd.DataFrame, weight: str) -> pd.DataFrame:
    """The clusters table people read: the first rows of find_clusters' frame, a column per question."""
    import pandas as pd

    view = pd.DataFrame(
        {
            "#": table["cluster"],
            "themes and failed barriers": [
                _short_list([*t, *b], 6) if basis == "stated" else f"{name} ({basis}, confidence {conf:.2f})"
                for t, b, basis, name, conf in zip(
                    table["themes"], table["barriers"], table["basis"], table["name"], table["confidence"], strict=True
                )
            ],
            "incidents": table["support"],
            "lift": table["lift"].round(1),
            "spread": [
                f"{s} svc, {t} teams" for s, t in zip(table["spread_services"], table["spread_teams"], strict=True)
            ],
            "last seen": [d.date().isoformat() for d in table["last_seen"]],
            "trend": table["trend"],
            "findings (work done)": [
                f"{len(f)} ({d}/{w})"
                for f, d, w in zip(table["findings"], table["work_items_done"], table["work_items"], strict=True)
            ],
        }
    )
    return _cost_view(view, table) if weight == "cost" else view


@app.command()
def hotspots(
    by: Annotated[
        list[str] | None,
        typer.Option("--by", help="service, component, theme or barrier (repeatable; default: all four)."),
    ] = None,
    window_days: Annotated[int, typer.Option("--window-days", min=1, help="Rolling window for recent counts.")] = 90,
    major_severity: Annotated[
        int,
        typer.Option(
            "--major-severity", min=1, max=5, help="Severity at or above which an incident is major (1 = SEV1)."
        ),
    ] = 2,
    last_major: Annotated[
        int, typer.Option("--last-major", min=1, help="How many of the latest major incidents to attribute.")
    ] = 5,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="Tagged events to line up with (repeatable; default: campaign).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most this many subjects.")] = 20,
    weight: Annotated[
        str,
        typer.Option(
            "--weight",
            help="count (recent and major incidents) or cost: rank by summed revenue impact, then responder hours.",
        ),
    ] = "count",
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: FmtOpt = Format.TABLE,
) -> None:
    """Hotspots per service, component, theme and failed barrier: counts over rolling windows and by
    severity, "N of the last M major incidents", and alignment with tagged events such as campaigns.
    Services and components found in the text and keyword-guessed themes count at their certainty."""
    kinds = by or list(SUBJECT_KINDS)
    bad = [k for k in kinds if k not in SUBJECT_KINDS]
    if bad:
        raise fail(f"--by {bad[0]!r}: expected one of {', '.join(SUBJECT_KINDS)}")
    if weight not in ("count", "cost"):
        raise fail(f"--weight {weight!r}: expected count or cost")
    options = HotspotOptions(kinds, window_days, major_severity, last_major, tag, limit, weight, fmt is Format.TABLE)
    kept = kept_output.replay("hotspots", asdict(options), engine, db)  # no pandas, no engine: it is kept
    if kept is None:
        with open_kb(engine, db, read_only=True) as kbase:
            kept = hotspots_answer(kbase, options)
    print_rows(kept.columns, kept.rows, fmt, title=kept.title, empty="no incidents yet")


@dataclass(frozen=True)
class HotspotOptions:
    """`kb hotspots`'s options; the defaults are the command's."""

    by: list[str] = field(default_factory=lambda: list(SUBJECT_KINDS))
    window_days: int = 90
    major_severity: int = 2
    last_major: int = 5
    tag: list[str] | None = None
    limit: int = 20
    weight: str = "count"
    table: bool = True  # the table is a view of the rows JSON and CSV give


def hotspots_answer(kbase: KnowledgeBase, options: HotspotOptions) -> kept_output.Kept:
    """`kb hotspots`'s rows for these options, computed and kept (kb.cli.kept_output)."""
    return kept_output.answer(
        kbase, "hotspots", asdict(options), lambda: kept_output.frame_rows(_hotspots_frame(kbase, options), "hotspots")
    )


def _hotspots_frame(kbase: KnowledgeBase, options: HotspotOptions) -> pd.DataFrame:
    """`kb hotspots`'s rows: for a table, the view people read; for JSON and CSV, every column."""
    import pandas as pd

    from kb.analysis.hotspots import hotspots as find_hotspots

    kinds, window_days, tag, weight = options.by, options.window_days, options.tag, options.weight
    df = find_hotspots(
        kbase,
        kinds,
        window_days=window_days,
        major_severity=options.major_severity,
        last_major=options.last_major,
        tags=tag if tag is not None else ["campaign"],
    )
    if weight == "cost":
        from kb.analysis.cost import with_cost
        from kb.analysis.hotspots import subject_incidents

        # Summed over each subject's incidents, so subjects found in the text are costed too.
        involved = subject_incidents(kbase, kinds)
        df["_incidents"] = [involved.get((k, s), []) for k, s in zip(df["kind"], df["subject"], strict=True)]
        df = with_cost(df, kbase, incidents_column="_incidents").drop(columns="_incidents")
    df = df.head(options.limit)
    costed = df
    if options.table and not df.empty:
        tags = tag if tag is not None else ["campaign"]
        df = pd.DataFrame(
            {
                "kind": df["kind"],
                "subject": df["subject"],
                "incidents": df["incidents"],
                "basis": df["basis"],
                f"last {window_days}d (before)": [
                    f"{r} ({p})" for r, p in zip(df["recent"], df["previous"], strict=True)
                ],
                "by severity": [
                    " ".join(
                        [
                            *(f"S{s}:{r[f'sev{s}']}" for s in range(1, 6) if r[f"sev{s}"]),
                            *([f"?:{r['sev_unknown']}"] if r.get("sev_unknown") else []),
                        ]
                    )
                    for r in df.to_dict("records")
                ],
                "last major": [f"{a}/{b}" for a, b in zip(df["last_major"], df["of_last_major"], strict=True)],
                **{t: [f"{n} (x{lift:g})" for n, lift in zip(df[t], df[f"{t}_lift"], strict=True)] for t in tags},
            }
        )
        if weight == "cost":
            df = _cost_view(df, costed)
    return df


@app.command()
def similar(
    incident: Annotated[str, typer.Argument(help="The incident key, e.g. INC-2025-001.")],
    k: Annotated[int, typer.Option("-k", "--top", min=1, help="How many similar incidents.")] = 5,
    any_time: Annotated[bool, typer.Option("--any-time", help="Also consider incidents that started later.")] = False,
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: FmtOpt = Format.TABLE,
) -> None:
    """Similar past incidents by text and by structure (shared themes, failed barriers, services),
    each with the reason it matched."""
    title, empty = f"incidents similar to {incident}", "no earlier incident to compare with"
    rows = _similar_from_file(incident, k, any_time, engine, db)  # no pandas, scipy or engine: the index is kept
    if rows is not None:
        from kb.analysis.similarity_file import COLUMNS

        print_rows(COLUMNS, rows, fmt, title=title, empty=empty)
        return
    from kb.analysis.similarity_store import load_index

    with open_kb(engine, db, read_only=True) as kbase:
        index = load_index(kbase)
    if incident not in index.row_of:
        raise fail(
            f"INCIDENT {incident!r}: no such incident in the knowledge base; expected a key such as "
            f"{index.keys[-1] if index.keys else 'INC-2025-001'}"
        )
    df = index.similar(incident, k, earlier_only=not any_time)
    print_frame(df, fmt, title=title, empty=empty)


def _similar_from_file(
    incident: str, k: int, any_time: bool, engine: str | None, db: Path | None
) -> list[list[Any]] | None:
    """`kb similar`'s rows from the similarity index kept for the embedded database's current
    content, read with numpy alone (kb.analysis.similarity_file); None where there is no such
    file, or this reader cannot reproduce an answer exactly from it (then SimilarityIndex does)."""
    from kb.engines import unopened

    peek = unopened(engine, db)
    if peek is None:
        return None
    from kb.analysis import similarity_file

    index = similarity_file.load(peek.cache_path(similarity_file.CACHE_NAME), peek.snapshot)
    if index is None:
        return None
    if incident not in index.row_of:
        raise fail(
            f"INCIDENT {incident!r}: no such incident in the knowledge base; expected a key such as "
            f"{index.keys[-1] if index.keys else 'INC-2025-001'}"
        )
    return similarity_file.similar_rows(index, incident, k, earlier_only=not any_time)


@themes_app.command("suggest")
def themes_suggest(
    min_confidence: Annotated[
        float, typer.Option("--min-confidence", min=0.0, max=1.0, help="Only suggestions at or above this confidence.")
    ] = 0.0,
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: FmtOpt = Format.TABLE,
) -> None:
    """Suggest a canonical theme for every factor without one, from the taxonomy and text similarity."""
    from kb.analysis.themes import suggest_themes

    with open_kb(engine, db, read_only=True) as kbase:
        df = suggest_themes(kbase, min_confidence=min_confidence)
    print_frame(df, fmt, title="theme suggestions", empty="every factor has a theme")


@themes_app.command("accept")
def themes_accept(
    factor: Annotated[str | None, typer.Argument(help="FACTOR_KEY, e.g. INC-2025-001/factor/F1.")] = None,
    theme: Annotated[str | None, typer.Argument(help="THEME slug from the taxonomy.")] = None,
    min_confidence: Annotated[
        float | None,
        typer.Option("--min-confidence", min=0.0, max=1.0, help="Accept every suggestion at or above this confidence."),
    ] = None,
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: FmtOpt = Format.TABLE,
) -> None:
    """Accept one suggestion (FACTOR_KEY THEME) or all above a confidence (--min-confidence X):
    writes INSTANCE_OF {origin "suggested", confidence}."""
    from kb.analysis.themes import ThemeError, accept_suggestions, accept_theme

    if min_confidence is None and (factor is None or theme is None):
        raise fail("expected FACTOR_KEY THEME, or --min-confidence X to accept every suggestion above X")
    if min_confidence is not None and (factor is not None or theme is not None):
        raise fail("give either FACTOR_KEY THEME or --min-confidence, not both")
    with open_kb(engine, db) as kbase:
        try:
            if min_confidence is not None:
                df = accept_suggestions(kbase, min_confidence)
            else:
                assert factor is not None and theme is not None
                df = accept_theme(kbase, factor, theme)
        except ThemeError as exc:
            raise fail(str(exc)) from None
    print_frame(df, fmt, title=f"accepted {len(df)} theme link(s)", empty="nothing to accept")


@themes_app.command("learn")
def themes_learn(
    threshold: Annotated[
        float,
        typer.Option(
            "--threshold",
            min=0.05,
            max=1.0,
            help="Cosine at or above which two factor statements of different incidents are joined.",
        ),
    ] = 0.25,
    min_incidents: Annotated[
        int, typer.Option("--min-incidents", min=2, help="Incidents a learned theme must span.")
    ] = 2,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write the proposals as a decisions file (YAML) to edit and pass to `kb themes apply`."
        ),
    ] = None,
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: FmtOpt = Format.TABLE,
    force: ForceOpt = False,
) -> None:
    """Learn themes from the corpus: groups of similar factor statements across incidents, each named
    by its top terms, with its members and a confidence. Nothing is written to the graph."""
    import yaml

    from kb.analysis.learned_themes import learn_themes, proposals_yaml

    with open_kb(engine, db) as kbase:
        df = learn_themes(kbase, threshold=threshold, min_incidents=min_incidents)
    if out is not None:
        write_out(out, yaml.safe_dump(proposals_yaml(df), sort_keys=False, allow_unicode=True), force)
        console.print(
            f"wrote {len(df)} proposal(s) to {out}: set each decision to accept, reject or rename "
            f"(with rename: new-slug), then run `kb themes apply {out}`"
        )
    view = (
        df.assign(
            members=[_short_list(m) for m in df["members"]], statements=[_short_list(s, 2) for s in df["statements"]]
        )
        if fmt is Format.TABLE
        else df
    )
    print_frame(view, fmt, title=f"{len(df)} learned theme(s)", empty="no group of similar factors across incidents")


@themes_app.command("apply")
def themes_apply(
    decisions: Annotated[Path, typer.Argument(help="A decisions file written by `kb themes learn --out`.")],
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: FmtOpt = Format.TABLE,
) -> None:
    """Apply a reviewer's bulk decisions on learned themes: accept and rename write Theme nodes and
    INSTANCE_OF {origin "learned"} links; reject writes nothing. Every entry is checked first."""
    import yaml

    from kb.analysis.learned_themes import DecisionError, apply_decisions

    try:
        entries = yaml.safe_load(decisions.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise fail(f"{decisions}: cannot read the decisions file: {exc}") from None
    if not isinstance(entries, list):
        raise fail(f"{decisions}: expected a list of proposals (from `kb themes learn --out`)")
    with open_kb(engine, db) as kbase:
        try:
            df = apply_decisions(kbase, entries, str(decisions))
        except DecisionError as exc:
            raise fail(str(exc)) from None
    print_frame(df, fmt, title=f"applied {len(df)} decision(s)", empty="no decisions")


@app.command()
def search(
    text: Annotated[str, typer.Argument(help="Words to look for (may be empty with --tag).")] = "",
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag", "-t", help="Only hits carrying this tag, themselves or through their incident (repeatable)."
        ),
    ] = None,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help="incident, finding or factor (repeatable; default: all).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most this many hits.")] = 20,
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: FmtOpt = Format.TABLE,
) -> None:
    """Search incidents, factors and findings by words and tags, ranked, with the incident of each hit."""
    from kb.analysis.search import KINDS
    from kb.analysis.search import search as run_search

    if not text.strip() and not tag:
        raise fail("expected TEXT to search for, or --tag TAG")
    kinds = kind or list(KINDS)
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise fail(f"--kind {bad[0]!r}: expected one of {', '.join(KINDS)}")
    with open_kb(engine, db, read_only=True) as kbase:
        df = run_search(kbase, text, tag or [], kinds, limit)
    print_frame(df, fmt, title=f"search: {text} {' '.join('#' + t for t in tag or [])}".strip(), empty="no hits")


@app.command()
def repeats(
    all_earlier: Annotated[
        bool, typer.Option("--all-earlier", help="List every earlier incident's finding, not only the most recent one.")
    ] = False,
    follow_ups: Annotated[
        bool,
        typer.Option(
            "--follow-ups",
            help="List the documents that follow up an earlier report of the SAME incident (an addendum, "
            "a deeper dive) instead: they are never counted as repeats.",
        ),
    ] = False,
    limit: Annotated[
        int,
        typer.Option(
            "--limit",
            "-n",
            min=0,
            help="Rows the table shows, the newest (0: all); --format csv or json always gives every row.",
        ),
    ] = 100,
    engine: EngineOpt = None,
    db: DbOpt = None,
    fmt: FmtOpt = Format.TABLE,
) -> None:
    """Repeat incidents: a theme or failed barrier that an earlier incident's agreed finding addressed,
    with that earlier incident and the finding that did not prevent it."""
    # No pandas, no engine: the rows are kept.
    kept = kept_output.replay("repeats", _repeats_options(all_earlier, follow_ups), engine, db)
    if kept is None:
        with open_kb(engine, db, read_only=True) as kbase:
            kept = repeats_answer(kbase, all_earlier, follow_ups)
    if follow_ups:
        print_rows(kept.columns, kept.rows, fmt, title=kept.title, empty="no follow-up documents")
        return
    rows = kept.rows
    if fmt is Format.TABLE and limit and len(rows) > limit:
        # Thousands of rows are no table for people, and drawing them took most of the command's time.
        err_console.print(
            f"[dim]the newest {limit:,} of {len(rows):,} rows shown: --limit 0 shows all, "
            "--format csv or json gives every row[/dim]"
        )
        rows = rows[-limit:]
    print_rows(kept.columns, rows, fmt, title=kept.title, empty="no repeats")


def repeats_answer(kbase: KnowledgeBase, all_earlier: bool = False, follow_ups: bool = False) -> kept_output.Kept:
    """`kb repeats`'s rows (every one; the table shows the newest), computed and kept (kb.cli.kept_output)."""

    def compute() -> tuple[list[str], list[list[Any]], str]:
        from kb.analysis.repeat_evidence import follow_up_documents
        from kb.analysis.repeats import find_repeats

        if follow_ups:
            df = follow_up_documents(kbase)
            return kept_output.frame_rows(df, f"{len(df)} follow-up document(s)")
        df = find_repeats(kbase, all_earlier=all_earlier)
        return kept_output.frame_rows(df, f"{df['incident'].nunique() if len(df) else 0} repeat incident(s)")

    return kept_output.answer(kbase, "repeats", _repeats_options(all_earlier, follow_ups), compute)


def _repeats_options(all_earlier: bool, follow_ups: bool) -> dict[str, bool]:
    """What names `kb repeats`' kept rows: all formats and limits of these options share them."""
    return {"all_earlier": all_earlier, "follow_ups": follow_ups}


def keep_default_answers(kbase: KnowledgeBase) -> None:
    """After a write: keep what `kb repeats`, `kb hotspots` and `kb clusters` print without options, so
    the first of them after an ingest prints at once too (nothing where no file can be kept)."""
    if kept_output.keeps(kbase):
        from kb.analysis.answer_store import noting_reads

        # Rows of older content whose inputs answer the same are taken first: saving any answer deletes
        # the others' files of older content.
        clusters = [ClusterOptions(table=table) for table in (True, False)]  # the table, and JSON and CSV
        for command, named in [
            *(("clusters", asdict(o)) for o in clusters),
            ("repeats", _repeats_options(False, False)),
            ("hotspots", asdict(HotspotOptions())),
        ]:
            kept_output.take(kbase, command, named)
        found = noting_reads(kbase, lambda: _find_clusters(kbase, ClusterOptions()))  # one computation for both
        for options in clusters:
            clusters_answer(kbase, options, found)
        repeats_answer(kbase)
        hotspots_answer(kbase, HotspotOptions())


def _cost_view(view: pd.DataFrame, costed: pd.DataFrame) -> pd.DataFrame:
    """The table with the cost columns of kb.analysis.cost.with_cost (--weight cost)."""
    import pandas as pd

    return view.assign(
        **{
            "revenue": ["?" if pd.isna(v) else f"{v:,.0f}" for v in costed["revenue"]],
            "responder h": ["?" if pd.isna(v) else f"{v:,.0f}" for v in costed["responder_hours"]],
            "missing": costed["cost_missing"].fillna("").to_numpy(),
        }
    )
