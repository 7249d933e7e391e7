"""Packet -> rows: the flat node and relationship records that the writer batches."""

from __future__ import annotations

import hashlib
import importlib
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from operator import itemgetter
from typing import TYPE_CHECKING, Any, TypeAlias

from kb.model.schema import NODE_BY_LABEL, PACKET_ORIGIN, REL_BY_TYPE

if TYPE_CHECKING:  # the writer (and so opening a knowledge base) need not load the pydantic models
    from kb.model import EventPacket, TimelineEvent

Row = dict[str, Any]

# Property names per label and relationship type, in schema order: spec.all_props builds a
# new dict on each call, and a packet makes ~75 rows.
_NODE_PROPS = {label: tuple(spec.all_props) for label, spec in NODE_BY_LABEL.items()}
_REL_PROPS = {rtype: (tuple(spec.all_props), spec.enriched) for rtype, spec in REL_BY_TYPE.items()}
# A row starts as a copy of its template (every property null, in schema order) updated with
# what the packet says: twice as fast as looking up each name, and a reader builds ~90 a file.
_NODE_TEMPLATE = {label: dict.fromkeys(names) for label, names in _NODE_PROPS.items()}
_REL_TEMPLATE = {
    rtype: {"src": None, "dst": None, **dict.fromkeys(names), **({"origin": PACKET_ORIGIN} if enriched else {})}
    for rtype, (names, enriched) in _REL_PROPS.items()
}


@dataclass
class GraphRows:
    """Nodes per label and relationships per (type, from label, to label)."""

    nodes: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    rels: dict[tuple[str, str, str], list[Row]] = field(default_factory=lambda: defaultdict(list))
    incidents: list[str] = field(default_factory=list)

    def node(self, label: str, **props: Any) -> None:
        """A node row: every property of the label, in schema order, null where not given
        (only the label's properties: test_rows checks that no caller passes another)."""
        row = _NODE_TEMPLATE[label].copy()
        row.update(props)
        self.nodes[label].append(row)

    def rel(self, rtype: str, src: tuple[str, str], dst: tuple[str, str], **props: Any) -> None:
        row = _REL_TEMPLATE[rtype].copy()
        row["src"] = src[1]
        row["dst"] = dst[1]
        if props:
            row.update(props)
        self.rels[(rtype, src[0], dst[0])].append(row)

    def extend(self, other: GraphRows) -> None:
        for label, rows in other.nodes.items():
            self.nodes[label].extend(rows)
        for key, rows in other.rels.items():
            self.rels[key].extend(rows)
        self.incidents.extend(other.incidents)

    def count(self) -> int:
        return sum(map(len, self.nodes.values())) + sum(map(len, self.rels.values()))

    def deduplicated(self) -> GraphRows:
        """Shared nodes (services, themes...) appear once per packet; write each once."""
        out = GraphRows(incidents=list(self.incidents))
        for label, rows in self.nodes.items():
            key = NODE_BY_LABEL[label].key
            if len(set(map(itemgetter(key), rows))) == len(rows):  # no key twice (most labels): kept as they are
                out.nodes[label] = list(rows)
                continue
            merged: dict[Any, Row] = {}
            copied: set[Any] = set()
            for r in rows:
                prev = merged.get(r[key])
                if prev is None:  # most rows: kept as they are (copying each was most of this step)
                    merged[r[key]] = r
                    continue
                if r[key] not in copied:  # filled in below: a copy, so the packet's own rows stay as read
                    merged[r[key]] = prev = dict(prev)
                    copied.add(r[key])
                # Later mentions fill in what earlier ones left null, never erase.
                prev.update({k: v for k, v in r.items() if v is not None})
            out.nodes[label] = list(merged.values())
        for rkey, rows in self.rels.items():
            # Parallel edges that the schema tells apart (a person's two roles) stay two.
            identity = itemgetter("src", "dst", *REL_BY_TYPE[rkey[0]].identity)
            out.rels[rkey] = list(dict(zip(map(identity, rows), rows, strict=True)).values())
        return out


def new_only(label: str) -> bool:
    """Incidents and the nodes they own: never stored before their packet's write (a stored one is
    deleted first), so always inserted fresh; every relationship touches one (the writer relies on it)."""
    return label == "Incident" or NODE_BY_LABEL[label].owned


TableKey: TypeAlias = "str | tuple[str, str, str]"
"""A node label, or a relationship's (type, from label, to label)."""


@dataclass
class PackedTask:
    """The new-only rows (`new_only` nodes and every relationship) of a reading task's accepted packets,
    packed by the engine's packer module (`Engine.packer`: `pack`, `piece`, `unpack`): one part per
    table, in the packets' order; packet i's rows of table t are rows starts[t][i] to starts[t][i + 1]."""

    packer: str
    parts: dict[TableKey, Any]
    starts: dict[TableKey, list[int]]

    def __getstate__(self) -> dict[str, Any]:
        # The parts cross to the writing process in the packer's own bytes (`to_bytes`, `from_bytes`).
        module = importlib.import_module(self.packer)
        return {**self.__dict__, "parts": {table: module.to_bytes(part) for table, part in self.parts.items()}}

    def __setstate__(self, state: dict[str, Any]) -> None:
        module = importlib.import_module(state["packer"])
        self.__dict__.update(state, parts={table: module.from_bytes(data) for table, data in state["parts"].items()})


@dataclass
class PacketRows:
    """A packet already turned into rows (by a reader process): all the writer needs of it.
    Rows cross a process boundary far cheaper than the pydantic packet they come from."""

    key: str
    rows: GraphRows
    """Its rows; only its shared nodes where `packed` holds the rest."""
    packed: PackedTask | None = None
    index: int = 0
    """Its place among the packets of `packed`."""
    packed_count: int = 0
    """How many rows of it `packed` holds."""

    def all_rows(self) -> GraphRows:
        """Every row of it, unpacked where a reading process packed them (timestamps then naive UTC,
        as the engine that packed them binds an aware one)."""
        task = self.packed
        if task is None:
            return self.rows
        packer = importlib.import_module(task.packer)
        out = GraphRows(incidents=list(self.rows.incidents))
        for table, part in task.parts.items():
            start, stop = task.starts[table][self.index], task.starts[table][self.index + 1]
            if stop > start:
                rows = packer.unpack(packer.piece(part, start, stop))
                if isinstance(table, str):
                    out.nodes[table] = rows
                else:
                    out.rels[table] = rows
        for label, rows in self.rows.nodes.items():
            out.nodes[label] = rows
        return out


def pack_task(packets: Sequence[PacketRows], packer: str) -> None:
    """Pack the new-only rows of a reading task's accepted packets in place (`PackedTask`), each
    packet's deduplicated as the writer would (no other packet has a row of these tables with its
    keys: they start with its incident's id); left as they are if a table does not pack."""
    module = importlib.import_module(packer)
    tables: dict[TableKey, list[Row]] = {}
    counts: list[dict[TableKey, int]] = []
    own_counts: list[int] = []
    for p in packets:
        own = GraphRows(nodes={k: v for k, v in p.rows.nodes.items() if new_only(k)}, rels=p.rows.rels).deduplicated()
        mine: dict[TableKey, int] = {}
        for label, rows in own.nodes.items():
            tables.setdefault(label, []).extend(rows)
            mine[label] = len(rows)
        for rkey, rows in own.rels.items():
            tables.setdefault(rkey, []).extend(rows)
            mine[rkey] = len(rows)
        counts.append(mine)
        own_counts.append(own.count())
    parts: dict[TableKey, Any] = {}
    for table, rows in tables.items():
        if not rows:
            continue
        kinds = NODE_BY_LABEL[table].all_props if isinstance(table, str) else REL_BY_TYPE[table[0]].all_props
        part = module.pack(rows, kinds)
        if part is None:
            return
        parts[table] = part
    starts = {table: list(accumulate((c.get(table, 0) for c in counts), initial=0)) for table in parts}
    task = PackedTask(packer, parts, starts)
    for i, p in enumerate(packets):
        shared = {k: v for k, v in p.rows.nodes.items() if not new_only(k)}
        p.rows = GraphRows(nodes=defaultdict(list, shared), incidents=p.rows.incidents)
        p.packed, p.index, p.packed_count = task, i, own_counts[i]


def event_key(incident: str, event: TimelineEvent, occurrence: int = 1) -> str:
    """Stable key: the event's own id, else a digest of what it says, so merging the
    same event from two sources (a packet and a PagerDuty log) does not duplicate it.
    The same event written twice in one packet is kept twice: its second key ends in -2."""
    if event.id:
        return f"{incident}/ev/{event.id}"
    digest = hashlib.sha1(f"{event.at.isoformat()}|{event.kind}|{event.text}".encode()).hexdigest()[:12]
    return f"{incident}/ev/{digest}" + (f"-{occurrence}" if occurrence > 1 else "")


def packet_rows(packet: EventPacket) -> GraphRows:
    inc = packet.incident
    k = inc.id
    g = GraphRows(incidents=[k])
    me = ("Incident", k)
    g.node(
        "Incident",
        key=k,
        title=inc.title,
        severity=inc.severity,
        started_at=inc.started_at,
        detected_at=inc.detected_at,
        acknowledged_at=inc.acknowledged_at,
        mitigated_at=inc.mitigated_at,
        resolved_at=inc.resolved_at,
        customer_impact=inc.customer_impact,
        revenue_impact=inc.revenue_impact,
        customers_affected=inc.customers_affected,
        responder_hours=inc.responder_hours,
        summary=inc.summary,
        tags=list(inc.tags),
        compiled_at=inc.compiled_at,
        owner=inc.owner,
        compile_by=inc.compile_by,
        source=packet.provenance.source,
        source_file=packet.provenance.file,
        imported=packet.provenance.imported,
        reviewed=packet.provenance.reviewed,
    )
    for name in inc.services:
        g.node("Service", name=name)
        g.rel("AFFECTED", me, ("Service", name))
    for name in inc.teams:
        g.node("Team", name=name)
        g.rel("INVOLVED", me, ("Team", name))
    seen: Counter[str] = Counter()
    for ev in packet.timeline:
        key = event_key(k, ev)
        seen[key] += 1
        if seen[key] > 1:  # the same event again: its key is told apart (only keys from a digest)
            key = event_key(k, ev, seen[key])
        g.node("TimelineEvent", key=key, incident_key=k, at=ev.at, kind=ev.kind.value, text=ev.text, source=ev.source)
        g.rel("HAS_EVENT", me, ("TimelineEvent", key))
    for i, m in enumerate(packet.metrics):
        key = f"{k}/metric/{i}"
        points = json.dumps([{"at": p.at.isoformat(), "value": p.value} for p in m.points])
        g.node("MetricSnapshot", key=key, incident_key=k, name=m.name, unit=m.unit, link=m.link, points=points)
        g.rel("HAS_METRIC", me, ("MetricSnapshot", key))
    for i, log in enumerate(packet.logs):
        key = f"{k}/log/{i}"
        g.node("LogSnippet", key=key, incident_key=k, at=log.at, source=log.source, level=log.level, text=log.text)
        g.rel("HAS_LOG", me, ("LogSnippet", key))
    named = {d.id for d in packet.decisions if d.id}
    for i, d in enumerate(packet.decisions):
        local = d.id or str(i)
        while not d.id and local in named:  # a decision without an id never takes another's key
            local += "_"
        key = f"{k}/decision/{local}"
        g.node(
            "Decision",
            key=key,
            incident_key=k,
            at=d.at,
            decision=d.decision,
            rationale=d.rationale,
            alternatives=list(d.alternatives),
            made_by=d.made_by,
        )
        g.rel("HAS_DECISION", me, ("Decision", key))
    for i, imp in enumerate(packet.impacts):
        key = f"{k}/impact/{i}"
        g.node(
            "Impact",
            key=key,
            incident_key=k,
            stakeholder=imp.stakeholder,
            statement=imp.statement,
            customers_affected=imp.customers_affected,
            revenue_impact=imp.revenue_impact,
        )
        g.rel("HAD_IMPACT", me, ("Impact", key))
    for p in packet.participants:
        g.node("Person", handle=p.handle)
        g.rel("PARTICIPATED", ("Person", p.handle), me, role=p.role.value, team=p.team)
    for a in packet.analyses:
        _analysis_rows(g, packet, a)
    findings = {f.id for a in packet.analyses for f in a.findings}
    for item in packet.roadmap:
        g.node("RoadmapItem", key=item.key, title=item.title, quarter=item.quarter)
        for fid in item.findings:
            if fid in findings:
                g.rel("MOTIVATED_BY", ("RoadmapItem", item.key), ("Finding", f"{k}/finding/{fid}"))
    return g


def _analysis_rows(g: GraphRows, packet: EventPacket, a: Any) -> None:
    from kb.model import IMPACT  # loaded already: the packet in hand is one of the models

    k = packet.incident.id
    akey = f"{k}/analysis/{a.id}"
    rc = a.related_check
    g.node(
        "Analysis",
        key=akey,
        incident_key=k,
        method=a.method.value,
        facilitator=a.facilitator,
        published_at=a.published_at,
        validated_at=a.validated_at,
        related_checked_at=rc.checked_at if rc else None,
        related_note=rc.note if rc else None,
        related=list(rc.related) if rc else [],
    )
    g.rel("ANALYZED_IN", ("Incident", k), ("Analysis", akey))

    def fkey(local: str) -> tuple[str, str]:
        return ("Factor", f"{k}/factor/{local}")

    for f in a.factors:
        g.node(
            "Factor",
            key=fkey(f.id)[1],
            incident_key=k,
            local_id=f.id,
            analysis_key=akey,
            statement=f.statement,
            category=f.category.value,
            category_guessed=f.category_guessed,
            read_from=f.read_from.value if f.read_from else None,
        )
        g.rel("IDENTIFIED", ("Analysis", akey), fkey(f.id))
        for slug in f.themes:
            g.node("Theme", slug=slug)
            g.rel("INSTANCE_OF", fkey(f.id), ("Theme", slug), confidence=1.0)
    for inf in a.influences:
        if inf.target == IMPACT:
            g.rel("CONTRIBUTED_TO_IMPACT", fkey(inf.source), ("Incident", k))
        else:
            g.rel("CONTRIBUTED_TO", fkey(inf.source), fkey(inf.target))
    for b in a.barriers:
        g.node("Barrier", slug=b.barrier, name=b.name, kind=b.kind.value if b.kind else None)
        g.rel(
            "CHALLENGED", ("Incident", k), ("Barrier", b.barrier), status=b.status.value, analysis_key=akey, note=b.note
        )
        for fid in b.defeated_by:
            g.rel("DEFEATED", fkey(fid), ("Barrier", b.barrier))
    for fnd in a.findings:
        nkey = f"{k}/finding/{fnd.id}"
        me = ("Finding", nkey)
        g.node(
            "Finding",
            key=nkey,
            incident_key=k,
            local_id=fnd.id,
            analysis_key=akey,
            statement=fnd.statement,
            owner=fnd.owner,
            tags=list(fnd.tags),
            impact=fnd.impact,
            effort=fnd.effort,
            status=fnd.status.value,
            deferred_reason=fnd.deferred_reason,
            due_at=fnd.due_at,
        )
        g.rel("PRODUCED", ("Analysis", akey), me)
        for ref in fnd.addresses:
            kind, _, rest = ref.partition(":")
            if kind == "theme" and rest:
                g.node("Theme", slug=rest)
                g.rel("ADDRESSES", me, ("Theme", rest))
            elif kind == "barrier" and rest:
                g.node("Barrier", slug=rest)
                g.rel("ADDRESSES", me, ("Barrier", rest))
            else:
                g.rel("ADDRESSES", me, fkey(ref))
        for i, w in enumerate(fnd.work_items):
            wkey = f"{w.system}:{w.external_id}" if w.external_id else f"{nkey}/work/{i}"
            g.node(
                "WorkItem",
                key=wkey,
                system=w.system,
                external_id=w.external_id,
                title=w.title,
                url=w.url,
                status=w.status,
                created_at=w.created_at,
                closed_at=w.closed_at,
                due_at=w.due_at,
                origin=PACKET_ORIGIN,
            )
            g.rel("TRACKED_BY", me, ("WorkItem", wkey))
        for o in fnd.okrs:
            okey = f"{k}/okr/{o.id}"
            g.node(
                "Objective",
                key=okey,
                objective=o.objective,
                key_results=list(o.key_results),
                quarter=o.quarter,
                status="proposed",
                origin=PACKET_ORIGIN,
            )
            g.rel("PROPOSED_AS", me, ("Objective", okey))
