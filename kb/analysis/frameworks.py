"""The three analysis frameworks as views of one causal shape, with their structure checks.

Every method records the same thing (DESIGN.md): factors joined by lines of influence
that end at the observed impact, plus barrier assessments. Each framework is a way of
looking at that shape:

- Five Whys: a tree rooted at the impact; each "why?" steps from an effect to its
  causes, may have several answers, and a chain ends at its deepest cause. A chain
  that ends at a person ("human error") is not finished.
- Contribution Factor Map: the impact at the root, categorised factors, lines of
  influence between factors (a DAG).
- Barrier Analysis: the controls that failed, were missing, were bypassed or held,
  against the barrier inventory shared across incidents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kb.analysis.language import names_a_person_as_cause
from kb.model import DEFEATED_STATUSES, IMPACT, Analysis, BarrierStatus, EventPacket, Method

if TYPE_CHECKING:  # imported where a graph or a frame is made: `kb check` needs neither to print kept results
    import networkx as nx
    import pandas as pd

    from kb.knowledge_base import KnowledgeBase

# -- the shared causal graph -------------------------------------------------------------------


def causal_graph(analysis: Analysis) -> nx.DiGraph:
    """Factors and the impact as nodes, cause -> effect edges."""
    import networkx as nx  # noqa: PLC0415 (loaded where used)

    g = nx.DiGraph()
    g.add_node(IMPACT, kind="impact", statement="the observed impact", category=None)
    for f in analysis.factors:
        g.add_node(f.id, kind="factor", statement=f.statement, category=f.category.value, themes=list(f.themes))
    g.add_edges_from((i.source, i.target) for i in analysis.influences)
    return g


def chain_ends(analysis: Analysis) -> list[str]:
    """Factors nothing else contributes to: where each "why?" chain stops.

    With no lines of influence (a flat list of factors), every factor is a chain end.
    """
    effects = {i.target for i in analysis.influences}  # the in-degree test, without building the graph
    return [f.id for f in analysis.factors if f.id not in effects]


def _acyclic(analysis: Analysis) -> bool:
    """`nx.is_directed_acyclic_graph(causal_graph(analysis))` in plain Python (Kahn's algorithm):
    the lint asks it of every analysis, and the graph costs more to build than to check."""
    causes: dict[str, set[str]] = {}
    for i in analysis.influences:
        causes.setdefault(i.target, set()).add(i.source)
    effects: dict[str, set[str]] = {}
    for target, sources in causes.items():
        for source in sources:
            effects.setdefault(source, set()).add(target)
    waiting = {node: len(sources) for node, sources in causes.items()}
    ready = [n for n in {*effects, *causes} if not waiting.get(n)]
    seen = 0
    while ready:
        node = ready.pop()
        seen += 1
        for e in effects.get(node, ()):
            waiting[e] -= 1
            if not waiting[e]:
                ready.append(e)
    return seen == len({*effects, *causes})


def _reaching_impact(analysis: Analysis) -> set[str]:
    """The factors with a line of influence to the impact, directly or through others."""
    causes: dict[str, list[str]] = {}
    for i in analysis.influences:
        causes.setdefault(i.target, []).append(i.source)
    out: set[str] = set()
    todo = [IMPACT]
    while todo:
        for c in causes.get(todo.pop(), ()):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


# -- Five Whys ---------------------------------------------------------------------------------


@dataclass
class WhyTree:
    """A Five Whys tree: chains run from the impact down to a deepest cause."""

    graph: nx.DiGraph
    chains: list[list[str]] = field(default_factory=list)
    unattached: list[str] = field(default_factory=list)

    @property
    def branch_points(self) -> list[str]:
        """Effects with more than one answer to "why?"."""
        return sorted(n for n in self.graph.nodes if self.graph.in_degree(n) > 1)

    @property
    def linear(self) -> bool:
        return not self.branch_points and len(self.chains) <= 1

    @property
    def depth(self) -> int:
        return max((len(c) - 1 for c in self.chains), default=0)


def five_whys(analysis: Analysis) -> WhyTree:
    """The why-tree of an analysis (any method): every path from the impact to a deepest cause."""
    import networkx as nx  # noqa: PLC0415 (loaded where used)

    g = causal_graph(analysis)
    chains: list[list[str]] = []
    if nx.is_directed_acyclic_graph(g):
        reaching = nx.ancestors(g, IMPACT)
        for end in chain_ends(analysis):
            if end in reaching:
                # cause -> ... -> impact, read backwards: the order in which "why?" is asked.
                chains.extend(path[::-1] for path in nx.all_simple_paths(g, end, IMPACT))
    reaching = {n for c in chains for n in c}
    unattached = [f.id for f in analysis.factors if f.id not in reaching]
    return WhyTree(g, sorted(chains), unattached)


def chains_stopping_at_person(analysis: Analysis, people: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(factor id, words) for each chain end whose statement names a person or "human error"."""
    statements = {f.id: f.statement for f in analysis.factors}
    out = []
    for fid in chain_ends(analysis):
        words = names_a_person_as_cause(statements[fid], people)
        if words:
            out.append((fid, words))
    return out


# -- Contribution Factor Map -------------------------------------------------------------------


def contribution_map(analysis: Analysis) -> pd.DataFrame:
    """One row per factor: category, hops to the impact (NA when it never reaches it), causes, effects."""
    import networkx as nx  # noqa: PLC0415 (loaded where used)
    import pandas as pd  # noqa: PLC0415 (loaded where used)

    g = causal_graph(analysis)
    hops = nx.single_target_shortest_path_length(g, IMPACT) if g.number_of_edges() else {}
    hop = dict(hops)
    rows = [
        {
            "factor": f.id,
            "statement": f.statement,
            "category": f.category.value,
            "category_guessed": f.category_guessed,
            "hops_to_impact": hop.get(f.id),
            "causes": g.in_degree(f.id),
            "effects": g.out_degree(f.id),
            "reaches_impact": f.id in hop,
        }
        for f in analysis.factors
    ]
    df = pd.DataFrame(
        rows,
        columns=[
            "factor",
            "statement",
            "category",
            "category_guessed",
            "hops_to_impact",
            "causes",
            "effects",
            "reaches_impact",
        ],
    )
    df["hops_to_impact"] = df["hops_to_impact"].astype("Int64")
    return df


# -- Barrier Analysis --------------------------------------------------------------------------

INVENTORY_COLUMNS = ["barrier", "name", "kind", "incident", "status", "services"]


def barrier_table(
    analysis: Analysis, inventory: pd.DataFrame | None = None, incident: str | None = None
) -> pd.DataFrame:
    """The assessed barriers, each with how the shared inventory has seen it in other incidents.

    `inventory` has INVENTORY_COLUMNS (see `barrier_inventory`); rows of `incident` itself are ignored.
    """
    import pandas as pd  # noqa: PLC0415 (loaded where used)

    inv = inventory if inventory is not None else pd.DataFrame(columns=INVENTORY_COLUMNS)
    if incident is not None:
        inv = inv[inv["incident"] != incident]
    statements = {f.id: f.statement for f in analysis.factors}
    rows = []
    for b in analysis.barriers:
        seen = inv[inv["barrier"] == b.barrier]
        rows.append(
            {
                "barrier": b.barrier,
                "name": b.name,
                "kind": b.kind.value if b.kind else None,
                "status": b.status.value,
                "defeated_by": list(b.defeated_by),
                "defeated_by_statements": [statements[f] for f in b.defeated_by],
                "in_inventory": not seen.empty,
                "other_incidents": int(seen["incident"].nunique()),
                "other_failures": int(seen["status"].isin(DEFEATED_STATUSES).sum()),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "barrier",
            "name",
            "kind",
            "status",
            "defeated_by",
            "defeated_by_statements",
            "in_inventory",
            "other_incidents",
            "other_failures",
        ],
    )


def inventory_for_services(
    inventory: pd.DataFrame, services: Iterable[str], exclude_incident: str | None = None
) -> pd.DataFrame:
    """Barriers recorded against any of `services` in other incidents: one row per barrier."""
    import pandas as pd  # noqa: PLC0415 (loaded where used)

    wanted = set(services)
    inv = inventory
    if exclude_incident is not None:
        inv = inv[inv["incident"] != exclude_incident]
    mask = [bool(wanted & set(s or [])) for s in inv["services"]]
    hit = inv[mask] if len(inv) else inv
    if hit.empty:
        return pd.DataFrame(columns=["barrier", "name", "kind", "incidents", "failures"])
    grouped = hit.groupby("barrier", sort=True).agg(
        name=("name", "first"),
        kind=("kind", "first"),
        incidents=("incident", "nunique"),
        failures=("status", lambda s: int(s.isin(DEFEATED_STATUSES).sum())),
    )
    return grouped.reset_index()


# -- structure checks --------------------------------------------------------------------------


@dataclass(frozen=True)
class StructureProblem:
    analysis: str
    location: str
    problem: str
    evidence: str
    fix: str


def _nx() -> Any:
    """networkx, loaded when an analysis needs it: a lint of acyclic, plain analyses never does."""
    import networkx as nx  # noqa: PLC0415 (loaded where used)

    return nx


def structure_problems(packet: EventPacket) -> list[StructureProblem]:
    """Shape problems of each analysis for its method (a chain ending at a person is checked separately)."""
    out: list[StructureProblem] = []
    for a in packet.analyses:
        out.extend(_shape(a))
        if a.method is Method.BARRIER_ANALYSIS:
            out.extend(_barriers(a))
    return out


def _shape(a: Analysis) -> list[StructureProblem]:
    where = f"analyses.{a.id}"
    if not a.factors:
        return []
    plain = all(f.id != IMPACT for f in a.factors)  # else the graph merges a factor into the impact
    if not (_acyclic(a) if plain else _nx().is_directed_acyclic_graph(causal_graph(a))):
        cycle = " -> ".join(src for src, _ in _nx().find_cycle(causal_graph(a)))
        return [
            StructureProblem(
                a.id,
                f"{where}.influences",
                "the lines of influence form a cycle",
                cycle,
                "Break the loop: a cause cannot be its own effect; split the factor in two "
                "(before / after) if it really feeds back.",
            )
        ]
    if not a.influences and len(a.factors) > 1:
        shape = {
            Method.FIVE_WHYS: "a why-chain",
            Method.CONTRIBUTION_MAP: "a map",
            Method.BARRIER_ANALYSIS: "a causal chain behind the barriers",
        }[a.method]
        return [
            StructureProblem(
                a.id,
                f"{where}.influences",
                f"{len(a.factors)} factors and no lines of influence: a list, not {shape}",
                "; ".join(f"{f.id}: {f.statement}" for f in a.factors[:3]),
                "Record which factor led to which and which ones touched the impact "
                "(influences: {source: F1, target: impact}).",
            )
        ]
    # In an acyclic graph whose causes are all factors, the factors on some chain from a deepest
    # cause to the impact are those that reach the impact: five_whys' `unattached` without
    # enumerating every path.
    if plain:
        reaching = _reaching_impact(a)
        unattached = [f.id for f in a.factors if f.id not in reaching]
    else:
        unattached = five_whys(a).unattached
    out = []
    for fid in unattached:
        f = next(x for x in a.factors if x.id == fid)
        out.append(
            StructureProblem(
                a.id,
                f"{where}.factors.{fid}",
                "this factor does not lead to the impact",
                f.statement,
                "Link it into the chain (what did it contribute to?) or drop it.",
            )
        )
    if a.influences and not any(i.target == IMPACT for i in a.influences):
        out.append(
            StructureProblem(
                a.id,
                f"{where}.influences",
                "no factor is linked to the observed impact",
                f"{len(a.influences)} lines of influence, none with target 'impact'",
                "Say which factors touched the impact directly (target: impact).",
            )
        )
    return out


def _barriers(a: Analysis) -> list[StructureProblem]:
    where = f"analyses.{a.id}"
    if not a.barriers:
        return [
            StructureProblem(
                a.id,
                f"{where}.barriers",
                "a barrier analysis with no barrier assessed",
                "barriers: []",
                "Assess the controls from the barrier inventory that should "
                "have prevented, detected or limited this: failed, missing, bypassed or held.",
            )
        ]
    out = []
    for b in a.barriers:
        loc = f"{where}.barriers.{b.barrier}"
        if b.status in (BarrierStatus.FAILED, BarrierStatus.BYPASSED) and not b.defeated_by:
            out.append(
                StructureProblem(
                    a.id,
                    loc,
                    f"barrier {b.status.value} but no factor says why",
                    f"{b.barrier}: {b.status.value}",
                    "Name the factors that defeated it (defeated_by: [F..]).",
                )
            )
        if b.status is BarrierStatus.HELD and b.defeated_by:
            out.append(
                StructureProblem(
                    a.id,
                    loc,
                    "a barrier that held cannot have been defeated",
                    f"{b.barrier}: held, defeated_by {', '.join(b.defeated_by)}",
                    "Either the status is failed/bypassed, or the factors did not defeat it.",
                )
            )
    return out


def barrier_inventory(kbase: KnowledgeBase) -> pd.DataFrame:
    """The shared barrier inventory from the graph: one row per (barrier, incident), INVENTORY_COLUMNS."""
    import pandas as pd  # noqa: PLC0415 (loaded where used)

    df = kbase.query("review_barrier_inventory")
    if df.empty:
        return pd.DataFrame(columns=INVENTORY_COLUMNS)
    df["services"] = [sorted(x for x in (s if s is not None else []) if x is not None) for s in df["services"]]
    return df[INVENTORY_COLUMNS]
