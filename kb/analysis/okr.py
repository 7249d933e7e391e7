"""OKR proposals for what keeps coming back.

A theme, or a barrier that failed / was missing / was bypassed, that appears in at
least N incidents started within a window ending at `as_of` gets a draft Objective
with Key Results grounded in that evidence: how many incidents, which ones, the
reduction target, and the findings already agreed to address it (with the state of
their work). Drafts are proposals for people to edit, never commitments.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pandas as pd

from kb.analysis.gate import gate_findings
from kb.graph.catalogue import Queryable
from kb.model import AGREED_STATUSES, DEFEATED_STATUSES

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase

COLUMNS = [
    "key",
    "kind",
    "subject",
    "name",
    "incidents",
    "evidence",
    "window_start",
    "window_end",
    "objective",
    "key_results",
    "quarter",
    "findings",
    "agreed_findings",
]
PROPOSAL_STATUSES = ("proposed", "agreed", "done")


@dataclass(frozen=True)
class OkrOptions:
    min_incidents: int = 3
    window_days: int = 180
    reduction: float = 0.5
    """The reduction target: 0.5 halves the incidents in the next window."""


def next_quarter(ts: datetime) -> str:
    q = (ts.month - 1) // 3 + 1
    return f"{ts.year + 1}Q1" if q == 4 else f"{ts.year}Q{q + 1}"


def _name(kind: str, slug: str, names: dict[tuple[str, str], str]) -> str:
    name = names.get((kind, slug))
    return name if name else slug.replace("-", " ")


def _short(statement: str, limit: int = 140) -> str:
    text = " ".join(statement.split()).rstrip(".")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def propose_okrs(kbase: Queryable, options: OkrOptions = OkrOptions(), as_of: datetime | None = None) -> pd.DataFrame:
    """One draft OKR per recurring theme/barrier, most incidents first."""
    if options.min_incidents < 1 or options.window_days < 1 or not 0 < options.reduction <= 1:
        raise ValueError("min_incidents and window_days must be at least 1 and reduction in (0, 1]")
    as_of = as_of or datetime.now(UTC)
    start = as_of - timedelta(days=options.window_days)
    exposures = kbase.query("loop_incident_exposures", barrier_statuses=list(DEFEATED_STATUSES))
    in_window = exposures[
        (exposures["started_at"] > pd.Timestamp(start)) & (exposures["started_at"] <= pd.Timestamp(as_of))
    ]
    counts = in_window.groupby(["via_kind", "via"])["incident"].nunique()
    recurring = counts[counts >= options.min_incidents].sort_values(ascending=False, kind="stable")
    if recurring.empty:
        return pd.DataFrame(columns=COLUMNS)
    names = {
        (r.kind, r.slug): r.name for r in kbase.query("loop_subject_names").itertuples() if isinstance(r.name, str)
    }
    targets = kbase.query("loop_finding_targets", statuses=list(PROPOSAL_STATUSES))
    incidents = kbase.query("incidents").set_index("incident")
    quarter = next_quarter(as_of)
    rows = []
    for (kind, slug), n in recurring.items():
        evidence = sorted(
            set(in_window[(in_window["via_kind"] == kind) & (in_window["via"] == slug)]["incident"]),
            key=lambda k: (incidents.at[k, "started_at"], k),
        )
        mine = targets[(targets["via_kind"] == kind) & (targets["via"] == slug) & targets["incident"].isin(evidence)]
        addressing = mine["finding"].unique().tolist()
        findings = gate_findings(kbase, evidence)
        findings = findings[findings["finding"].isin(addressing)].copy()
        # A finding that names the theme/barrier itself is a better "through ..." than one that
        # reaches it through a factor with several themes.
        findings["direct"] = findings["finding"].isin(set(mine.loc[mine["direct"].astype(bool), "finding"]))
        name = _name(str(kind), str(slug), names)
        rows.append(
            {
                "key": f"okr-draft/{kind}/{slug}/{quarter}",
                "kind": kind,
                "subject": slug,
                "name": name,
                "incidents": int(n),
                "evidence": evidence,
                "window_start": pd.Timestamp(start),
                "window_end": pd.Timestamp(as_of),
                "objective": _objective(str(kind), name, findings, options.reduction),
                "key_results": _key_results(str(kind), name, int(n), evidence, findings, options),
                "quarter": quarter,
                "findings": sorted(addressing),
                "agreed_findings": sorted(findings.loc[findings["status"] == "agreed", "finding"]),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _best(findings: pd.DataFrame) -> pd.Series | None:
    agreed = findings[findings["status"].isin(AGREED_STATUSES)]
    pool = agreed if not agreed.empty else findings
    if pool.empty:
        return None
    return pool.sort_values(["direct", "impact", "finding"], ascending=[False, False, True], na_position="last").iloc[0]


def _objective(kind: str, name: str, findings: pd.DataFrame, reduction: float) -> str:
    pct = round(reduction * 100)
    subject = f"incidents caused by {name}" if kind == "theme" else f"incidents where the barrier '{name}' fails"
    best = _best(findings)
    through = f" through: {_short(str(best['statement']), 100)}" if best is not None else ""
    return f"Reduce {subject} by {pct}%{through}"


def _key_results(
    kind: str, name: str, n: int, evidence: list[str], findings: pd.DataFrame, options: OkrOptions
) -> list[str]:
    allowed = math.floor(n * (1 - options.reduction))
    shown = ", ".join(evidence[:8]) + (f" and {len(evidence) - 8} more" if len(evidence) > 8 else "")
    what = name if kind == "theme" else f"a failed, missing or bypassed '{name}'"
    krs = [
        f"At most {allowed} incidents involving {what} in the next {options.window_days} days, "
        f"down from {n} in the last {options.window_days} ({shown})"
    ]
    agreed = findings[findings["status"].isin(AGREED_STATUSES)]
    items = [w for ws in agreed["work_items"] for w in ws]
    untracked = agreed[agreed["work_items"].map(len) == 0]["finding"].tolist()
    if agreed.empty:
        krs.append(f"Agree at least one finding that addresses {name}: none of the {n} reviews agreed one")
    else:
        if items:
            krs.append(
                f"Close the {len(items)} work item(s) of the {len(agreed)} agreed finding(s) that "
                f"address it: {', '.join(sorted(set(items))[:8])}"
            )
        if untracked:
            krs.append(
                f"Turn the {len(untracked)} agreed but untracked finding(s) into work: {', '.join(untracked[:8])}"
            )
    krs.append(
        f"Every new incident involving {name} is checked against these {n} in its review "
        "(`kb similar`), and its findings cite them"
    )
    return krs


def to_markdown(proposals: pd.DataFrame) -> str:
    out = io.StringIO()
    out.write("# OKR proposals\n\n")
    if proposals.empty:
        out.write("Nothing recurs often enough in the window to propose an OKR.\n")
        return out.getvalue()
    for p in proposals.itertuples():
        out.write(f"## {p.objective}\n\n")
        out.write(
            f"*{p.quarter} draft, {p.kind} `{p.subject}`: {p.incidents} incidents between "
            f"{p.window_start:%Y-%m-%d} and {p.window_end:%Y-%m-%d}.*\n\n"
        )
        for i, kr in enumerate(p.key_results, start=1):
            out.write(f"- **KR{i}.** {kr}\n")
        out.write(f"\nEvidence: {', '.join(p.evidence)}.\n")
        if p.findings:
            out.write(f"Findings addressing it: {', '.join(p.findings)}.\n")
        out.write("\n")
    return out.getvalue()


def to_csv(proposals: pd.DataFrame) -> str:
    flat = proposals.copy()
    for col in ("evidence", "findings", "agreed_findings"):
        flat[col] = flat[col].map(lambda v: ";".join(v))
    flat["key_results"] = flat["key_results"].map(lambda v: "\n".join(v))
    for col in ("window_start", "window_end"):
        flat[col] = flat[col].map(lambda t: t.isoformat())
    return str(flat.to_csv(index=False))


def save_proposals(kbase: KnowledgeBase, proposals: pd.DataFrame) -> int:
    """Store drafts as Objective nodes (origin okr-draft), PROPOSED_AS from their agreed findings."""
    if proposals.empty:
        return 0
    objectives = [
        {
            "key": p.key,
            "objective": p.objective,
            "key_results": list(p.key_results),
            "quarter": p.quarter,
            "status": "draft",
        }
        for p in proposals.itertuples()
    ]
    links = [(f, p.key) for p in proposals.itertuples() for f in p.agreed_findings]
    kbase.record_objectives(objectives, links)
    return len(objectives)
