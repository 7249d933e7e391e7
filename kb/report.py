"""The quarterly review: one self-contained HTML page, every chart as slide-ready PNG and SVG, optionally a PDF.

Each section of the review is a function `(ReportContext) -> list[Chart]` registered in
SECTIONS below; the page, the images and the summary follow that list. Adding a section
is one line there (the function may live in kb/charts, e.g. kb/charts/evidence.py).
`ReportContext` (kb/charts/section.py) holds the knowledge base and the quarter and
computes the loop metrics, incident features and clusters once, as of the quarter's end
(incidents that started later are left out).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kb.analysis import metric_reads
from kb.analysis.trace import traceability, untraced
from kb.charts.causal_web import causal_web, causal_web_key
from kb.charts.clusters import (
    cluster_incidents_figure,
    cluster_table_figure,
    cooccurrence_figure,
    cooccurrence_pairs,
    theme_heatmap_figure,
)
from kb.charts.data import finding_followup, theme_categories, theme_quarter_counts
from kb.charts.evidence import evidence_figures
from kb.charts.export import NoBrowser, print_pdf, write_static
from kb.charts.page import render_page
from kb.charts.section import Chart, ReportContext
from kb.charts.traceability import followup_table, roadmap_table, traceability_sankey, untraced_table_figure
from kb.charts.trends import loop_trends_figure, trends_table
from kb.file_guard import check as check_overwrite
from kb.file_guard import record as record_written
from kb.gc_pause import collector_paused
from kb.knowledge_base import CachedReads, KnowledgeBase

__all__ = [
    "SECTIONS",
    "Chart",
    "ReportContext",
    "ReportError",
    "ReportResult",
    "Section",
    "check_quarter",
    "latest_quarter",
    "quarterly_charts",
    "write_report",
]

QUARTER = re.compile(r"^\d{4}Q[1-4]$")
Section = Callable[[ReportContext], list[Chart]]


class ReportError(ValueError):
    pass


@dataclass
class ReportResult:
    out: Path
    page: Path
    markdown: Path
    charts: list[Chart] = field(default_factory=list)
    static: list[Path] = field(default_factory=list)
    static_error: str | None = None
    pdf: Path | None = None
    pdf_error: str | None = None
    seconds: float = 0.0


def latest_quarter(kbase: KnowledgeBase) -> str | None:
    """The quarter of the most recent incident (the default review quarter)."""
    df = kbase.query("incidents_with_factor_counts")
    if df.empty:
        return None
    last = pd.to_datetime(df["started_at"], utc=True).max()
    return f"{last.year}Q{last.quarter}"


def check_quarter(quarter: str) -> str:
    if not QUARTER.match(quarter):
        raise ReportError(f"--quarter {quarter!r}: expected a quarter like 2026Q3 (year, Q, 1-4)")
    return quarter


def _fmt(value: object, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    v = float(value)  # type: ignore[arg-type]
    return f"{v:.0%}" if kind == "share" else f"{v:.1f} days" if kind == "days" else f"{v:.0f}"


# column, label, kind, the column holding its sample size n (None: it is a count)
HEADLINE = (
    ("incidents", "incidents", "count", None),
    ("repeat_rate", "repeat rate", "share", "incidents"),
    ("tti_median_days", "time to insight (median)", "days", "gated_incidents"),
    ("ttr_median_days", "time to remediation (median)", "days", "remediated"),
    ("roadmap_traced_share", "roadmap items traced to incidents", "share", "roadmap_items"),
    ("gate_completion_rate", "incidents through the integration gate", "share", "gated_incidents"),
    ("open_findings", "open findings", "count", None),
)

DEFINITIONS = {
    "repeat rate": "incidents that repeat an earlier one / incidents started in the quarter (n). A repeat carries "
    "a theme, or a defeated barrier, that an earlier incident's agreed finding already named.",
    "time to insight": "incident resolved_at → its first published analysis, in days; median (and 90th "
    "percentile) over the quarter's incidents that have both. n: incidents with an analysis "
    "(an upper bound on those with both times).",
    "time to remediation": "analysis published_at → the last closed_at of the work items tracking its findings; "
    "median over the analyses published in the quarter whose work items are all closed (n).",
    "roadmap contribution": "share of the quarter's roadmap items with at least one finding behind them (n: items).",
    "integration gate": "share of the incidents with an analysis whose gate (kb gate) is complete now.",
    "open findings": "findings of analyses published in the quarter that are still proposed or agreed and not "
    "every linked work item closed.",
    "theme rate": "incidents of the quarter that carry the theme / all incidents of the quarter (n per quarter).",
    "cluster": "themes, defeated barriers and services that co-occur significantly (lift ≥ 1.5, Bonferroni-"
    "corrected); score = incidents × lift × spread × recency × trend.",
    "lift": "how many times more often two items occur in the same incident than if they were independent.",
    "follow-up": "work item closed (every work item closed), work item open, OKR proposal (no work item), or none.",
}


# -- the sections -------------------------------------------------------------------------------
def loop_trends_section(ctx: ReportContext) -> list[Chart]:
    return [
        Chart(
            "loop-trends",
            "Loop metrics by quarter",
            loop_trends_figure(ctx.metrics, quarter=ctx.quarter),
            "Repeat rate, time to insight, time to remediation and roadmap contribution per quarter, each "
            "with its sample size n; the review quarter is shaded.",
            trends_table(ctx.metrics, ctx.quarter),
        )
    ]


def theme_heatmap_section(ctx: ReportContext) -> list[Chart]:
    counts = theme_quarter_counts(ctx.kbase, until=ctx.quarter)
    if counts.empty:
        return []
    per = ctx.metrics.set_index("period")["incidents"].to_dict()
    totals = {q: int(per.get(q, 0) or 0) for q in counts.columns}
    table = counts.rename_axis("theme").reset_index()
    table.loc[len(table)] = ["all incidents (n)", *totals.values()]
    return [
        Chart(
            "theme-heatmap",
            "Themes by quarter",
            theme_heatmap_figure(
                counts, theme_category=theme_categories(ctx.kbase).to_dict(), highlight=ctx.quarter, incidents=totals
            ),
            "The share of each quarter's incidents that carried each of the most frequent themes, so a busy "
            "quarter does not look hot from volume alone; the counts are in the table.",
            table,
        )
    ]


def cluster_sections(ctx: ReportContext) -> list[Chart]:
    result = ctx.clusters
    if result.clusters.empty:
        return []
    names = dict(zip(result.clusters["cluster"], result.clusters["name"], strict=True))
    feats = ctx.features.incidents
    titles = dict(zip(feats["incident"], feats["title"], strict=True))
    top = int(result.clusters["cluster"].iloc[0])
    cols = [
        "cluster",
        "name",
        "support",
        "lift",
        "trend",
        "last_seen",
        "findings_agreed",
        "work_items",
        "work_items_done",
        "addressed",
    ]
    evidence = result.evidence[result.evidence["cluster"] == top][["incident", "started_at", "severity", "matched"]]
    return [
        Chart(
            "clusters",
            "Recurring clusters",
            cluster_table_figure(result.clusters),
            "Groups of themes, defeated barriers and services that keep occurring together, best-scoring "
            "first, with how far findings and work address them.",
            result.clusters[cols],
        ),
        Chart(
            "cooccurrence",
            "Co-occurrence network",
            cooccurrence_figure(
                result.graph, theme_category=theme_categories(ctx.kbase).to_dict(), cluster_names=names
            ),
            "Every significant pair of items, grouped by cluster; the table lists every pair with its lift.",
            cooccurrence_pairs(result.graph),
        ),
        Chart(
            f"cluster-{top}-incidents",
            f"Cluster {top}: its incidents",
            cluster_incidents_figure(result, top, titles=titles),
            "The incidents behind the top cluster over time, by severity.",
            evidence.assign(title=evidence["incident"].map(titles)).reset_index(drop=True),
        ),
    ]


def findings_sankey_section(ctx: ReportContext) -> list[Chart]:
    if ctx.in_quarter.empty:
        return []
    fu = finding_followup(ctx.kbase, incidents=ctx.in_quarter["incident"].tolist())
    if fu.empty:
        return []
    return [
        Chart(
            "loop-sankey",
            f"Findings of {ctx.quarter}'s incidents",
            traceability_sankey(
                fu,
                roadmap_titles=_roadmap_titles(ctx),
                title=f"Where {ctx.quarter}'s findings went",
                subtitle=ctx.quarter,
            ),
            f"The findings of the incidents that started in {ctx.quarter}: their status, their follow-up "
            "and whether they reached the roadmap.",
            followup_table(fu),
        )
    ]


def roadmap_sankey_section(ctx: ReportContext) -> list[Chart]:
    until = finding_followup(ctx.kbase)
    until = until[until["started_at"] < ctx.end]
    if not any(bool(items) for items in until["roadmap_items"]):
        return []
    titles = _roadmap_titles(ctx)
    return [
        Chart(
            "roadmap-sankey",
            "What the roadmap traces back to",
            traceability_sankey(
                until,
                roadmap_titles=titles,
                traced_only=True,
                title="What the roadmap traces back to",
                subtitle=f"incidents up to the end of {ctx.quarter}",
            ),
            "Only the findings behind roadmap items: from their incidents to the items.",
            roadmap_table(until, titles),
        )
    ]


def untraced_section(ctx: ReportContext) -> list[Chart]:
    loose = untraced(ctx.kbase)
    loose = loose[loose["quarter"].isna() | (loose["quarter"] <= ctx.quarter)].reset_index(drop=True)
    return [
        Chart(
            "untraced-roadmap",
            "Untraced roadmap items",
            untraced_table_figure(loose),
            "Roadmap items (up to this quarter) that no finding motivated.",
            loose,
        )
    ]


def causal_web_section(ctx: ReportContext) -> list[Chart]:
    if ctx.in_quarter.empty:
        return []
    worst = _most_severe(ctx.kbase, ctx.in_quarter)
    return [
        Chart(
            "causal-web",
            f"Causal web of {worst}",
            causal_web(ctx.kbase, worst),
            f"The causal web of {worst}, the quarter's most severe incident (most factors first): factors "
            "by category, influences, barriers by status, the findings; the key gives every node's text.",
            causal_web_key(ctx.kbase, worst),
        )
    ]


def evidence_section(ctx: ReportContext) -> list[Chart]:
    """Did each fix change the incident rate, what each pattern cost, overdue follow-ups."""
    return evidence_figures(ctx.kbase, ctx.end.to_pydatetime())


# The review, in page order. Adding a section is one line here.
SECTIONS: list[Section] = [
    loop_trends_section,
    theme_heatmap_section,
    cluster_sections,
    findings_sankey_section,
    roadmap_sankey_section,
    untraced_section,
    causal_web_section,
    evidence_section,
]


def _roadmap_titles(ctx: ReportContext) -> dict[str, str]:
    road = traceability(ctx.kbase)
    return dict(zip(road["item"], road["title"], strict=True))


def _most_severe(kbase: KnowledgeBase, incidents: pd.DataFrame) -> str:
    per = kbase.query("incidents_with_factor_counts").set_index("incident")["factors"]
    df = incidents.assign(factors=incidents["incident"].map(per).fillna(0))
    df = df.sort_values(["severity", "factors", "incident"], ascending=[True, False, True], kind="stable")
    return str(df["incident"].iloc[0])


# The answers without parameters that the sections read (kb.analysis.metrics's first), read side
# by side before the sections run (CachedReads.prefetch): one after the other, each of a server's
# first calls waited for its planning and run while this process idled (Neo4j, 10,000 incidents).
_READS = (
    *metric_reads.READS,
    "charts_finding_followup",
    "charts_incident_themes",
    "patterns_incident_theme_evidence",
    "patterns_finding_factor_themes",
    "patterns_finding_factor_barriers",
    "incidents_with_factor_counts",
    "patterns_incident_mentions",
    "incidents_with_text",
    "patterns_incident_themes",
    "evidence_incident_costs",
    "evidence_impact_figures",
    "charts_theme_categories",
    "patterns_finding_themes",
    "patterns_finding_barriers",
    "patterns_finding_work",
    "patterns_incident_services",
    "patterns_incident_teams",
    "patterns_incident_sources",
    "incidents_with_tags",
)
_READS_EVERY_INCIDENT = metric_reads.READS_EVERY_INCIDENT


def quarterly_charts(
    kbase: KnowledgeBase, quarter: str, sections: list[Section] | None = None
) -> tuple[list[Chart], dict[str, str]]:
    """The review's charts for `quarter` (SECTIONS unless `sections`), and its headline numbers."""
    check_quarter(quarter)
    if kbase.incident_count() == 0:
        raise ReportError("the knowledge base holds no incident: ingest packets first, or run `kb demo`")
    if isinstance(kbase, CachedReads):
        kbase.prefetch(_READS, every_incident=_READS_EVERY_INCIDENT)
    ctx = ReportContext(kbase, quarter)
    metrics = ctx.metrics
    row = metrics[metrics["period"] == quarter]
    prev = metrics[(metrics["period"] < quarter) & (metrics["period"] != "all")].tail(1)
    headline: dict[str, str] = {}
    for col, label, kind, n_col in HEADLINE:
        now = _fmt(row[col].iloc[0], kind) if not row.empty else "–"
        before = _fmt(prev[col].iloc[0], kind) if not prev.empty else "–"
        n_now = f" (n={_fmt(row[n_col].iloc[0], 'count')})" if n_col and not row.empty else ""
        n_before = f" (n={_fmt(prev[n_col].iloc[0], 'count')})" if n_col and not prev.empty else ""
        headline[label] = f"{now}{n_now}; previous quarter: {before}{n_before}"
    charts: list[Chart] = []
    for section in SECTIONS if sections is None else sections:
        charts += section(ctx)
    return charts, headline


# -- writing ------------------------------------------------------------------------------------
def write_report(
    kbase: KnowledgeBase,
    quarter: str,
    out: Path,
    *,
    static: bool = True,
    pdf: bool = False,
    progress: Callable[[str], object] | None = None,
    force: bool = False,
) -> ReportResult:
    """Write OUT/review-QUARTER.html (one self-contained page), NAME.png + NAME.svg per chart, README.md,
    and with `pdf` OUT/review-QUARTER.pdf.

    A file at one of those paths that an earlier report did not write (or that changed since) stays:
    kb.file_guard.OverwriteRefused names it before anything is written, unless `force`.
    `progress` is told each step as it starts (the CLI prints it; the whole takes ~30 s)."""
    say = progress or (lambda _: None)
    started = time.perf_counter()
    result = ReportResult(out=out, page=out / f"review-{quarter}.html", markdown=out / "README.md")
    planned = [result.page, result.markdown] + ([out / f"review-{quarter}.pdf"] if pdf else [])
    check_overwrite(planned, force)  # before the charts: a refusal need not wait for them
    kbase = CachedReads(kbase)  # the sections ask the same queries again and again: answer each once
    say(f"computing the charts of {quarter}")
    # Millions of acyclic objects (answers read, frames, figures): the cyclic collector's rescans of
    # them were ~20% of the CPU at 10,000 incidents; reference counting still frees them.
    with collector_paused():
        charts, headline = quarterly_charts(kbase, quarter)
    result.charts = charts
    if static:
        check_overwrite([out / f"{c.name}.{ext}" for c in charts for ext in ("png", "svg")], force)
    out.mkdir(parents=True, exist_ok=True)
    if static:
        say("writing PNG and SVG (a headless browser renders them)")
        try:
            result.static = write_static({c.name: c.figure for c in charts}, out)
        except NoBrowser as exc:
            result.static_error = str(exc)
    else:
        result.static_error = "static export skipped (--no-static)"
    files = {c.name: [f"{c.name}.png", f"{c.name}.svg"] for c in charts} if result.static else {}
    meta = (
        f"Generated by kb report from {kbase.description}, {pd.Timestamp.now('UTC'):%Y-%m-%d %H:%M} "
        f"UTC. Incidents that started after {quarter} are left out."
    )
    notes = [f"Static images were not written: {result.static_error}"] if result.static_error and static else []
    say("writing the review page")
    result.page.write_text(
        render_page(f"Quarterly review {quarter}", meta, headline, charts, DEFINITIONS, files, notes), encoding="utf-8"
    )
    if pdf:
        say("printing the page to PDF")
        try:
            result.pdf = print_pdf(result.page, out / f"review-{quarter}.pdf")
        except (NoBrowser, RuntimeError, OSError) as exc:
            result.pdf_error = str(exc)
    result.markdown.write_text(_markdown(quarter, kbase, result, headline), encoding="utf-8")
    record_written([result.page, result.markdown, *result.static, *([result.pdf] if result.pdf else [])])
    result.seconds = time.perf_counter() - started
    return result


def _markdown(quarter: str, kbase: KnowledgeBase, result: ReportResult, headline: dict[str, str]) -> str:
    """A short summary for wikis and repositories: the headline numbers and the slide images."""
    lines = [
        f"# Quarterly review {quarter}",
        "",
        f"Generated by `kb report` from {kbase.description}, "
        f"{pd.Timestamp.now('UTC'):%Y-%m-%d %H:%M} UTC. The whole review (charts, the figures behind "
        f"them, definitions) is one page: [{result.page.name}]({result.page.name})"
        + (f", also as [PDF]({result.pdf.name})" if result.pdf else "")
        + ".",
        "",
        "## Headline numbers",
        "",
        "| measure | this quarter |",
        "| --- | --- |",
    ]
    lines += [f"| {k} | {v} |" for k, v in headline.items()]
    lines.append("")
    if result.static_error:
        lines += [f"> Static images were not written: {result.static_error}", ""]
    lines += ["## Charts", ""]
    for c in result.charts:
        lines += [f"### {c.title}", "", c.caption, ""]
        if result.static:
            lines += [f"![{c.title}]({c.name}.png)", "", f"[SVG]({c.name}.svg) · [PNG]({c.name}.png)", ""]
    return "\n".join(lines)
