"""Packets -> rows -> one bulk transaction per batch of packets.

Replacing a packet: everything it said before (the incident and the nodes it owns,
with their relationships) is deleted and what it says now is inserted, in the same
transaction. Links that tools made to those nodes (origin other than "packet": a
pushed Jira key, an accepted theme, a similarity check) are read first and restored
where both ends still exist. Shared nodes (services, themes, barriers, work items...)
are merged and never erased. So ingesting the same packet twice changes nothing, and a
corrected packet replaces what it said before.

One packet cannot sink a batch: a batch the engine refuses is split in halves until the
packets it cannot store are found; the others are written and each refused packet is
reported with the engine's own error.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from operator import itemgetter
from typing import TYPE_CHECKING, Any, TypeAlias

from kb.engines.base import Engine, EngineConflict, EngineError, EngineUnavailable, Packed, Rows, Statement
from kb.engines.frames import missing
from kb.graph.rows import GraphRows, PacketRows, Row, TableKey, new_only, packet_rows
from kb.model.schema import NODE_BY_LABEL, NODES, PACKET_ORIGIN, REL_BY_TYPE, RELS, NodeSpec, PropKind, RelSpec

if TYPE_CHECKING:  # opening a knowledge base need not load the pydantic models
    from kb.model import EventPacket

DEFAULT_ROWS_PER_STATEMENT = 5000

Writable: TypeAlias = "EventPacket | PacketRows"
"""A packet, or its rows already built (kb ingest builds them in its reader processes)."""


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


def rel_merge(engine: Engine, spec: RelSpec, src: str, dst: str, keep_tool_links: bool = False) -> str:
    """MERGE relationships from rows; with `keep_tool_links` (a packet's own write), an edge a
    tool made (origin not "packet") keeps its values: the packet saying the same link must not
    turn a roadmap or Jira link into a packet link, which a later packet edit would delete."""
    skey, dkey = NODE_BY_LABEL[src].key, NODE_BY_LABEL[dst].key

    def value(p: str, t: PropKind) -> str:
        new = engine.cast(f"r.{p}", t)
        if keep_tool_links and spec.enriched:
            return f"CASE WHEN e.origin IS NOT NULL AND e.origin <> '{PACKET_ORIGIN}' THEN e.{p} ELSE {new} END"
        return new

    sets = ", ".join(f"e.{p} = {value(p, t)}" for p, t in spec.all_props.items())
    ident = ", ".join(f"{p}: r.{p}" for p in spec.identity)
    return (
        f"UNWIND $rows AS r MATCH (a:{src} {{{skey}: r.src}}) MATCH (b:{dst} {{{dkey}: r.dst}}) "
        f"MERGE (a)-[e:{spec.type}{f' {{{ident}}}' if ident else ''}]->(b)" + (f" SET {sets}" if sets else "")
    )


def _scope(label: str, var: str) -> str | None:
    """A pattern of `var` for one incident `k` of the batch (UNWIND), if the node belongs to one:
    an index seek per incident (with `IN $incidents` on the relationship's pattern, Neo4j's planner
    scanned the other end's label or the whole relationship type: PROPOSED_AS, MOTIVATED_BY,
    ADDRESSES to themes and barriers, RELATED_TO, MENTIONS)."""
    if label == "Incident":
        return f"({var}:{label} {{key: k}})"
    if NODE_BY_LABEL[label].owned:
        return f"({var}:{label} {{incident_key: k}})"
    return None


# Where each owned node hangs: (its label, the label it hangs from, the relationship from there).
# A replacement finds an incident's owned nodes by walking these from the incident, primary key
# to primary key: a property filter (`n.incident_key IN $list`) has no index on Ladybug and scanned
# every row of every owned table, testing each against the whole list (24 CPU s a statement at
# 100,000 incidents). Every owned node is written with its relationship (kb.graph.rows).
OWNED_UNDER: tuple[tuple[str, str, str], ...] = (
    ("TimelineEvent", "Incident", "HAS_EVENT"),
    ("MetricSnapshot", "Incident", "HAS_METRIC"),
    ("LogSnippet", "Incident", "HAS_LOG"),
    ("Decision", "Incident", "HAS_DECISION"),
    ("Impact", "Incident", "HAD_IMPACT"),
    ("Analysis", "Incident", "ANALYZED_IN"),
    ("Factor", "Analysis", "IDENTIFIED"),
    ("Finding", "Analysis", "PRODUCED"),
)
assert [label for label, _, _ in OWNED_UNDER] == [n.label for n in NODES if n.owned]  # NODES order
assert all((parent, label) in REL_BY_TYPE[rtype].pairs for label, parent, rtype in OWNED_UNDER)


def match_by_key(label: str, var: str, keys: str = "$keys") -> str:
    """`var` bound to each node of `label` whose key is in `keys`: one primary-key lookup each
    (a `WHERE n.key IN $list` filter scans the table instead)."""
    return f"UNWIND {keys} AS k MATCH ({var}:{label}) WHERE {var}.{NODE_BY_LABEL[label].key} = k"


def stored_keys(engine: Engine, incidents: list[str]) -> dict[str, list[str]]:
    """The keys of the stored incidents (those found) and of the nodes they own, per label."""
    _, found = engine.read_rows(f"{match_by_key('Incident', 'i')} RETURN i.key", {"keys": incidents})
    keys: dict[str, list[str]] = {"Incident": [k for (k,) in found]}
    for label, parent, rtype in OWNED_UNDER:
        owner = "p.key" if parent == "Incident" else "p.incident_key"  # what it hangs from is the incident's too
        _, rows = engine.read_rows(
            f"{match_by_key(parent, 'p')} MATCH (p)-[:{rtype}]->(n:{label}) WHERE n.incident_key = {owner} "
            "RETURN DISTINCT n.key",
            {"keys": keys[parent]},
        )
        keys[label] = [k for (k,) in rows]
    return keys


def deletion_statements(keys: Mapping[str, list[str]]) -> list[Statement]:
    """Everything stored incidents said (`stored_keys`): the nodes they own, then the incidents."""
    return [
        (f"{match_by_key(label, 'n')} DETACH DELETE n", {"keys": keys[label]})
        for label in [*(label for label, _, _ in OWNED_UNDER), "Incident"]
        if keys.get(label)
    ]


def replacement_statements(incidents: list[str], keep: dict[str, list[str]]) -> list[Statement]:
    """In place: delete what stored incidents said before and no longer say (their packet-made
    relationships and the owned nodes not in `keep`); the caller then merges what they say now."""
    out: list[Statement] = []
    for spec in NODES:
        if spec.owned:
            out.append(
                (
                    f"MATCH (n:{spec.label}) WHERE n.incident_key IN $incidents AND NOT n.key IN $keep DETACH DELETE n",
                    {"incidents": incidents, "keep": keep.get(spec.label, [])},
                )
            )
    each = {"incidents": list(dict.fromkeys(incidents))}  # an incident twice would match its edges twice
    for rel in RELS:
        for src, dst in rel.pairs:
            a, b = _scope(src, "a"), _scope(dst, "b")
            if a is None and b is None:
                continue
            a, b = (a, f"(b:{dst})") if a is not None else (f"(a:{src})", b)  # the incident's end, as before
            origin = f" WHERE e.origin = '{PACKET_ORIGIN}'" if rel.enriched else ""
            out.append((f"UNWIND $incidents AS k MATCH {a}-[e:{rel.type}]->{b}{origin} DELETE e", each))
    return out


def tool_links(engine: Engine, keys: Mapping[str, list[str]]) -> dict[tuple[str, str, str], list[Row]]:
    """Relationships tools made (origin not "packet") that touch the nodes in `keys`
    (`stored_keys`: stored incidents and what they own), reached from those nodes by key."""
    saved: dict[tuple[str, str, str], list[Row]] = {}
    for rel in RELS:
        if not rel.enriched:
            continue
        for src, dst in rel.pairs:
            props = "".join(f", e.{p} AS {p}" for p in rel.all_props)
            ret = f"RETURN a.{NODE_BY_LABEL[src].key} AS src, b.{NODE_BY_LABEL[dst].key} AS dst{props}"
            found: dict[tuple[Any, ...], Row] = {}  # an edge between two such nodes is found from both ends
            for end, var in ((src, "a"), (dst, "b")):
                if not _owned_or_incident(end) or not keys.get(end):
                    continue
                a, b = ("a", f"b:{dst}") if var == "a" else (f"a:{src}", "b")  # the bound end keeps its label
                df = engine.read(
                    f"{match_by_key(end, var)} MATCH ({a})-[e:{rel.type}]->({b}) "
                    f"WHERE e.origin <> '{PACKET_ORIGIN}' {ret}",
                    {"keys": keys[end]},
                )
                for row in df.to_dict("records"):
                    clean = {k: (None if missing(v) else v) for k, v in row.items()}
                    found.setdefault(_row_id(clean), clean)
            if found:
                saved[(rel.type, src, dst)] = list(found.values())
    return saved


def _owned_or_incident(label: str) -> bool:
    return label == "Incident" or NODE_BY_LABEL[label].owned


def _row_id(row: Row) -> tuple[Any, ...]:
    """A row's values, hashable (lists as tuples): equal rows restore the same relationship."""
    return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in row.items())


def orphan_cleanup_statements() -> list[Statement]:
    """Packet-made work items and objectives that no finding links to any more."""
    return [
        (
            f"MATCH (n:{label}) WHERE n.origin = '{PACKET_ORIGIN}' OPTIONAL MATCH (n)<-[e:{rtype}]-() "
            f"WITH n, count(e) AS links WHERE links = 0 DETACH DELETE n",
            {},
        )
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
                cypher = rel_merge(engine, rel, src, dst, keep_tool_links=True)
                out += [(cypher, {"rows": c}) for c in _chunks(batch, rows_per_statement)]
    return out


def collect_rows(packets: Iterable[Writable]) -> GraphRows:
    rows = GraphRows()
    for p in packets:
        rows.extend(p.all_rows() if isinstance(p, PacketRows) else packet_rows(p))
    return rows.deduplicated()


# Every relationship touches an Incident or an owned node, so once a batch's incidents
# are deleted, all of the batch's relationships are new too (write_batch relies on this).
assert all(new_only(a) or new_only(b) for rel in RELS for a, b in rel.pairs)


def write_batch(
    engine: Engine, rows: GraphRows, stored: list[str], rows_per_statement: int = DEFAULT_ROWS_PER_STATEMENT
) -> None:
    """One transaction that writes the batch and replaces what its `stored` incidents said.

    Engines that `replace_by_reinsert` delete the stored incidents' nodes, insert everything
    through the bulk path and restore tool-made links; the others replace in place (delete
    what is no longer said, MERGE the rest), which is faster where MERGE is cheap.
    """
    if stored and not engine.replace_by_reinsert:
        keep = {label: [r["key"] for r in rs] for label, rs in rows.nodes.items() if NODE_BY_LABEL[label].owned}
        engine.write(
            replacement_statements(stored, keep)
            + merge_statements(engine, rows, rows_per_statement)
            + orphan_cleanup_statements()
        )
        return
    before: list[Statement] = []
    after: list[Statement] = []
    if stored:
        keys = stored_keys(engine, stored)
        saved = tool_links(engine, keys)
        before += deletion_statements(keys)
        for (rtype, src, dst), links in saved.items():
            cypher = rel_merge(engine, REL_BY_TYPE[rtype], src, dst)
            after += [(cypher, {"rows": c}) for c in _chunks(links, rows_per_statement)]
        after += orphan_cleanup_statements()
    inserts = {k: v for k, v in rows.nodes.items() if new_only(k)}
    shared = GraphRows(nodes={k: v for k, v in rows.nodes.items() if not new_only(k)})
    if engine.insert_new_shared:
        shared, fresh = _split_stored(engine, shared)
        inserts.update(fresh)  # a MERGE that finds nothing stores what an insert stores: coalesce(new, null) is new
    before += merge_statements(engine, shared, rows_per_statement)
    engine.bulk_write(before, inserts, rows.rels, after)


class StagedInserts:
    """New packets' rows held in the engine's compact form (`Engine.pack`) across read chunks, then
    written in one `bulk_write`: what `write_batch` writes for each chunk in turn, in one transaction.

    Equal to writing the chunks one after another: their packets are new incidents (a chunk with a
    stored one is not staged), so what they own and every relationship is new; shared nodes are
    deduplicated over all chunks in order, later mentions filling in what earlier ones left null, as
    each chunk's MERGE (coalesce) would have done, and stored ones MERGEd as before."""

    def __init__(self, engine: Engine, check_stored: bool) -> None:
        self.engine = engine
        self.check_stored = check_stored  # incidents were stored before: a chunk naming one goes the replace path
        self.packets = 0
        self._nodes: dict[str, Packed] = {}
        self._rels: dict[tuple[str, str, str], Packed] = {}
        self._shared = GraphRows()

    def add(self, packets: Sequence[Writable]) -> int | None:
        """Stage a chunk; the rows `write_packets` would count for it, or None (nothing staged) if a
        packet is stored already or the engine cannot pack a value (the chunk is then written alone)."""
        if self.check_stored and _any_stored(self.engine, [p.key for p in packets]):
            return None
        parts: list[tuple[TableKey, Any]] = []  # in the packets' order, as one chunk's rows would be
        shared = GraphRows()
        count = 0
        for run in _runs(packets):
            task = run[0].packed if isinstance(run[0], PacketRows) else None
            if task is None:  # read here (or by a worker that could not pack): packed here
                rows = collect_rows(run)
                for label, node_rows in rows.nodes.items():
                    if node_rows and new_only(label):
                        parts.append((label, self.engine.pack(node_rows, NODE_BY_LABEL[label].all_props)))
                for key, rel_rows in rows.rels.items():
                    if rel_rows:
                        parts.append((key, self.engine.pack(rel_rows, REL_BY_TYPE[key[0]].all_props)))
                own = GraphRows(nodes={k: v for k, v in rows.nodes.items() if new_only(k)}, rels=rows.rels)
                count += own.count()
                for label, node_rows in rows.nodes.items():
                    if not new_only(label):
                        shared.nodes[label].extend(node_rows)
                continue
            packer = importlib.import_module(task.packer)
            first, last = run[0], run[-1]
            assert isinstance(first, PacketRows) and isinstance(last, PacketRows)
            for table, part in task.parts.items():
                start, stop = task.starts[table][first.index], task.starts[table][last.index + 1]
                if stop > start:
                    parts.append((table, packer.piece(part, start, stop)))
            for p in run:
                assert isinstance(p, PacketRows)
                count += p.packed_count
                for label, node_rows in p.rows.nodes.items():
                    shared.nodes[label].extend(node_rows)
        if any(part is None for _, part in parts):
            return None
        for table, part in parts:
            if isinstance(table, str):
                self._nodes.setdefault(table, Packed()).append(part)
            else:
                self._rels.setdefault(table, Packed()).append(part)
        for label, node_rows in shared.nodes.items():
            self._shared.nodes[label].extend(node_rows)
        self.packets += len(packets)
        # Shared nodes count once per key, as deduplicated (the merge itself waits for `flush`).
        return count + sum(len(set(map(itemgetter(NODE_BY_LABEL[k].key), v))) for k, v in shared.nodes.items())

    def flush(self, rows_per_statement: int = DEFAULT_ROWS_PER_STATEMENT) -> None:
        """Write what is staged in one transaction (all or none of it) and empty the stage, also
        when the engine refuses it (then nothing of it is written)."""
        nodes, rels, shared = self._nodes, self._rels, self._shared.deduplicated()
        self._nodes, self._rels, self._shared, self.packets = {}, {}, GraphRows(), 0
        inserts: dict[str, Rows] = dict(nodes)
        stored, fresh = _split_stored(self.engine, shared) if self.engine.insert_new_shared else (shared, {})
        inserts.update(fresh)
        self.engine.bulk_write(merge_statements(self.engine, stored, rows_per_statement), inserts, rels, [])


def _runs(packets: Sequence[Writable]) -> Iterator[list[Writable]]:
    """The packets in order, in runs of consecutive ones of one reading task that packed them
    (`PackedTask`), and of ones not packed."""
    run: list[Writable] = []
    for p in packets:
        if run and not _same_run(run[-1], p):
            yield run
            run = []
        run.append(p)
    if run:
        yield run


def _same_run(before: Writable, p: Writable) -> bool:
    task = p.packed if isinstance(p, PacketRows) else None
    if task is not (before.packed if isinstance(before, PacketRows) else None):
        return False
    if task is None:
        return True
    assert isinstance(p, PacketRows) and isinstance(before, PacketRows)
    return p.index == before.index + 1


def _any_stored(engine: Engine, incidents: list[str]) -> bool:
    """Whether any of these incidents is stored: one primary-key lookup each."""
    _, found = engine.read_rows(f"{match_by_key('Incident', 'i')} RETURN i.key LIMIT 1", {"keys": incidents})
    return bool(found)


def _split_stored(engine: Engine, shared: GraphRows) -> tuple[GraphRows, dict[str, list[Row]]]:
    """Shared-node rows whose key is stored (to MERGE, keeping stored values where a row has
    none) and those whose key is not (to insert in bulk), per label."""
    stored_rows = GraphRows()
    fresh: dict[str, list[Row]] = {}
    for label, rows in shared.nodes.items():
        if not rows:
            continue
        key = NODE_BY_LABEL[label].key
        _, found = engine.read_rows(
            f"UNWIND $keys AS k MATCH (n:{label} {{{key}: k}}) RETURN n.{key}", {"keys": [r[key] for r in rows]}
        )
        stored = {k for (k,) in found}
        stored_rows.nodes[label] = [r for r in rows if r[key] in stored]
        fresh[label] = [r for r in rows if r[key] not in stored]
    return stored_rows, fresh


class PacketsNotWritten(EngineError):
    """The engine refused these packets (the others of their batches were written)."""

    def __init__(self, refused: list[tuple[Writable, EngineError]]) -> None:
        self.refused = refused
        super().__init__("; ".join(f"{p.key}: {first_line(e)}" for p, e in refused))


def first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


OnRefused = Callable[[Writable, EngineError], Any]


def _stored_now(engine: Engine, keys: list[str]) -> set[str]:
    df = engine.read("UNWIND $keys AS k MATCH (i:Incident {key: k}) RETURN i.key AS key", {"keys": keys})
    return set(df["key"])


def _write_rows(engine: Engine, rows: GraphRows, stored: set[str], rows_per_statement: int) -> None:
    try:
        write_batch(engine, rows, [k for k in rows.incidents if k in stored], rows_per_statement)
    except EngineConflict:
        # Another writer stored some of these incidents since we looked: replace them instead.
        stored.update(_stored_now(engine, rows.incidents))
        write_batch(engine, rows, [k for k in rows.incidents if k in stored], rows_per_statement)


def _write_isolating(
    engine: Engine,
    batch: list[Writable],
    stored: set[str],
    rows_per_statement: int,
    refused: list[tuple[Writable, EngineError]],
) -> int:
    """Write the batch; if the engine refuses it, bisect down to the packets it refuses."""
    rows = collect_rows(batch)
    try:
        _write_rows(engine, rows, stored, rows_per_statement)
    except EngineUnavailable:
        raise  # nothing can be written: splitting would only repeat the error
    except EngineError as exc:
        if len(batch) == 1:
            refused.append((batch[0], exc))
            return 0
        mid = len(batch) // 2
        return _write_isolating(engine, batch[:mid], stored, rows_per_statement, refused) + _write_isolating(
            engine, batch[mid:], stored, rows_per_statement, refused
        )
    stored.update(rows.incidents)  # a packet repeated in a later batch replaces, not duplicates
    return rows.count()


def write_packets(
    engine: Engine,
    packets: Iterable[Writable],
    *,
    rows_per_statement: int = DEFAULT_ROWS_PER_STATEMENT,
    on_batch: Callable[[int], Any] | None = None,
    on_refused: OnRefused | None = None,
) -> int:
    """Write packets in batches of the engine's bulk size; returns the number of rows written.

    Packets the engine refuses go to `on_refused` with its error; without it, they raise
    PacketsNotWritten once everything else is written."""
    stored = set(engine.read("MATCH (i:Incident) RETURN i.key AS key")["key"])
    total = 0
    refused: list[tuple[Writable, EngineError]] = []
    it = iter(packets)
    # The engine's batch may grow with the graph (each of Ladybug's transactions copies the file).
    while batch := list(islice(it, engine.packets_per_transaction(len(stored)))):
        total += _write_isolating(engine, batch, stored, rows_per_statement, refused)
        if on_batch:
            on_batch(len(batch))
    if refused and on_refused is None:
        raise PacketsNotWritten(refused)
    for packet, error in refused:
        assert on_refused is not None
        on_refused(packet, error)
    return total
