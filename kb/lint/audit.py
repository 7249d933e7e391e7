"""`kb audit`: which stage of the learning loop is weakest, with the figures behind it.

The loop has three stages (the seed's first step: audit the current state):

- data capture: do the packets hold the facts (a dated timeline, the impact, the severity,
  the responders, metrics or logs)?
- analysis: were the incidents analysed (factors at all, more than one, in more than one
  category, themes a person confirmed rather than keyword guesses, a review signed off)?
- integration: did the findings turn into work (an owner, a ticket or a deferral, done)?

Each measure is a share of the incidents (or findings) that have it; a stage's score is the
mean of its measures, and the weakest stage is the one with the lowest score. A measure with
nothing to count (no findings at all) is unknown, reported as such, and left out of the mean.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from kb.graph.reader import read_packets
from kb.lint.where import owner_in_text, tracker_reference
from kb.model import EventPacket, FindingStatus

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase

STAGES = ("data capture", "analysis", "integration")
COLUMNS = ["stage", "measure", "count", "of", "share"]


@dataclass
class Audit:
    measures: pd.DataFrame
    """stage, measure, count, of, share (NaN when there is nothing to count)."""
    stages: pd.DataFrame
    """stage, score (mean share of its measures), weakest (bool)."""
    incidents: int

    @property
    def weakest(self) -> str | None:
        rows = self.stages[self.stages["weakest"]]
        return str(rows["stage"].iloc[0]) if len(rows) else None

    def headline(self) -> str:
        if self.weakest is None:
            return f"{self.incidents} incidents: nothing to audit"
        row = self.stages.set_index("stage").loc[self.weakest]
        mine = self.measures[self.measures["stage"] == self.weakest].dropna(subset=["share"])
        worst = mine.sort_values("share", kind="stable").iloc[0]
        return (
            f"weakest stage: {self.weakest} (score {row['score']:.2f}); its weakest measure: "
            f"{worst['measure']} {int(worst['count'])} of {int(worst['of'])}"
        )


def _share(count: int, of: int) -> float:
    return count / of if of else math.nan


def _measures(packets: list[EventPacket]) -> list[tuple[str, str, int, int]]:
    n = len(packets)
    analyses = [a for p in packets for a in p.analyses]
    factors = [f for a in analyses for f in a.factors]
    findings = [f for a in analyses for f in a.findings if f.status is not FindingStatus.REJECTED]

    def count(pred: Callable[[EventPacket], bool]) -> int:
        return sum(1 for p in packets if pred(p))

    return [
        ("data capture", "dated timeline (2+ entries)", count(lambda p: len(p.timeline) >= 2), n),
        (
            "data capture",
            "impact stated",
            count(lambda p: bool(p.impacts or p.incident.customer_impact or p.incident.customers_affected)),
            n,
        ),
        ("data capture", "severity known", count(lambda p: p.incident.severity is not None), n),
        ("data capture", "responders named", count(lambda p: bool(p.participants)), n),
        ("data capture", "metrics or logs", count(lambda p: bool(p.metrics or p.logs)), n),
        ("analysis", "analysed (1+ factor)", count(lambda p: any(a.factors for a in p.analyses)), n),
        ("analysis", "2+ factors", count(lambda p: any(len(a.factors) >= 2 for a in p.analyses)), n),
        (
            "analysis",
            "factors in 2+ categories, confirmed",
            count(
                lambda p: any(
                    len({f.category for f in a.factors}) >= 2 and not all(f.category_guessed for f in a.factors)
                    for a in p.analyses
                )
            ),
            n,
        ),
        (
            "analysis",
            "factors with a confirmed theme",
            sum(
                1
                for p in packets
                for a in p.analyses
                for f in a.factors
                if f.themes and not (p.provenance.imported and not p.provenance.reviewed)
            ),
            len(factors),
        ),
        ("analysis", "review signed off", count(lambda p: p.provenance.reviewed), n),
        (
            "integration",
            "findings with an owner",
            sum(1 for f in findings if f.owner or owner_in_text(f.statement) or tracker_reference(f.statement)),
            len(findings),
        ),
        (
            "integration",
            "findings tracked (ticket, OKR or deferral)",
            sum(1 for f in findings if f.work_items or f.okrs or f.deferred_reason or tracker_reference(f.statement)),
            len(findings),
        ),
        ("integration", "findings done", sum(1 for f in findings if f.status is FindingStatus.DONE), len(findings)),
        ("integration", "incidents with a finding", count(lambda p: any(a.findings for a in p.analyses)), n),
    ]


def audit_packets(packets: list[EventPacket]) -> Audit:
    rows = [
        {"stage": s, "measure": m, "count": c, "of": of, "share": _share(c, of)} for s, m, c, of in _measures(packets)
    ]
    measures = pd.DataFrame(rows, columns=COLUMNS)
    scores = measures.groupby("stage", sort=False)["share"].mean()  # NaN shares are skipped
    stages = pd.DataFrame({"stage": list(STAGES), "score": [float(scores.get(s, math.nan)) for s in STAGES]})
    known = stages.dropna(subset=["score"])
    weakest = known.sort_values(["score"], kind="stable")["stage"].iloc[0] if packets and len(known) else None
    stages["weakest"] = stages["stage"] == weakest
    return Audit(measures, stages, len(packets))


def audit(kbase: KnowledgeBase) -> Audit:
    """Audit every incident in the knowledge base (a fixed number of queries)."""
    keys = [str(k) for k in kbase.query("incidents")["incident"]]
    return audit_packets(read_packets(kbase, keys))


__all__ = ["STAGES", "Audit", "audit", "audit_packets"]
