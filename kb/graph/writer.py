"""Rows -> batched, parameterised write statements, one transaction per batch of packets.

Replacing a packet: the owned nodes it no longer mentions are deleted, every
relationship it wrote before is deleted (only origin "packet" for relationships that
tools also write), then everything it says now is merged. So ingesting the same
packet twice changes nothing, and a corrected packet replaces what it said before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from kb.engines.base import Engine, Statement
from kb.graph.rows import GraphRows, Row, packet_rows
from kb.graph.schema import NODE_BY_LABEL, NODES, PACKET_ORIGIN, RELS, NodeSpec, RelSpec
from kb.model import EventPacket

DEFAULT_ROWS_PER_STATEMENT = 5000
DEFAULT_PACKETS_PER_TRANSACTION = 250


def node_merge(engine: Engine, spec: NodeSpec) -> str:
    sets = []
    for prop, ptype in spec.all_props.items():
        if prop == spec.key:
            continue
        expr = engine.cast(f"r.{prop}", ptype)
        if not spec.owned and spec.label != "Incident":
            # Shared nodes are mentioned by many packets, some of which know less
            # (a barrier named only in a finding has no kind): never erase a value.
            expr = f"coalesce({expr}, n.{prop})"
        sets.append(f"n.{prop} = {expr}")
    set_clause = f" SET {', '.join(sets)}" if sets else ""
    return f"UNWIND $rows AS r MERGE (n:{spec.label} {{{spec.key}: r.{spec.key}}}){set_clause}"


def rel_merge(engine: Engine, spec: RelSpec, src: str, dst: str) -> str:
    skey, dkey = NODE_BY_LABEL[src].key, NODE_BY_LABEL[dst].key
    sets = ", ".join(f"e.{p} = {engine.cast(f'r.{p}', t)}" for p, t in spec.all_props.items())
    return (f"UNWIND $rows AS r MATCH (a:{src} {{{skey}: r.src}}) MATCH (b:{dst} {{{dkey}: r.dst}}) "
            f"MERGE (a)-[e:{spec.type}]->(b)" + (f" SET {sets}" if sets else ""))


def _scope(label: str, var: str) -> str | None:
    """A predicate tying a node to the incidents of the batch, if it belongs to one."""
    if label == "Incident":
        return f"{var}.key IN $incidents"
    if NODE_BY_LABEL[label].owned:
        return f"{var}.incident_key IN $incidents"
    return None


def replacement_statements(incidents: list[str], keep: dict[str, list[str]]) -> list[Statement]:
    """Delete what the batch's incidents said before and no longer say."""
    out: list[Statement] = []
    for spec in NODES:
        if spec.owned:
            out.append((f"MATCH (n:{spec.label}) WHERE n.incident_key IN $incidents "
                        f"AND NOT n.key IN $keep DETACH DELETE n",
                        {"incidents": incidents, "keep": keep.get(spec.label, [])}))
    for rel in RELS:
        for src, dst in rel.pairs:
            scope = _scope(src, "a") or _scope(dst, "b")
            if scope is None:
                continue
            origin = f" AND e.origin = '{PACKET_ORIGIN}'" if rel.enriched else ""
            out.append((f"MATCH (a:{src})-[e:{rel.type}]->(b:{dst}) WHERE {scope}{origin} DELETE e",
                        {"incidents": incidents}))
    return out


def orphan_cleanup_statements() -> list[Statement]:
    """Packet-made work items and objectives that no finding links to any more."""
    return [
        (f"MATCH (n:{label}) WHERE n.origin = '{PACKET_ORIGIN}' OPTIONAL MATCH (n)<-[e:{rtype}]-() "
         f"WITH n, count(e) AS links WHERE links = 0 DETACH DELETE n", {})
        for label, rtype in (("WorkItem", "TRACKED_BY"), ("Objective", "PROPOSED_AS"))
    ]


def _chunks(rows: Sequence[Row], size: int) -> Iterator[list[Row]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def merge_statements(engine: Engine, rows: GraphRows, rows_per_statement: int) -> list[Statement]:
    out: list[Statement] = []
    for spec in NODES:  # nodes first, in schema order, so relationship MATCHes find them
        if rows.nodes.get(spec.label):
            cypher = node_merge(engine, spec)
            out += [(cypher, {"rows": c}) for c in _chunks(rows.nodes[spec.label], rows_per_statement)]
    for rel in RELS:
        for src, dst in rel.pairs:
            batch = rows.rels.get((rel.type, src, dst))
            if batch:
                cypher = rel_merge(engine, rel, src, dst)
                out += [(cypher, {"rows": c}) for c in _chunks(batch, rows_per_statement)]
    return out


def stored_incidents(engine: Engine, keys: list[str]) -> list[str]:
    df = engine.read("MATCH (i:Incident) WHERE i.key IN $keys RETURN i.key AS key", {"keys": keys})
    return [str(k) for k in df["key"]]


def batch_statements(engine: Engine, rows: GraphRows, rows_per_statement: int) -> list[Statement]:
    # Only incidents already in the graph have anything to replace; skipping the
    # deletes for new ones keeps a first load from scanning owned tables per batch.
    stored = stored_incidents(engine, rows.incidents)
    if not stored:
        return merge_statements(engine, rows, rows_per_statement)
    keep = {label: [r["key"] for r in rs] for label, rs in rows.nodes.items() if NODE_BY_LABEL[label].owned}
    return (replacement_statements(stored, keep)
            + merge_statements(engine, rows, rows_per_statement)
            + orphan_cleanup_statements())


def _batches(packets: Iterable[EventPacket], size: int) -> Iterator[list[EventPacket]]:
    it = iter(packets)
    while batch := list(islice(it, size)):
        yield batch


def collect_rows(packets: Iterable[EventPacket]) -> GraphRows:
    rows = GraphRows()
    for p in packets:
        rows.extend(packet_rows(p))
    return rows.deduplicated()


BULK_PACKETS_PER_LOAD = 10_000


def _new_only(label: str) -> bool:
    """Incident and owned nodes of an incident not yet stored cannot exist: safe to bulk-insert."""
    return label == "Incident" or NODE_BY_LABEL[label].owned


# Every relationship touches an Incident or an owned node, so all relationships of
# new incidents are new too (insert_new relies on this).
assert all(_new_only(a) or _new_only(b) for rel in RELS for a, b in rel.pairs)


def insert_new(engine: Engine, rows: GraphRows, rows_per_statement: int = DEFAULT_ROWS_PER_STATEMENT) -> None:
    """Write incidents that are not stored yet through the engine's bulk path.

    Shared nodes (services, themes, work items...) may exist already and are merged;
    everything else is inserted without lookups."""
    shared = GraphRows(nodes={k: v for k, v in rows.nodes.items() if not _new_only(k)})
    engine.write(merge_statements(engine, shared, rows_per_statement))
    engine.bulk_insert({k: v for k, v in rows.nodes.items() if _new_only(k)}, rows.rels)


def write_packets(
    engine: Engine,
    packets: Iterable[EventPacket],
    *,
    packets_per_transaction: int = DEFAULT_PACKETS_PER_TRANSACTION,
    rows_per_statement: int = DEFAULT_ROWS_PER_STATEMENT,
    on_batch: Callable[[int], Any] | None = None,
) -> int:
    """Write packets; returns the number of rows written.

    On an engine with a bulk path, incidents not yet in the graph go through it in large
    loads; every other batch is one transaction of deletes (what the packet no longer
    says) and UNWIND MERGE statements.
    """
    todo = list(packets)
    total = 0
    if engine.fresh_bulk_supported():
        stored = set(engine.read("MATCH (i:Incident) RETURN i.key AS key")["key"])
        for chunk in _batches((p for p in todo if p.key not in stored), BULK_PACKETS_PER_LOAD):
            rows = collect_rows(chunk)
            insert_new(engine, rows, rows_per_statement)
            total += rows.count()
            if on_batch:
                on_batch(len(chunk))
        todo = [p for p in todo if p.key in stored]
    for batch in _batches(todo, packets_per_transaction):
        rows = collect_rows(batch)
        engine.write(batch_statements(engine, rows, rows_per_statement))
        total += rows.count()
        if on_batch:
            on_batch(len(batch))
    return total
