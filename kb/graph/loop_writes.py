"""Writes made by the learning-loop tools (Jira push and sync, roadmap import, OKR drafts).

They reuse the writer's MERGE statements, so a node a tool writes has the same shape
as one a packet writes, and every relationship carries the tool's `origin`: a
re-ingested packet then replaces only what the packet itself said.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kb.engines.base import Engine, Statement
from kb.graph.writer import node_merge, rel_merge
from kb.model.schema import NODE_BY_LABEL, REL_BY_TYPE, PropType

JIRA_PUSH = "jira-push"
ROADMAP_IMPORT = "roadmap-import"
OKR_DRAFT = "okr-draft"


def _node_rows(label: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    # Ladybug reads r.prop from a struct: every declared property must be present.
    props = NODE_BY_LABEL[label].all_props
    return [{p: row.get(p) for p in props} for row in rows]


def _rel_rows(rtype: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    props = REL_BY_TYPE[rtype].all_props
    return [{"src": r["src"], "dst": r["dst"], **{p: r.get(p) for p in props}} for r in rows]


def merge_nodes(engine: Engine, label: str, rows: Sequence[Mapping[str, Any]]) -> Statement:
    return node_merge(engine, NODE_BY_LABEL[label]), {"rows": _node_rows(label, rows)}


def merge_rels(engine: Engine, rtype: str, src: str, dst: str, rows: Sequence[Mapping[str, Any]]) -> Statement:
    return rel_merge(engine, REL_BY_TYPE[rtype], src, dst), {"rows": _rel_rows(rtype, rows)}


def record_work_item(engine: Engine, finding: str, item: Mapping[str, Any], origin: str) -> None:
    """One work item and its TRACKED_BY edge, in one transaction (both or neither)."""
    engine.write(
        [
            merge_nodes(engine, "WorkItem", [{**item, "origin": origin}]),
            merge_rels(
                engine, "TRACKED_BY", "Finding", "WorkItem", [{"src": finding, "dst": item["key"], "origin": origin}]
            ),
        ]
    )


def update_work_items(engine: Engine, rows: Sequence[Mapping[str, Any]]) -> None:
    """Set status, resolution and closed_at (null reopens) of existing work items by key."""
    stmt = (
        f"UNWIND $rows AS r MATCH (w:WorkItem {{key: r.key}}) "
        f"SET w.status = {engine.cast('r.status', PropType.STRING)}, "
        f"w.resolution = {engine.cast('r.resolution', PropType.STRING)}, "
        f"w.closed_at = {engine.cast('r.closed_at', PropType.TIMESTAMP)}"
    )
    clean = [
        {"key": r["key"], "status": r.get("status"), "resolution": r.get("resolution"), "closed_at": r.get("closed_at")}
        for r in rows
    ]
    if clean:
        engine.write([(stmt, {"rows": clean})])


def replace_roadmap_links(engine: Engine, items: Sequence[Mapping[str, Any]], links: Sequence[tuple[str, str]]) -> None:
    """Merge roadmap items; replace their imported MOTIVATED_BY edges with `links` (item, finding)."""
    keys = [i["key"] for i in items]
    statements: list[Statement] = [
        merge_nodes(engine, "RoadmapItem", items),
        (
            "MATCH (r:RoadmapItem)-[e:MOTIVATED_BY]->(:Finding) WHERE r.key IN $keys AND e.origin = $origin DELETE e",
            {"keys": keys, "origin": ROADMAP_IMPORT},
        ),
    ]
    if links:
        statements.append(
            merge_rels(
                engine,
                "MOTIVATED_BY",
                "RoadmapItem",
                "Finding",
                [{"src": i, "dst": f, "origin": ROADMAP_IMPORT} for i, f in links],
            )
        )
    engine.write(statements)


def record_objectives(
    engine: Engine, objectives: Sequence[Mapping[str, Any]], links: Sequence[tuple[str, str]]
) -> None:
    """Merge OKR drafts (origin okr-draft) and PROPOSED_AS edges from (finding, objective) pairs."""
    statements = [merge_nodes(engine, "Objective", [{**o, "origin": OKR_DRAFT} for o in objectives])]
    if links:
        statements.append(
            merge_rels(
                engine,
                "PROPOSED_AS",
                "Finding",
                "Objective",
                [{"src": f, "dst": o, "origin": OKR_DRAFT} for f, o in links],
            )
        )
    engine.write(statements)
