"""Evidence charts: incident rates before and after each fix (with exact intervals), the rate ratios,
cost per pattern, overdue follow-ups, and a cluster's business case as a table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from scipy.stats import chi2

from kb.analysis.business_case import BusinessCase
from kb.analysis.effect import DID_NOT_WORK, NO_EVIDENCE, NOT_SHIPPED, PER_DAYS, WORKED
from kb.charts.palette import rgba, style

VERDICT_COLOURS = {WORKED: "#2a9d8f", DID_NOT_WORK: "#d62828", NO_EVIDENCE: "#8d99ae", NOT_SHIPPED: "#e9c46a"}
BEFORE, AFTER = "#6c757d", "#1d3557"


def poisson_rate_ci(n: int, days: float, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) interval of a Poisson rate, in incidents per PER_DAYS days."""
    a = 1 - confidence
    low = chi2.ppf(a / 2, 2 * n) / 2 if n > 0 else 0.0
    high = chi2.ppf(1 - a / 2, 2 * n + 2) / 2
    return float(low) / days * PER_DAYS, float(high) / days * PER_DAYS


def _label(row: Any) -> str:
    return f"{row.kind}:{row.name}" if row.kind == "cluster" else f"{row.kind}:{row.subject}"


def _measured(effects: pd.DataFrame) -> pd.DataFrame:
    return effects[effects["rate_ratio"].notna()].reset_index(drop=True)


def before_after_figure(effects: pd.DataFrame, *, limit: int = 15) -> go.Figure:
    """Incidents per 90 days before and after each shipped fix, with exact 95% intervals (kb effect rows)."""
    df = _measured(effects).head(limit)
    labels = [_label(r) for r in df.itertuples()]
    fig = go.Figure()
    for side, colour, n_col, d_col in (("before", BEFORE, "before_incidents", "before_days"),
                                       ("after", AFTER, "after_incidents", "after_days")):
        rates = df[f"{side}_rate"].astype(float)
        cis = [poisson_rate_ci(int(n), float(d)) for n, d in zip(df[n_col], df[d_col], strict=True)]
        fig.add_trace(go.Bar(
            y=labels, x=rates, orientation="h", name=f"{side} the fix shipped", marker_color=colour,
            error_x={"type": "data", "symmetric": False, "array": [hi - r for (_, hi), r in zip(cis, rates,
                                                                                                  strict=True)],
                     "arrayminus": [r - lo for (lo, _), r in zip(cis, rates, strict=True)],
                     "color": rgba(colour, 0.7)},
            customdata=np.stack([df[n_col], df[d_col]], axis=-1) if len(df) else None,
            hovertemplate="%{y}: %{x:.2f} per 90 days (%{customdata[0]} incidents in %{customdata[1]:.0f} days)"
                          "<extra>" + side + "</extra>"))
    style(fig, "Incident rate before and after each fix",
          subtitle="incidents per 90 days, exposure in days; bars show the exact 95% interval of each rate",
          height=max(360, 60 + 38 * len(df)), legend_title="window", barmode="group")
    fig.update_xaxes(title_text="incidents per 90 days", rangemode="tozero")
    fig.update_yaxes(autorange="reversed")
    return fig


def rate_ratio_figure(effects: pd.DataFrame, *, limit: int = 15) -> go.Figure:
    """A forest plot: each fix's rate ratio (after / before) with its exact 95% CI, coloured by verdict."""
    df = _measured(effects).head(limit)
    fig = go.Figure()
    for v, colour in VERDICT_COLOURS.items():
        part = df[df["verdict"] == v]
        if part.empty:
            continue
        rr = part["rate_ratio"].astype(float).clip(lower=1e-3)
        hi = part["ci_high"].astype(float).replace(np.inf, 1e3)
        lo = part["ci_low"].astype(float).clip(lower=1e-3)
        fig.add_trace(go.Scatter(
            x=rr, y=[_label(r) for r in part.itertuples()], mode="markers", name=v,
            marker={"color": colour, "size": 11, "symbol": "diamond"},
            error_x={"type": "data", "symmetric": False, "array": hi - rr, "arrayminus": rr - lo, "color": colour},
            hovertemplate="%{y}: rate ratio %{x:.2f}<extra>" + v + "</extra>"))
    fig.add_vline(x=1, line_dash="dash", line_color="#444")
    style(fig, "Did the fix work?", subtitle="rate ratio after / before the fix shipped, exact 95% CI "
          "(log scale); wholly left of 1: it worked", height=max(360, 60 + 34 * len(df)), legend_title="verdict")
    fig.update_xaxes(type="log", title_text="rate ratio (after / before)")
    fig.update_yaxes(autorange="reversed")
    return fig


def cost_figure(costs: pd.DataFrame, *, limit: int = 15, title: str = "What each pattern cost") -> go.Figure:
    """Revenue impact summed per pattern (kb.analysis.cost.cost_by rows), with how many figures were missing."""
    df = costs.head(limit)
    labels = [f"{k}:{s}" for k, s in zip(df["kind"], df["subject"], strict=True)]
    unknown = (df["incidents"] - df["revenue_known"]).astype(int)
    fig = go.Figure(go.Bar(
        y=labels, x=df["revenue"].fillna(0), orientation="h", marker_color="#1d3557",
        text=[f"{int(n)} incidents" + (f", {u} without revenue" if u else "") for n, u in zip(df["incidents"],
                                                                                             unknown, strict=True)],
        textposition="auto",
        customdata=np.stack([df["responder_hours"].fillna(0), df["customers"].fillna(0)], axis=-1)
        if len(df) else None,
        hovertemplate="%{y}: revenue impact %{x:,.0f}, %{customdata[0]:,.0f} responder hours, "
                      "%{customdata[1]:,.0f} customers<extra></extra>"))
    style(fig, title, subtitle="revenue impact summed over each pattern's incidents (lower bounds where "
          "figures are missing)", height=max(360, 60 + 30 * len(df)))
    fig.update_xaxes(title_text="revenue impact")
    fig.update_yaxes(autorange="reversed")
    return fig


def overdue_figure(followups: pd.DataFrame) -> go.Figure:
    """Open follow-ups per owner, overdue and not (kb.analysis.followups.followups rows)."""
    df = followups.assign(owner=followups["owner"].fillna("(no owner)"))
    counts = df.groupby(["owner", "overdue"]).size().unstack(fill_value=0) if len(df) else pd.DataFrame(
        columns=[False, True])
    for col in (False, True):
        if col not in counts.columns:
            counts[col] = 0
    counts = counts.sort_values([True, False], ascending=False)
    fig = go.Figure([
        go.Bar(y=counts.index, x=counts[True], orientation="h", name="overdue", marker_color="#d62828"),
        go.Bar(y=counts.index, x=counts[False], orientation="h", name="open, not yet due", marker_color="#8d99ae"),
    ])
    style(fig, "Follow-ups by owner", subtitle=f"{int(counts[True].sum())} overdue of {int(counts.values.sum())} "
          "open findings and work items", height=max(360, 60 + 26 * len(counts)), barmode="stack",
          legend_title="follow-ups")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text="follow-ups")
    return fig


def business_case_figure(case: BusinessCase) -> go.Figure:
    """The business case of one cluster as a table: incidents, cost, trend, what was tried, its effect."""
    t = case.total
    money = "unknown" if pd.isna(t["revenue"]) else f"{float(t['revenue']):,.0f}"
    hours = "unknown" if pd.isna(t["responder_hours"]) else f"{float(t['responder_hours']):,.0f}"
    effect = "no fix with work items"
    if not case.effect.empty:
        e = case.effect.iloc[0]
        effect = (f"{e['verdict']}: rate ratio {e['rate_ratio']:.2f} (95% CI {e['ci_low']:.2f}-{e['ci_high']:.2f})"
                  if pd.notna(e["rate_ratio"]) else str(e["verdict"]))
    done = int(case.findings["done"].sum()) if len(case.findings) else 0
    rows = [("incidents", f"{int(t['incidents'])}"), ("revenue impact", money), ("responder hours", hours),
            ("missing figures", t["missing"] or "none"),
            ("trend", ", ".join(f"{q}: {c}" for q, c in case.by_quarter.items()) + f" ({case.trend})"),
            ("what was tried", f"{len(case.findings)} findings, {done} with their work done"),
            ("measured effect of the first fix", effect)]
    fig = go.Figure(go.Table(header={"values": ["", f"cluster {case.cluster}: {case.name}"], "align": "left"},
                             cells={"values": [[r[0] for r in rows], [r[1] for r in rows]], "align": "left"},
                             columnwidth=[1, 4]))
    style(fig, f"Business case: {case.name}", subtitle="kb okr propose --business-case " + str(case.cluster),
          height=420)
    return fig


def evidence_figures(kbase: Any, as_of: datetime) -> list[tuple[str, str, go.Figure, str]]:
    """(name, title, figure, caption) for the report: effect, cost, overdue follow-ups, the business case of
    the most costly cluster."""
    from kb.analysis.business_case import business_case
    from kb.analysis.cost import cost_by, incident_costs, with_cost
    from kb.analysis.effect import fix_effects
    from kb.analysis.followups import followups

    out: list[tuple[str, str, go.Figure, str]] = []
    effects = fix_effects(kbase, as_of=as_of)
    if not _measured(effects).empty:
        out.append(("fix-rates", "Incident rate before and after each fix", before_after_figure(effects),
                    "Incidents per 90 days before and after each pattern's fix shipped, with exact 95% intervals."))
        out.append(("fix-effect", "Did the fix work?", rate_ratio_figure(effects),
                    "Rate ratios with exact 95% confidence intervals; the verdicts are defined in the README."))
    costs = incident_costs(kbase)
    if not costs.empty:
        out.append(("pattern-cost", "Cost per pattern", cost_figure(cost_by(kbase, costs=costs)),
                    "Revenue impact summed over each theme's, failed barrier's and service's incidents."))
    fu = followups(kbase, as_of=as_of)
    if not fu.empty:
        out.append(("followups", "Follow-ups by owner", overdue_figure(fu),
                    "Open findings and work items per owner, overdue against their due dates."))
    from kb.analysis.clusters import find_clusters

    clusters = find_clusters(kbase, now=as_of).clusters
    if not clusters.empty:
        top = with_cost(clusters, kbase, incidents_column="incidents").iloc[0]
        case = business_case(kbase, int(top["cluster"]), as_of=as_of)
        out.append(("business-case", f"Business case: {case.name}", business_case_figure(case),
                    "The most costly cluster: its incidents, cost, trend, what was tried and its measured effect."))
    return out
