"""Which analysis framework fits an incident, and whether the recorded one under-fits it.

- High severity, revenue or customer impact, several teams or services: a Contribution
  Factor Map (many interacting conditions need a map, not a chain).
- Controls already recorded against the incident's services in other incidents (a
  defined barrier inventory): Barrier Analysis, alongside the map or, for a simple
  incident, alone.
- A simple, isolated operational failure: Five Whys, branching where a why has several answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from kb.analysis.frameworks import barrier_inventory, five_whys, inventory_for_services
from kb.graph.reader import read_packets
from kb.model import EventPacket, Method

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase

NAMES = {
    Method.FIVE_WHYS: "Five Whys",
    Method.CONTRIBUTION_MAP: "Contribution Factor Map",
    Method.BARRIER_ANALYSIS: "Barrier Analysis",
}


@dataclass(frozen=True)
class Thresholds:
    high_severity: int = 2  # SEV1 and SEV2
    customers: int = 1
    revenue: float = 0.0
    teams: int = 2
    services: int = 2
    barriers: int = 1  # known controls for the services before Barrier Analysis is advised
    # A recorded linear Five Whys under-fits a SEV1 or a cross-team incident: one chain cannot
    # show how several conditions combined. Milder mismatches only show in the recommendation.
    underfit_severity: int = 1
    underfit_teams: int = 2


@dataclass
class Recommendation:
    incident: str
    methods: list[Method]
    reasons: list[str]
    warnings: list[str] = field(default_factory=list)
    recorded: list[Method] = field(default_factory=list)
    inventory: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def primary(self) -> Method:
        return self.methods[0]

    def as_dict(self) -> dict[str, Any]:
        return {
            "incident": self.incident,
            "methods": [m.value for m in self.methods],
            "reasons": self.reasons,
            "warnings": self.warnings,
            "recorded": [m.value for m in self.recorded],
            "inventory": self.inventory["barrier"].tolist() if "barrier" in self.inventory else [],
        }


def _complexity(packet: EventPacket, t: Thresholds) -> list[str]:
    inc = packet.incident
    reasons = []
    if inc.severity is not None and inc.severity <= t.high_severity:  # unknown severity: no reason
        reasons.append(f"high severity (SEV{inc.severity})")
    revenue = (inc.revenue_impact or 0) + sum(i.revenue_impact or 0 for i in packet.impacts)
    if revenue > t.revenue:
        reasons.append(f"revenue impact ({revenue:,.0f})")
    customers = max([inc.customers_affected or 0, *(i.customers_affected or 0 for i in packet.impacts)])
    if customers >= t.customers:
        reasons.append(f"customer impact ({customers:,} customers affected)")
    elif inc.customer_impact and not revenue:
        reasons.append(f"customer impact ({inc.customer_impact})")
    if len(inc.teams) >= t.teams:
        reasons.append(f"{len(inc.teams)} teams involved ({', '.join(inc.teams)})")
    if len(inc.services) >= t.services:
        reasons.append(f"{len(inc.services)} services affected ({', '.join(inc.services)})")
    return reasons


def recommend(
    packet: EventPacket, inventory: pd.DataFrame | None = None, thresholds: Thresholds | None = None
) -> Recommendation:
    """Advise a framework for `packet`. `inventory` is the shared barrier inventory (frameworks.barrier_inventory)."""
    t = thresholds or Thresholds()
    complex_reasons = _complexity(packet, t)
    known = (
        inventory_for_services(inventory, packet.incident.services, exclude_incident=packet.key)
        if inventory is not None
        else pd.DataFrame(columns=["barrier"])
    )
    has_inventory = len(known) >= t.barriers
    methods: list[Method] = []
    reasons: list[str] = []
    if complex_reasons:
        methods.append(Method.CONTRIBUTION_MAP)
        reasons.append(
            f"{NAMES[Method.CONTRIBUTION_MAP]}: {'; '.join(complex_reasons)}: several interacting "
            "conditions need a map of factors across technical, process and organizational categories"
        )
    if has_inventory:
        names = ", ".join(known["barrier"].tolist()[:6]) + (" ..." if len(known) > 6 else "")
        methods.append(Method.BARRIER_ANALYSIS)
        alone = "" if complex_reasons else " (alone: the controls give the simple chain its structure)"
        reasons.append(
            f"{NAMES[Method.BARRIER_ANALYSIS]}{alone}: {len(known)} control(s) already recorded "
            f"against {', '.join(packet.incident.services)} in other incidents ({names})"
        )
    if not methods:
        methods.append(Method.FIVE_WHYS)
        reasons.append(
            f"{NAMES[Method.FIVE_WHYS]}: SEV{packet.incident.severity}, one team, one service, no "
            "customer or revenue impact and no known controls: a simple, isolated failure; let a why "
            "branch when it has several answers"
        )
    recorded = [a.method for a in packet.analyses]
    warnings = _underfit(packet, t, has_inventory, len(known))
    return Recommendation(packet.key, methods, reasons, warnings, recorded, known)


def _underfit(packet: EventPacket, t: Thresholds, has_inventory: bool, n_known: int) -> list[str]:
    if not packet.analyses:
        return ["no analysis recorded yet"]
    inc = packet.incident
    why = []
    if inc.severity is not None and inc.severity <= t.underfit_severity:
        why.append(f"SEV{inc.severity}")
    if len(inc.teams) >= t.underfit_teams:
        why.append(f"{len(inc.teams)} teams ({', '.join(inc.teams)})")
    out = []
    methods = {a.method for a in packet.analyses}
    for a in packet.analyses:
        if a.method is not Method.FIVE_WHYS or Method.CONTRIBUTION_MAP in methods or not why:
            continue
        tree = five_whys(a)
        if tree.linear:
            out.append(
                f"analysis {a.id} under-fits: a linear Five Whys (one chain of {tree.depth}) on a "
                f"{' and '.join(why)} incident; add a {NAMES[Method.CONTRIBUTION_MAP]}"
            )
    if has_inventory and not any(a.barriers for a in packet.analyses):
        out.append(f"{n_known} known control(s) for these services, but no analysis assesses a barrier")
    return out


def recommend_from_graph(kbase: KnowledgeBase, key: str, thresholds: Thresholds | None = None) -> Recommendation:
    """Read the incident and the shared barrier inventory from the graph and recommend; KeyError if unknown."""
    packets = read_packets(kbase, [key])
    if not packets:
        raise KeyError(key)
    return recommend(packets[0], barrier_inventory(kbase), thresholds)
