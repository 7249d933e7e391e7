"""generate_corpus: plan every incident, render it, add the roadmap, validate, and record the truth."""

from __future__ import annotations

import random
from datetime import date

from kb.demo.clock import make_horizon
from kb.demo.clusters import CLUSTERS
from kb.demo.render import Renderer
from kb.demo.roadmap import RoadmapPlanner, packet_links
from kb.demo.scenario import Planner, Scenario
from kb.demo.truth import (
    DemoCorpus,
    GenerationParams,
    GroundTruth,
    NearDuplicate,
    PlantedCluster,
    PlantedRepeat,
    RoadmapTruth,
)
from kb.gc_pause import collector_paused
from kb.model import EventPacket


def generate_corpus(
    n_incidents: int = 320, seed: int = 7, start: date = date(2024, 10, 1), quarters: int = 8
) -> DemoCorpus:
    """A deterministic synthetic corpus: the same arguments always give the same packets and truth."""
    if n_incidents < 1 or quarters < 1:
        raise ValueError("n_incidents and quarters must be positive")
    with collector_paused():
        return _generate(n_incidents, seed, start, quarters)


def _generate(n_incidents: int, seed: int, start: date, quarters: int) -> DemoCorpus:
    rng = random.Random(seed)
    horizon = make_horizon(start, quarters)
    planner = Planner(rng, horizon)
    scenarios = planner.plan(n_incidents)
    renderer = Renderer(rng, horizon, planner.fixed_at)
    rendered = [renderer.render(s) for s in scenarios]
    roadmap = RoadmapPlanner(rng, horizon, renderer.records).plan(n_incidents, renderer.clusters)
    links = packet_links(roadmap)
    packets = []
    for s, r in zip(scenarios, rendered, strict=True):
        if s.id in links:
            r.doc["roadmap"] = links[s.id]
        packets.append(EventPacket.model_validate(r.doc))
        r.doc = {}  # the validated packet is all that is kept: halves peak memory at 100,000 incidents
    truth = GroundTruth(
        params=GenerationParams(n_incidents=n_incidents, seed=seed, start=start, quarters=quarters, end=horizon.end),
        clusters=_clusters(scenarios, renderer),
        near_duplicates=[
            NearDuplicate(incident=s.id, duplicate_of=s.dup_of.id) for s in scenarios if s.dup_of is not None
        ],
        repeats=_repeats(scenarios, renderer),
        lint_cases={s.id: list(s.lint) for s in scenarios if s.lint},
        method_mismatches=[s.id for s in scenarios if s.linear],
        unthemed_factors={k: v for r in rendered for k, v in r.unthemed.items()},
        roadmap=RoadmapTruth(
            traced=[e.key for e in roadmap if e.findings], untraced=[e.key for e in roadmap if not e.findings]
        ),
    )
    return DemoCorpus(packets=packets, roadmap=roadmap, truth=truth)


def _clusters(scenarios: list[Scenario], renderer: Renderer) -> list[PlantedCluster]:
    out = []
    for c in CLUSTERS:
        members = [s for s in scenarios if s.cluster is c]
        state = renderer.clusters.get(c.name)
        out.append(
            PlantedCluster(
                name=c.name,
                description=c.description,
                themes=list(c.themes),
                barriers=[b for b, _ in c.barriers],
                services=list(dict.fromkeys(x for s in members for x in s.services)),
                incidents=[s.id for s in members],
                origin=state.origin if state else None,
                key_finding=state.key_finding if state else None,
                fixed_at=state.fixed_at if state else None,
                fix_worked=c.fix_works if state and state.fixed_at else None,
            )
        )
    return out


def _repeats(scenarios: list[Scenario], renderer: Renderer) -> list[PlantedRepeat]:
    """Cluster incidents that started after the origin's key finding was agreed (published)."""
    out = []
    for s in scenarios:
        if s.cluster is None or s.origin:
            continue
        state = renderer.clusters.get(s.cluster.name)
        if (
            state
            and state.published is not None
            and s.started_at > state.published
            and state.status in ("agreed", "done")
        ):
            out.append(PlantedRepeat(incident=s.id, earlier=state.origin, finding=state.key_finding))
    return out
