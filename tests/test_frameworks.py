"""The three frameworks as views of one causal shape, and their structure checks."""

from __future__ import annotations

from typing import Any

import pandas as pd

from kb.analysis.frameworks import (
    INVENTORY_COLUMNS,
    barrier_inventory,
    barrier_table,
    chain_ends,
    chains_stopping_at_person,
    contribution_map,
    five_whys,
    inventory_for_services,
    structure_problems,
)
from kb.knowledge_base import KnowledgeBase
from kb.model import EventPacket

from .review_packets import Data, analysis, minimal, packet


def five_whys_packet(
    factors: list[tuple[str, str]],
    influences: list[tuple[str, str]],
    key: str = "INC-W-1",
    severity: int = 4,
    **incident: Any,
) -> EventPacket:
    base = minimal(key, severity, **incident).model_dump(mode="json")
    base["analyses"] = [
        {
            "id": "A1",
            "method": "five_whys",
            "factors": [{"id": i, "statement": s, "category": "technical"} for i, s in factors],
            "influences": [{"source": s, "target": t} for s, t in influences],
        }
    ]
    return EventPacket.model_validate(base)


LINEAR = five_whys_packet(
    [
        ("W1", "The nightly job read a truncated file"),
        ("W2", "The upload step does not verify file size"),
        ("W3", "The upload script predates the checksum convention"),
    ],
    [("W1", "impact"), ("W2", "W1"), ("W3", "W2")],
)

BRANCHING = five_whys_packet(
    [
        ("W1", "The nightly job read a truncated file"),
        ("W2", "The upload step does not verify file size"),
        ("W3", "The job starts at a fixed time, not when the upload finishes"),
        ("W4", "Human error"),
    ],
    [("W1", "impact"), ("W2", "W1"), ("W3", "W1"), ("W4", "W2")],
)


def test_linear_five_whys_is_one_chain() -> None:
    tree = five_whys(LINEAR.analyses[0])
    assert tree.chains == [["impact", "W1", "W2", "W3"]]
    assert tree.linear and tree.depth == 3 and tree.branch_points == [] and tree.unattached == []


def test_branching_five_whys_has_a_chain_per_answer() -> None:
    tree = five_whys(BRANCHING.analyses[0])
    assert tree.chains == [["impact", "W1", "W2", "W4"], ["impact", "W1", "W3"]]
    assert not tree.linear and tree.branch_points == ["W1"]


def test_a_chain_that_stops_at_a_person_is_reported_with_its_words() -> None:
    assert chains_stopping_at_person(BRANCHING.analyses[0]) == [("W4", "Human error")]
    assert chains_stopping_at_person(LINEAR.analyses[0]) == []
    # A person mid-chain is fine when the chain goes on to the conditions behind them.
    mid = five_whys_packet(
        [("W1", "The engineer ran the migration at peak"), ("W2", "The migration tool has no schedule guard")],
        [("W1", "impact"), ("W2", "W1")],
    )
    assert chains_stopping_at_person(mid.analyses[0]) == []


def test_the_example_map_is_two_chains_and_every_method_shares_the_shape() -> None:
    a = packet().analyses[0]
    tree = five_whys(a)  # a contribution map read as a why-tree
    assert tree.chains == [["impact", "F1", "F3"], ["impact", "F2", "F4"]]
    assert chain_ends(a) == ["F3", "F4"]
    cmap = contribution_map(a).set_index("factor")
    assert cmap.loc["F1", "hops_to_impact"] == 1 and cmap.loc["F3", "hops_to_impact"] == 2
    assert cmap["reaches_impact"].all()
    assert cmap.loc["F4", "category"] == "organizational"


def test_a_flat_factor_list_makes_every_factor_a_chain_end_and_reaches_nothing() -> None:
    def flat(data: Data) -> None:
        analysis(data)["influences"] = []

    a = packet(flat).analyses[0]
    assert chain_ends(a) == ["F1", "F2", "F3", "F4"]
    assert not contribution_map(a)["reaches_impact"].any()
    assert [p.problem for p in structure_problems(packet(flat))] == [
        "4 factors and no lines of influence: a list, not a map"
    ]


def test_structure_problems_cycle_and_barriers() -> None:
    def cycle(data: Data) -> None:
        analysis(data)["influences"].append({"source": "F1", "target": "F3"})

    (p,) = structure_problems(packet(cycle))
    assert p.problem == "the lines of influence form a cycle" and set(p.evidence.split(" -> ")) == {"F1", "F3"}

    def barriers(data: Data) -> None:
        a = analysis(data)
        a["method"] = "barrier_analysis"
        a["barriers"][1]["defeated_by"] = []  # load-shedding failed: by what?
        a["barriers"][2]["defeated_by"] = ["F1"]  # latency-alerting held yet defeated?

    problems = {(p.location, p.problem) for p in structure_problems(packet(barriers))}
    assert problems == {
        ("analyses.A1.barriers.load-shedding", "barrier failed but no factor says why"),
        ("analyses.A1.barriers.latency-alerting", "a barrier that held cannot have been defeated"),
    }

    def none(data: Data) -> None:
        a = analysis(data)
        a["method"] = "barrier_analysis"
        a["barriers"] = []

    assert [p.problem for p in structure_problems(packet(none))] == ["a barrier analysis with no barrier assessed"]
    assert structure_problems(packet()) == []


def _other_incident(key: str, services: list[str], status: str = "failed") -> EventPacket:
    def change(data: Data) -> None:
        data["roadmap"] = []
        a = analysis(data)
        a["barriers"] = [
            {"barrier": "load-shedding", "status": status, "defeated_by": ["F2"]},
            {"barrier": "canary-deploys", "name": "Canary deploys", "kind": "preventive", "status": "missing"},
        ]
        for f in a["findings"]:
            f["okrs"] = []
            f["work_items"] = []

    return packet(change, id=key, services=services, started_at="2025-01-10T10:00:00Z")


def test_barrier_inventory_from_the_graph(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets(
        [
            packet(),
            _other_incident("INC-2025-000", ["checkout"]),
            _other_incident("INC-2024-050", ["search"], status="held"),
        ],
        run_hooks=False,
    )
    inv = barrier_inventory(any_kb)
    assert list(inv.columns) == INVENTORY_COLUMNS
    rows = {(r.barrier, r.incident): (r.status, r.services) for r in inv.itertuples()}
    assert rows[("load-shedding", "INC-2025-000")] == ("failed", ["checkout"])
    assert rows[("load-shedding", "INC-2024-050")] == ("held", ["search"])
    assert rows[("capacity-review", "INC-2025-001")] == ("missing", ["checkout", "core-db"])
    assert len(inv) == 7

    table = barrier_table(packet().analyses[0], inv, incident="INC-2025-001").set_index("barrier")
    assert table.loc["load-shedding", "other_incidents"] == 2
    assert table.loc["load-shedding", "other_failures"] == 1
    assert table.loc["load-shedding", "defeated_by_statements"][0].startswith("Checkout and recommendations")
    assert not table.loc["capacity-review", "in_inventory"]

    known = inventory_for_services(inv, ["checkout"], exclude_incident="INC-2025-001")
    assert known["barrier"].tolist() == ["canary-deploys", "load-shedding"]
    assert known.set_index("barrier").loc["canary-deploys", "failures"] == 1


def test_inventory_for_services_on_an_empty_inventory() -> None:
    empty = pd.DataFrame(columns=INVENTORY_COLUMNS)
    assert inventory_for_services(empty, ["checkout"]).empty
