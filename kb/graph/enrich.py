"""Tool-made enrichments of the graph: related-incident edges and accepted theme links.

Built from the schema like the packet writer's statements (writer.rel_merge), so both
engines get the same casts; each enrichment carries its `origin`, which a packet
re-ingest leaves alone (it only replaces origin "packet").
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any

from kb.engines.base import Engine, Statement
from kb.graph.writer import node_merge, rel_merge
from kb.model.schema import NODE_BY_LABEL, REL_BY_TYPE

SIMILARITY_ORIGIN = "similarity"
SUGGESTED_ORIGIN = "suggested"
ROWS_PER_STATEMENT = 5000


def _chunks(rows: Sequence[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def replace_related(
    engine: Engine, incidents: Sequence[str], rows: Sequence[dict[str, Any]], origin: str = SIMILARITY_ORIGIN
) -> None:
    """Replace the RELATED_TO edges of `origin` from `incidents` with `rows`
    ({src, dst, score, basis}), in one transaction."""
    engine.write(related_statements(engine, incidents, rows, origin))


def related_statements(
    engine: Engine, incidents: Sequence[str], rows: Sequence[dict[str, Any]], origin: str = SIMILARITY_ORIGIN
) -> list[Statement]:
    """The statements of replace_related, for a caller that writes more in the same transaction."""
    statements: list[Statement] = [
        (
            "MATCH (a:Incident)-[e:RELATED_TO]->(b:Incident) WHERE a.key IN $keys AND e.origin = $origin DELETE e",
            {"keys": list(incidents), "origin": origin},
        )
    ]
    cypher = rel_merge(engine, REL_BY_TYPE["RELATED_TO"], "Incident", "Incident")
    full = [
        {"src": r["src"], "dst": r["dst"], "score": float(r["score"]), "basis": r["basis"], "origin": origin}
        for r in rows
    ]
    statements += [(cypher, {"rows": chunk}) for chunk in _chunks(full, ROWS_PER_STATEMENT)]
    return statements


def link_themes(engine: Engine, rows: Sequence[dict[str, Any]], origin: str = SUGGESTED_ORIGIN) -> None:
    """Write INSTANCE_OF edges from rows of {factor, theme, confidence}, in one transaction."""
    cypher = rel_merge(engine, REL_BY_TYPE["INSTANCE_OF"], "Factor", "Theme")
    full = [
        {"src": r["factor"], "dst": r["theme"], "confidence": float(r["confidence"]), "origin": origin} for r in rows
    ]
    engine.write([(cypher, {"rows": chunk}) for chunk in _chunks(full, ROWS_PER_STATEMENT)])


TEXT_ORIGIN = "text"


def replace_mentions(
    engine: Engine, incidents: Sequence[str], rows: Sequence[dict[str, Any]], origin: str = TEXT_ORIGIN
) -> None:
    """Replace the MENTIONS edges of `origin` from `incidents` with `rows` ({incident, kind
    ("service" | "component"), name, component_kind, evidence, learned}), in one transaction.
    Service and Component nodes are merged (shared, never erased)."""
    engine.write(mentions_statements(engine, incidents, rows, origin))


def mentions_statements(
    engine: Engine, incidents: Sequence[str], rows: Sequence[dict[str, Any]], origin: str = TEXT_ORIGIN
) -> list[Statement]:
    """The statements of replace_mentions, for a caller that writes more in the same transaction."""
    statements: list[Statement] = [
        (
            f"MATCH (a:Incident)-[e:MENTIONS]->(b:{label}) WHERE a.key IN $keys AND e.origin = $origin DELETE e",
            {"keys": list(incidents), "origin": origin},
        )
        for label in ("Service", "Component")
    ]
    for kind, label in (("service", "Service"), ("component", "Component")):
        mine = [r for r in rows if r["kind"] == kind]
        if not mine:
            continue
        nodes = list(
            {
                r["name"]: (
                    {"name": r["name"], "kind": r.get("component_kind")} if kind == "component" else {"name": r["name"]}
                )
                for r in mine
            }.values()
        )
        node_cypher = node_merge(engine, NODE_BY_LABEL[label])
        statements += [(node_cypher, {"rows": chunk}) for chunk in _chunks(nodes, ROWS_PER_STATEMENT)]
        cypher = rel_merge(engine, REL_BY_TYPE["MENTIONS"], "Incident", label)
        full = [
            {
                "src": r["incident"],
                "dst": r["name"],
                "evidence": r["evidence"],
                "learned": bool(r["learned"]),
                "origin": origin,
            }
            for r in mine
        ]
        statements += [(cypher, {"rows": chunk}) for chunk in _chunks(full, ROWS_PER_STATEMENT)]
    return statements


LEARNED_ORIGIN = "learned"


def add_themes(
    engine: Engine, themes: Sequence[dict[str, Any]], links: Sequence[dict[str, Any]], origin: str = LEARNED_ORIGIN
) -> None:
    """Merge Theme nodes ({slug, name, description}) and write INSTANCE_OF links ({factor, theme,
    confidence}) of `origin`, in one transaction."""
    statements: list[Statement] = [
        (node_merge(engine, NODE_BY_LABEL["Theme"]), {"rows": chunk})
        for chunk in _chunks(list(themes), ROWS_PER_STATEMENT)
    ]
    cypher = rel_merge(engine, REL_BY_TYPE["INSTANCE_OF"], "Factor", "Theme")
    full = [
        {"src": r["factor"], "dst": r["theme"], "confidence": float(r["confidence"]), "origin": origin} for r in links
    ]
    statements += [(cypher, {"rows": chunk}) for chunk in _chunks(full, ROWS_PER_STATEMENT)]
    engine.write(statements)
