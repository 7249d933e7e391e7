"""Evidence charts: incident rates before and after each fix (with exact intervals), the rate ratios,
cost per pattern, overdue follow-ups, and a cluster's business case as a table.

Every figure is slide-sized (SLIDE wide, SLIDE tall unless its rows need more), and a
pattern's label wraps at LABEL_CHARS so a long cluster name stays inside the figure.
"""

from __future__ import annotations

import textwrap
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from scipy.special import gammaincinv

from kb.analysis.business_case import BusinessCase
from kb.analysis.effect import DID_NOT_WORK, NO_EVIDENCE, NOT_SHIPPED, PER_DAYS, WORKED
from kb.analysis.reuse import once
from kb.charts.palette import SLIDE, rgba, style
from kb.charts.section import Chart

VERDICT_COLOURS = {WORKED: "#2a9d8f", DID_NOT_WORK: "#d62828", NO_EVIDENCE: "#8d99ae", NOT_SHIPPED: "#e9c46a"}
BEFORE, AFTER = "#6c757d", "#1d3557"


def poisson_rate_ci(n: int, days: float, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) interval of a Poisson rate, in incidents per PER_DAYS days."""
    a = 1 - confidence
    low = _chi2_ppf(a / 2, 2 * n) / 2 if n > 0 else 0.0
    high = _chi2_ppf(1 - a / 2, 2 * n + 2) / 2
    return float(low) / days * PER_DAYS, float(high) / days * PER_DAYS


def _chi2_ppf(q: float, df: int) -> float:
    """scipy.stats.chi2.ppf(q, df) for 0 < q < 1, df > 0, bit for bit (its _ppf, scaled by 1 and moved by 0),
    without importing scipy.stats (~0.8 s CPU; tests/test_binomial.py compares the two)."""
    return 2 * float(gammaincinv(df / 2, q)) * 1.0 + 0.0


LABEL_CHARS = 44  # a pattern's label wraps here (at spaces, never inside a name), so no label leaves the figure
LINE_PX = 17  # one label line at the house font size
ROWS_PX = 150  # title, subtitle, axis title and margins above and below the rows


def pattern_label(kind: str, subject: str) -> str:
    """'cluster 4: a + b + c', wrapped at LABEL_CHARS with <br> (plotly's line break)."""
    text = f"{kind} {subject}" if kind == "cluster" else f"{kind}: {subject}"
    return "<br>".join(textwrap.wrap(text, LABEL_CHARS, break_on_hyphens=False, break_long_words=False))


def _label(row: Any) -> str:
    return pattern_label(row.kind, f"{row.subject}: {row.name}" if row.kind == "cluster" else row.subject)


def _plain(label: str) -> str:
    return label.replace("<br>", " ")


def _slide_height(labels: list[str], *, min_row_px: int = 34) -> int:
    """SLIDE tall, taller when the rows (each as high as the longest wrapped label) need it."""
    lines = max((lab.count("<br>") + 1 for lab in labels), default=1)
    return max(SLIDE[1], ROWS_PX + len(labels) * max(min_row_px, LINE_PX * lines + 12))


def _measured(effects: pd.DataFrame) -> pd.DataFrame:
    return effects[effects["rate_ratio"].notna()].reset_index(drop=True)


def rates_table(effects: pd.DataFrame, *, limit: int = 15) -> pd.DataFrame:
    """The figures behind before_after_figure: counts n, exposure in days, rates and their exact 95% intervals."""
    df = _measured(effects).head(limit)
    out = pd.DataFrame({"pattern": [_plain(_label(r)) for r in df.itertuples()]})
    for side in ("before", "after"):
        n, days = df[f"{side}_incidents"].astype(int), df[f"{side}_days"].astype(float)
        cis = [poisson_rate_ci(int(k), float(d)) for k, d in zip(n, days, strict=True)]
        out[f"{side}_incidents"] = n.to_numpy()
        out[f"{side}_days"] = days.round(1).to_numpy()
        out[f"{side}_per_90_days"] = df[f"{side}_rate"].astype(float).round(2).to_numpy()
        out[f"{side}_ci_low"] = [round(lo, 2) for lo, _ in cis]
        out[f"{side}_ci_high"] = [round(hi, 2) for _, hi in cis]
    return out


def effect_table(effects: pd.DataFrame, *, limit: int = 15) -> pd.DataFrame:
    """The figures behind rate_ratio_figure: each fix's rate ratio, exact 95% CI, p-value and verdict."""
    df = _measured(effects).head(limit)
    return pd.DataFrame(
        {
            "pattern": [_plain(_label(r)) for r in df.itertuples()],
            "work_items": [", ".join(map(str, w)) for w in df["work_items"]],
            "shipped_at": df["shipped_at"].astype(str).str[:10],
            "before_incidents": df["before_incidents"].astype(int),
            "after_incidents": df["after_incidents"].astype(int),
            "rate_ratio": df["rate_ratio"].astype(float).round(3),
            "ci_low": df["ci_low"].astype(float).round(3),
            "ci_high": df["ci_high"].astype(float).round(3),
            "p_value": df["p_value"].astype(float).round(3),
            "verdict": df["verdict"],
        }
    )


def before_after_figure(effects: pd.DataFrame, *, limit: int = 15) -> go.Figure:
    """Incidents per 90 days before and after each shipped fix, with exact 95% intervals (kb effect rows)."""
    df = _measured(effects).head(limit)
    labels = [_label(r) for r in df.itertuples()]
    fig = go.Figure()
    for side, colour, n_col, d_col in (
        ("before", BEFORE, "before_incidents", "before_days"),
        ("after", AFTER, "after_incidents", "after_days"),
    ):
        rates = df[f"{side}_rate"].astype(float)
        cis = [poisson_rate_ci(int(n), float(d)) for n, d in zip(df[n_col], df[d_col], strict=True)]
        fig.add_trace(
            go.Bar(
                y=labels,
                x=rates,
                orientation="h",
                name=f"{side} the fix shipped",
                marker_color=colour,
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [hi - r for (_, hi), r in zip(cis, rates, strict=True)],
                    "arrayminus": [r - lo for (lo, _), r in zip(cis, rates, strict=True)],
                    "color": rgba(colour, 0.7),
                },
                customdata=np.stack([df[n_col], df[d_col]], axis=-1) if len(df) else None,
                hovertemplate="%{y}: %{x:.2f} per 90 days (%{customdata[0]} incidents in %{customdata[1]:.0f} days)"
                "<extra>" + side + "</extra>",
            )
        )
    style(
        fig,
        "Incident rate before and after each fix",
        subtitle="incidents per 90 days with the exact 95% interval of each rate; n and exposure in days per "
        "window are in the table",
        width=SLIDE[0],
        height=_slide_height(labels, min_row_px=40),
        legend_title="window",
        barmode="group",
    )
    fig.update_xaxes(title_text="incidents per 90 days", rangemode="tozero")
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig


def rate_ratio_figure(effects: pd.DataFrame, *, limit: int = 15) -> go.Figure:
    """A forest plot: each fix's rate ratio (after / before) with its exact 95% CI, coloured by verdict."""
    df = _measured(effects).head(limit)
    labels = [_label(r) for r in df.itertuples()]
    fig = go.Figure()
    for v, colour in VERDICT_COLOURS.items():
        part = df[df["verdict"] == v]
        if part.empty:
            continue
        rr = part["rate_ratio"].astype(float).clip(lower=1e-3)
        hi = part["ci_high"].astype(float).replace(np.inf, 1e3)
        lo = part["ci_low"].astype(float).clip(lower=1e-3)
        fig.add_trace(
            go.Scatter(
                x=rr,
                y=[_label(r) for r in part.itertuples()],
                mode="markers",
                name=v,
                marker={"color": colour, "size": 11, "symbol": "diamond"},
                error_x={"type": "data", "symmetric": False, "array": hi - rr, "arrayminus": rr - lo, "color": colour},
                hovertemplate="%{y}: rate ratio %{x:.2f}<extra>" + v + "</extra>",
            )
        )
    fig.add_vline(x=1, line_dash="dash", line_color="#444")
    style(
        fig,
        "Did the fix work?",
        subtitle=f"rate ratio after / before the fix shipped, exact 95% CI (log "
        f"scale), {len(df)} fixes; wholly left of 1: it worked; a ratio of 0 is drawn at 0.001",
        width=SLIDE[0],
        height=_slide_height(labels),
        legend_title="verdict",
    )
    fig.update_xaxes(type="log", title_text="rate ratio (after / before)")
    # every pattern in the fixes' order, whichever verdict trace draws it first
    fig.update_yaxes(autorange="reversed", automargin=True, categoryorder="array", categoryarray=labels)
    return fig


def cost_table(costs: pd.DataFrame, *, limit: int = 15) -> pd.DataFrame:
    """The figures behind cost_figure: each pattern's incidents n, its summed impact and what is missing."""
    cols = ["kind", "subject", "incidents", "revenue", "revenue_known", "responder_hours", "customers", "missing"]
    return costs.head(limit)[cols].reset_index(drop=True)


def cost_figure(costs: pd.DataFrame, *, limit: int = 15, title: str = "What each pattern cost") -> go.Figure:
    """Revenue impact summed per pattern (kb.analysis.cost.cost_by rows), with how many figures were missing."""
    df = costs.head(limit)
    labels = [pattern_label(k, s) for k, s in zip(df["kind"], df["subject"], strict=True)]
    unknown = (df["incidents"] - df["revenue_known"]).astype(int)
    fig = go.Figure(
        go.Bar(
            y=labels,
            x=df["revenue"].fillna(0),
            orientation="h",
            marker_color="#1d3557",
            text=[
                f"n={int(n)} incidents" + (f", {u} without revenue" if u else "")
                for n, u in zip(df["incidents"], unknown, strict=True)
            ],
            textposition="inside",
            insidetextanchor="start",
            textfont={"color": "white"},
            constraintext="none",
            customdata=np.stack([df["responder_hours"].fillna(0), df["customers"].fillna(0)], axis=-1)
            if len(df)
            else None,
            hovertemplate="%{y}: revenue impact %{x:,.0f}, %{customdata[0]:,.0f} responder hours, "
            "%{customdata[1]:,.0f} customers<extra></extra>",
        )
    )
    style(
        fig,
        title,
        subtitle="revenue impact summed over each pattern's incidents (n on the bar; lower bounds "
        "where figures are missing)",
        width=SLIDE[0],
        height=_slide_height(labels, min_row_px=30),
    )
    fig.update_xaxes(title_text="revenue impact")
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig


def overdue_counts(followups: pd.DataFrame) -> pd.DataFrame:
    """The figures behind overdue_figure: open follow-ups per owner, overdue and not yet due, most overdue first."""
    df = followups.assign(owner=followups["owner"].fillna("(no owner)"))
    counts = (
        df.groupby(["owner", "overdue"]).size().unstack(fill_value=0)
        if len(df)
        else pd.DataFrame(columns=[False, True])
    )
    for col in (False, True):
        if col not in counts.columns:
            counts[col] = 0
    counts = counts.sort_values([True, False], ascending=False)
    return pd.DataFrame(
        {
            "owner": counts.index.astype(str),
            "overdue": counts[True].astype(int).to_numpy(),
            "not_yet_due": counts[False].astype(int).to_numpy(),
        }
    )


def overdue_figure(followups: pd.DataFrame) -> go.Figure:
    """Open follow-ups per owner, overdue and not (kb.analysis.followups.followups rows)."""
    counts = overdue_counts(followups)
    fig = go.Figure(
        [
            go.Bar(y=counts["owner"], x=counts["overdue"], orientation="h", name="overdue", marker_color="#d62828"),
            go.Bar(
                y=counts["owner"],
                x=counts["not_yet_due"],
                orientation="h",
                name="open, not yet due",
                marker_color="#8d99ae",
            ),
        ]
    )
    total = int(counts["overdue"].sum() + counts["not_yet_due"].sum())
    style(
        fig,
        "Follow-ups by owner",
        subtitle=f"{int(counts['overdue'].sum())} overdue of {total} open findings and work items",
        width=SLIDE[0],
        height=_slide_height(list(counts["owner"]), min_row_px=26),
        barmode="stack",
        legend_title="follow-ups",
    )
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title_text="follow-ups")
    return fig


def business_case_rows(case: BusinessCase) -> pd.DataFrame:
    """The business case of one cluster as (measure, value) rows: the table the figure draws."""
    t = case.total
    money = "unknown" if pd.isna(t["revenue"]) else f"{float(t['revenue']):,.0f}"
    hours = "unknown" if pd.isna(t["responder_hours"]) else f"{float(t['responder_hours']):,.0f}"
    effect = "no fix with work items"
    if not case.effect.empty:
        e = case.effect.iloc[0]
        effect = (
            f"{e['verdict']}: rate ratio {e['rate_ratio']:.2f} (95% CI {e['ci_low']:.2f}-{e['ci_high']:.2f})"
            if pd.notna(e["rate_ratio"])
            else str(e["verdict"])
        )
    done = int(case.findings["done"].sum()) if len(case.findings) else 0
    rows = [
        ("incidents", f"{int(t['incidents'])}"),
        ("revenue impact", money),
        ("responder hours", hours),
        ("missing figures", t["missing"] or "none"),
        ("trend", ", ".join(f"{q}: {c}" for q, c in case.by_quarter.items()) + f" ({case.trend})"),
        ("what was tried", f"{len(case.findings)} findings, {done} with their work done"),
        ("measured effect of the first fix", effect),
    ]
    return pd.DataFrame(rows, columns=["measure", "value"])


def business_case_figure(case: BusinessCase) -> go.Figure:
    """The business case of one cluster as a table: incidents, cost, trend, what was tried, its effect."""
    rows = business_case_rows(case)
    fig = go.Figure(
        go.Table(
            header={
                "values": ["", f"cluster {case.cluster}: {case.name}"],
                "align": "left",
                "height": 40,
                "font": {"size": 16},
            },
            cells={
                "values": [rows["measure"].tolist(), rows["value"].tolist()],
                "align": "left",
                "height": 40,
                "font": {"size": 16},
            },
            columnwidth=[1, 3],
        )
    )
    style(
        fig,
        f"Business case: {case.name}",
        subtitle="kb okr propose --business-case " + str(case.cluster),
        width=SLIDE[0],
        height=SLIDE[1],
    )
    return fig


def evidence_figures(kbase: Any, as_of: datetime) -> list[Chart]:
    """The report's evidence charts, each with the figures behind it: effect, cost, overdue follow-ups, the
    business case of the most costly cluster."""
    from kb.analysis.business_case import business_case
    from kb.analysis.clusters import clusters_as_of
    from kb.analysis.cost import cost_by, incident_costs, with_cost
    from kb.analysis.effect import fix_effects
    from kb.analysis.followups import followups

    out: list[Chart] = []
    effects = fix_effects(kbase, as_of=as_of)
    if not _measured(effects).empty:
        out.append(
            Chart(
                "fix-rates",
                "Incident rate before and after each fix",
                before_after_figure(effects),
                "Incidents per 90 days before and after each pattern's fix shipped, with exact 95% "
                "intervals; the table gives each window's incidents n and exposure in days.",
                rates_table(effects),
            )
        )
        out.append(
            Chart(
                "fix-effect",
                "Did the fix work?",
                rate_ratio_figure(effects),
                "Rate ratios with exact 95% confidence intervals; the verdicts are defined in the README.",
                effect_table(effects),
            )
        )
    costs = incident_costs(kbase)
    if not costs.empty:
        per_pattern = cost_by(kbase, costs=costs)
        out.append(
            Chart(
                "pattern-cost",
                "Cost per pattern",
                cost_figure(per_pattern),
                "Revenue impact summed over each theme's, failed barrier's and service's incidents (n).",
                cost_table(per_pattern),
            )
        )
    fu = once(kbase, followups, as_of=as_of)
    if not fu.empty:
        out.append(
            Chart(
                "followups",
                "Follow-ups by owner",
                overdue_figure(fu),
                "Open findings and work items per owner, overdue against their due dates.",
                overdue_counts(fu),
            )
        )
    clusters = clusters_as_of(kbase, as_of).clusters  # the clusters fix_effects found, ranked as of the quarter's end
    if not clusters.empty:
        top = with_cost(clusters, kbase, incidents_column="incidents").iloc[0]
        case = business_case(kbase, int(top["cluster"]), as_of=as_of)
        out.append(
            Chart(
                "business-case",
                f"Business case: {case.name}",
                business_case_figure(case),
                "The most costly cluster: its incidents, cost, trend, what was tried and its measured effect.",
                business_case_rows(case),
            )
        )
    return out
