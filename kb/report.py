"""The quarterly review: every chart as HTML (and PNG + SVG where a browser is here) and a markdown summary.

`quarterly_charts` builds the figures from the knowledge base as it stood at the end
of the quarter (incidents that started later are left out); `write_report` writes
them into a directory with README.md embedding the PNGs and linking the pages.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from kb.analysis.clusters import clusters_from_features
from kb.analysis.incident_features import IncidentFeatures, load_features
from kb.analysis.metrics import loop_metrics
from kb.analysis.trace import traceability, untraced
from kb.charts.causal_web import causal_web
from kb.charts.clusters import (
    cluster_incidents_figure,
    cluster_table_figure,
    cooccurrence_figure,
    theme_heatmap_figure,
)
from kb.charts.data import (
    finding_followup,
    incidents_in,
    quarter_end,
    theme_categories,
    theme_quarter_counts,
)
from kb.charts.evidence import evidence_figures
from kb.charts.export import NoBrowser, write_html, write_static
from kb.charts.traceability import traceability_sankey, untraced_table_figure
from kb.charts.trends import loop_trends_figure
from kb.knowledge_base import KnowledgeBase

QUARTER = re.compile(r"^\d{4}Q[1-4]$")


class ReportError(ValueError):
    pass


@dataclass
class Chart:
    name: str
    title: str
    figure: go.Figure
    caption: str


@dataclass
class ReportResult:
    out: Path
    markdown: Path
    charts: list[Chart]
    html: list[Path] = field(default_factory=list)
    static: list[Path] = field(default_factory=list)
    static_error: str | None = None
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


def _features_until(features: IncidentFeatures, end: pd.Timestamp) -> IncidentFeatures:
    inc = features.incidents[features.incidents["started_at"] < end].reset_index(drop=True)
    return IncidentFeatures(inc, features.items[features.items["incident"].isin(set(inc["incident"]))])


def _fmt(value: object, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    v = float(value)  # type: ignore[arg-type]
    return f"{v:.0%}" if kind == "share" else f"{v:.1f} days" if kind == "days" else f"{v:.0f}"


def quarterly_charts(kbase: KnowledgeBase, quarter: str) -> tuple[list[Chart], dict[str, str]]:
    """The review's charts for `quarter`, and its headline numbers (name -> formatted value)."""
    check_quarter(quarter)
    end = quarter_end(quarter)
    if kbase.incident_count() == 0:
        raise ReportError("the knowledge base holds no incident: ingest packets first, or run `kb demo`")
    charts: list[Chart] = []
    headline: dict[str, str] = {}

    metrics = loop_metrics(kbase, as_of=end.to_pydatetime())
    row = metrics[metrics["period"] == quarter]
    prev = metrics[(metrics["period"] < quarter) & (metrics["period"] != "all")].tail(1)
    for col, label, kind in (("incidents", "incidents", "count"), ("repeat_rate", "repeat rate", "share"),
                             ("tti_median_days", "time to insight (median)", "days"),
                             ("ttr_median_days", "time to remediation (median)", "days"),
                             ("roadmap_traced_share", "roadmap items traced to incidents", "share"),
                             ("gate_completion_rate", "incidents through the integration gate", "share"),
                             ("open_findings", "open findings", "count")):
        now = _fmt(row[col].iloc[0], kind) if not row.empty else "–"
        before = _fmt(prev[col].iloc[0], kind) if not prev.empty else "–"
        headline[label] = f"{now} (previous quarter: {before})"
    charts.append(Chart("loop-trends", "Loop metrics by quarter", loop_trends_figure(metrics, quarter=quarter),
                        "Repeat rate, time to insight, time to remediation and roadmap contribution per quarter; "
                        "the review quarter is shaded."))

    cats = theme_categories(kbase).to_dict()
    counts = theme_quarter_counts(kbase, until=quarter)
    if not counts.empty:
        charts.append(Chart("theme-heatmap", "Themes by quarter",
                            theme_heatmap_figure(counts, theme_category=cats, highlight=quarter),
                            "How many incidents carried each of the most frequent themes, quarter by quarter; "
                            "the swatch is the theme's dominant factor category."))

    features = _features_until(load_features(kbase), end)
    clusters = clusters_from_features(kbase, features, now=end.to_pydatetime())
    if not clusters.clusters.empty:
        names = dict(zip(clusters.clusters["cluster"], clusters.clusters["name"], strict=True))
        titles = dict(zip(features.incidents["incident"], features.incidents["title"], strict=True))
        charts.append(Chart("clusters", "Recurring clusters", cluster_table_figure(clusters.clusters),
                            "Groups of themes, defeated barriers and services that keep occurring together, "
                            "best-scoring first, with how far findings and work address them."))
        charts.append(Chart("cooccurrence", "Co-occurrence network",
                            cooccurrence_figure(clusters.graph, theme_category=cats, cluster_names=names),
                            "Every significant pair of items, grouped by cluster."))
        top = int(clusters.clusters["cluster"].iloc[0])
        charts.append(Chart("cluster-1-incidents", f"Cluster {top}: its incidents",
                            cluster_incidents_figure(clusters, top, titles=titles),
                            "The incidents behind the top cluster over time, by severity."))

    in_quarter = incidents_in(kbase, quarter)
    road = traceability(kbase)
    road_titles = dict(zip(road["item"], road["title"], strict=True))
    if not in_quarter.empty:
        fu = finding_followup(kbase, incidents=in_quarter["incident"].tolist())
        if not fu.empty:
            charts.append(Chart("loop-sankey", f"Findings of {quarter}'s incidents",
                                traceability_sankey(fu, roadmap_titles=road_titles,
                                                    title=f"Where {quarter}'s findings went", subtitle=quarter),
                                f"The findings of the incidents that started in {quarter}: their status, their "
                                "follow-up and whether they reached the roadmap."))
    until = finding_followup(kbase)
    until = until[until["started_at"] < end]
    if any(bool(items) for items in until["roadmap_items"]):
        charts.append(Chart("roadmap-sankey", "What the roadmap traces back to",
                            traceability_sankey(until, roadmap_titles=road_titles, traced_only=True,
                                                title="What the roadmap traces back to",
                                                subtitle=f"incidents up to the end of {quarter}"),
                            "Only the findings behind roadmap items: from their incidents to the items."))
    loose = untraced(kbase)
    loose = loose[loose["quarter"].isna() | (loose["quarter"] <= quarter)]
    charts.append(Chart("untraced-roadmap", "Untraced roadmap items", untraced_table_figure(loose),
                        "Roadmap items (up to this quarter) that no finding motivated."))

    if not in_quarter.empty:
        worst = _most_severe(kbase, in_quarter)
        charts.append(Chart("causal-web", f"Causal web of {worst}", causal_web(kbase, worst),
                            f"The causal web of {worst}, the quarter's most severe incident (most factors first): "
                            "factors by category, influences, barriers by status, the findings."))
    charts += [Chart(*c) for c in evidence_figures(kbase, end.to_pydatetime())]  # effect, cost, follow-ups
    return charts, headline


def _most_severe(kbase: KnowledgeBase, incidents: pd.DataFrame) -> str:
    per = kbase.query("incidents_with_factor_counts").set_index("incident")["factors"]
    df = incidents.assign(factors=incidents["incident"].map(per).fillna(0))
    df = df.sort_values(["severity", "factors", "incident"], ascending=[True, False, True], kind="stable")
    return str(df["incident"].iloc[0])


def write_report(kbase: KnowledgeBase, quarter: str, out: Path, *, static: bool = True,
                 progress: Callable[[str], object] | None = None) -> ReportResult:
    """Write every chart as NAME.html (+ NAME.png, NAME.svg) and README.md into `out`.

    `progress` is told each step as it starts (the CLI prints it; the whole takes ~30 s)."""
    say = progress or (lambda _: None)
    started = time.perf_counter()
    say(f"computing the charts of {quarter}")
    charts, headline = quarterly_charts(kbase, quarter)
    out.mkdir(parents=True, exist_ok=True)
    result = ReportResult(out=out, markdown=out / "README.md", charts=charts)
    say(f"writing {len(charts)} charts as HTML")
    for c in charts:
        result.html.append(write_html(c.figure, out / f"{c.name}.html"))
    if static:
        say("writing PNG and SVG (a headless browser renders them)")
        try:
            result.static = write_static({c.name: c.figure for c in charts}, out)
        except NoBrowser as exc:
            result.static_error = str(exc)
    else:
        result.static_error = "static export skipped (--no-static)"
    result.markdown.write_text(_markdown(quarter, kbase, charts, headline, bool(result.static),
                                         result.static_error), encoding="utf-8")
    result.seconds = time.perf_counter() - started
    return result


def _markdown(quarter: str, kbase: KnowledgeBase, charts: list[Chart], headline: dict[str, str],
              images: bool, static_error: str | None) -> str:
    lines = [f"# Quarterly review {quarter}", "",
             f"Generated by `kb report` from {kbase.description}, "
             f"{pd.Timestamp.now('UTC'):%Y-%m-%d %H:%M} UTC. Each chart links to an interactive page "
             "(hover for the full text of every node).", "", "## Headline numbers", "",
             "| measure | this quarter |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in headline.items()]
    lines.append("")
    if static_error:
        lines += [f"> Static images were not written: {static_error}", ""]
    lines += ["## Charts", ""]
    lines += [f"- [{c.title}](#{c.name})" for c in charts]
    lines.append("")
    for c in charts:
        lines += [f'<a id="{c.name}"></a>', f"### {c.title}", "", c.caption, ""]
        if images:
            lines += [f"[![{c.title}]({c.name}.png)]({c.name}.html)", ""]
        links = f"[interactive]({c.name}.html)" + (f" · [SVG]({c.name}.svg) · [PNG]({c.name}.png)" if images else "")
        lines += [links, ""]
    return "\n".join(lines)
