"""Re-ingesting changed packets over stored ones, on both engines: the graph comes out exactly as if
the changed packets had been ingested into an empty graph (with the same tool-made links made),
so nothing the old versions said is left over, and nothing of other incidents or tools is touched."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from kb.engines.base import Statement
from kb.knowledge_base import KnowledgeBase
from kb.packets import parse_packet

from .conftest import EXAMPLES
from .graph_dump import dump_differences, graph_dump

BASE: dict[str, Any] = yaml.safe_load((EXAMPLES / "INC-2025-001.yaml").read_text())
A, B, C = "INC-2025-101", "INC-2025-102", "INC-2025-103"


def _packet(key: str, data: dict[str, Any] | None = None) -> Any:
    data = copy.deepcopy(data or BASE)
    data["incident"]["id"] = key
    return parse_packet(data, Path(f"{key}.yaml"))


def _changed_a() -> Any:
    """A says less and other things: a factor, a finding (with its objective), a decision, an impact,
    the log, a timeline event, a participant and a service gone; title and a metric's values changed."""
    data = copy.deepcopy(BASE)
    data["incident"]["title"] = "Checkout latency (corrected)"
    data["incident"]["services"] = ["checkout"]
    data["timeline"] = data["timeline"][:-1]
    data["metrics"][0]["points"] = data["metrics"][0]["points"][:2]
    data["logs"] = []
    data["decisions"] = []
    data["impacts"] = data["impacts"][:1]
    data["participants"] = data["participants"][:3]
    analysis = data["analyses"][0]
    analysis["factors"] = [f for f in analysis["factors"] if f["id"] != "F4"]
    analysis["influences"] = [i for i in analysis["influences"] if "F4" not in (i["source"], i["target"])]
    analysis["findings"] = [f for f in analysis["findings"] if f["id"] != "R2"]
    return _packet(A, data)


def _changed_b() -> Any:
    """B says more: a new timeline event and another summary."""
    data = copy.deepcopy(BASE)
    data["incident"]["summary"] = "Rewritten after review."
    data["timeline"].append({"at": "2025-03-14T21:00:00+01:00", "kind": "communication", "text": "All clear sent"})
    return _packet(B, data)


def _tool_links() -> list[Statement]:
    """Links tools make (a similarity check, a Jira push, an accepted theme, text mentions, a roadmap,
    an OKR draft), some to nodes the changed packets no longer have: those match nothing afterwards."""

    def link(src: str, skey: str, rel: str, dst: str, dkey: str, props: str) -> Statement:
        skp, dkp = (
            ("slug" if src == "Theme" else "key"),
            ("slug" if dst == "Theme" else "name" if dst == "Service" else "key"),
        )
        return (
            f"MATCH (a:{src} {{{skp}: $s}}), (b:{dst} {{{dkp}: $d}}) MERGE (a)-[e:{rel}]->(b) SET {props}",
            {"s": skey, "d": dkey},
        )

    return [
        ("MERGE (w:WorkItem {key: 'jira:PLAT-999'}) SET w.origin = 'jira-push', w.title = 'pushed'", {}),
        ("MERGE (w:WorkItem {key: 'jira:PLAT-998'}) SET w.origin = 'jira-push'", {}),
        ("MERGE (t:Theme {slug: 'accepted-theme'}) SET t.name = 'Accepted'", {}),
        ("MERGE (o:Objective {key: 'okr:drafted'}) SET o.origin = 'okr-draft', o.objective = 'Drafted'", {}),
        link("Incident", C, "RELATED_TO", "Incident", A, "e.score = 0.9, e.basis = 'test', e.origin = 'similarity'"),
        link("Incident", A, "RELATED_TO", "Incident", B, "e.score = 0.5, e.basis = 'check', e.origin = 'check'"),
        link("Finding", f"{A}/finding/R1", "TRACKED_BY", "WorkItem", "jira:PLAT-999", "e.origin = 'jira-push'"),
        link("Finding", f"{A}/finding/R2", "TRACKED_BY", "WorkItem", "jira:PLAT-998", "e.origin = 'jira-push'"),
        link(
            "Factor", f"{A}/factor/F1", "INSTANCE_OF", "Theme", "accepted-theme", "e.confidence = 0.8, e.origin = 'x'"
        ),
        link(
            "Factor", f"{A}/factor/F4", "INSTANCE_OF", "Theme", "accepted-theme", "e.confidence = 0.7, e.origin = 'x'"
        ),
        link(
            "Incident",
            A,
            "MENTIONS",
            "Service",
            "checkout",
            "e.evidence = 'checkout', e.learned = false, e.origin = 'text'",
        ),
        link("RoadmapItem", "RM-2025-07", "MOTIVATED_BY", "Finding", f"{B}/finding/R2", "e.origin = 'roadmap'"),
        link("Finding", f"{B}/finding/R1", "PROPOSED_AS", "Objective", "okr:drafted", "e.origin = 'okr-draft'"),
    ]


GONE = (  # what A's old version owned and its new one does not
    ("Factor", f"{A}/factor/F4"),
    ("Finding", f"{A}/finding/R2"),
    ("Decision", f"{A}/decision/0"),
    ("Impact", f"{A}/impact/1"),
    ("LogSnippet", f"{A}/log/0"),
    ("Objective", f"{A}/okr/O1"),
)


def _rows_naming(dump: dict[str, list[Any]], key: str) -> dict[str, list[Any]]:
    """The dump's rows that name `key` (the incident's own nodes and relationships, links to it)."""
    return {part: [r for r in rows if key in repr(r)] for part, rows in dump.items()}


def _edge_count(kbase: KnowledgeBase, pattern: str) -> int:
    return int(kbase.cypher(f"MATCH {pattern} RETURN count(*) AS n")["n"].iloc[0])


def test_reingest_changed_packets_leaves_nothing_over_and_touches_nothing_else(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets([_packet(A), _packet(B), _packet(C)], run_hooks=False)
    any_kb.write(_tool_links())
    assert all(_edge_count(any_kb, f"(n:{label} {{key: '{key}'}})") == 1 for label, key in GONE)
    untouched = _rows_naming(graph_dump(any_kb), C)
    assert _edge_count(
        any_kb, f"(:Factor {{key: '{A}/factor/F4'}})-[:INSTANCE_OF]->(:Theme {{slug: 'accepted-theme'}})"
    )

    any_kb.ingest_packets([_changed_a(), _changed_b()], run_hooks=False)
    after = graph_dump(any_kb)

    # Nothing of the old versions is left: the dropped owned nodes are gone, the packet-made objective
    # of the dropped finding with them, and links to what is gone are not restored.
    for label, key in GONE:
        assert _edge_count(any_kb, f"(n:{label} {{key: '{key}'}})") == 0, (label, key)
    # Nothing else is touched: C's rows are as they were, tool links where both ends remain are kept.
    assert _rows_naming(after, C) == untouched
    assert _edge_count(any_kb, "(:Incident)-[:RELATED_TO]->(:Incident)") == 2
    assert _edge_count(any_kb, "(:WorkItem {key: 'jira:PLAT-998'})") == 1  # tool-made: stays, unlinked

    # The whole graph equals one built from scratch from what the packets say now, with the same tool work.
    any_kb.engine.reset()
    any_kb.ingest_packets([_changed_a(), _changed_b(), _packet(C)], run_hooks=False)
    any_kb.write(_tool_links())
    fresh = graph_dump(any_kb)
    assert after == fresh, dump_differences(after, fresh)
