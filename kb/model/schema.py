"""The one definition of the graph: labels, key properties, property kinds, relationships.

Both engines' DDL is generated from this, and so are the batched write statements.
The schema says what a property is (a PropKind); each engine in kb/engines says how
it spells that kind (Ladybug declares every property typed, e.g. INT64 or STRING[];
Neo4j gets uniqueness constraints and indexes from the same lists). No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class PropKind(StrEnum):
    """What a property holds; not how an engine spells it (that is in kb/engines)."""

    STRING = "string"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    TIMESTAMP = "timestamp"
    STRING_LIST = "string_list"


PropType = PropKind
"""The former name, kept for code written against it."""

# Short names keep the schema tables below readable.
S, I, F, B, T, SL = (  # noqa: E741
    PropKind.STRING,
    PropKind.INT,
    PropKind.FLOAT,
    PropKind.BOOL,
    PropKind.TIMESTAMP,
    PropKind.STRING_LIST,
)


@dataclass(frozen=True)
class NodeSpec:
    label: str
    key: str
    props: dict[str, PropKind]
    owned: bool = False
    """Owned nodes belong to one incident (property incident_key) and are replaced with its packet."""
    indexed: tuple[str, ...] = ()

    @property
    def all_props(self) -> dict[str, PropKind]:
        extra = {"incident_key": S} if self.owned else {}
        return {self.key: S, **extra, **self.props}


@dataclass(frozen=True)
class RelSpec:
    type: str
    pairs: tuple[tuple[str, str], ...]
    props: dict[str, PropKind] = field(default_factory=dict)
    identity: tuple[str, ...] = ()
    """Properties that tell parallel edges between the same two nodes apart (MERGEd on)."""
    enriched: bool = False
    """Enriched relationships are also written by tools (theme acceptance, Jira push,
    similarity checks); they carry `origin` so a re-ingested packet replaces only its own."""

    @property
    def all_props(self) -> dict[str, PropKind]:
        return {**self.props, "origin": S} if self.enriched else dict(self.props)


NODES: tuple[NodeSpec, ...] = (
    NodeSpec(
        "Incident",
        "key",
        {
            "title": S,
            "severity": I,
            "started_at": T,
            "detected_at": T,
            "acknowledged_at": T,
            "mitigated_at": T,
            "resolved_at": T,
            "customer_impact": S,
            "revenue_impact": F,
            "customers_affected": I,
            "summary": S,
            "tags": SL,
            "compiled_at": T,
            "source": S,
            "responder_hours": F,
            "source_file": S,
            "imported": B,
            "reviewed": B,
            # Added later: at the end, where ALTER TABLE puts them in an older Ladybug database.
            "owner": S,
            "compile_by": T,
        },
        indexed=("started_at",),
    ),
    NodeSpec("Service", "name", {}),
    NodeSpec("Team", "name", {}),
    NodeSpec("Person", "handle", {}),
    NodeSpec("TimelineEvent", "key", {"at": T, "kind": S, "text": S, "source": S}, owned=True),
    NodeSpec("MetricSnapshot", "key", {"name": S, "unit": S, "link": S, "points": S}, owned=True),
    NodeSpec("LogSnippet", "key", {"at": T, "source": S, "level": S, "text": S}, owned=True),
    NodeSpec(
        "Decision",
        "key",
        {
            "at": T,
            "decision": S,
            "rationale": S,
            "alternatives": SL,
            "made_by": S,
        },
        owned=True,
    ),
    NodeSpec(
        "Impact",
        "key",
        {
            "stakeholder": S,
            "statement": S,
            "customers_affected": I,
            "revenue_impact": F,
        },
        owned=True,
    ),
    NodeSpec(
        "Analysis",
        "key",
        {
            "method": S,
            "facilitator": S,
            "published_at": T,
            "validated_at": T,
            "related_checked_at": T,
            "related_note": S,
            "related": SL,
        },
        owned=True,
    ),
    NodeSpec(
        "Factor",
        "key",
        {
            "local_id": S,
            "analysis_key": S,
            "statement": S,
            "category": S,
            "category_guessed": B,
            "read_from": S,
        },
        owned=True,
    ),
    NodeSpec("Component", "name", {"kind": S}),
    NodeSpec("Theme", "slug", {"name": S, "description": S}),
    NodeSpec("Barrier", "slug", {"name": S, "kind": S}),
    NodeSpec(
        "Finding",
        "key",
        {
            "local_id": S,
            "analysis_key": S,
            "statement": S,
            "owner": S,
            "tags": SL,
            "impact": I,
            "effort": I,
            "status": S,
            "deferred_reason": S,
            "due_at": T,
        },
        owned=True,
    ),
    # Work items and objectives are shared: a Jira push or an OKR draft may create
    # them outside any packet. Packet-made ones (origin "packet") that no finding
    # links to any more are removed after a re-ingest.
    NodeSpec(
        "WorkItem",
        "key",
        {
            "system": S,
            "external_id": S,
            "title": S,
            "url": S,
            "status": S,
            "created_at": T,
            "closed_at": T,
            "resolution": S,
            "origin": S,
            "due_at": T,
        },
    ),
    NodeSpec(
        "Objective",
        "key",
        {
            "objective": S,
            "key_results": SL,
            "quarter": S,
            "status": S,
            "origin": S,
        },
    ),
    NodeSpec("RoadmapItem", "key", {"title": S, "quarter": S, "status": S}),
)

RELS: tuple[RelSpec, ...] = (
    RelSpec("AFFECTED", (("Incident", "Service"),)),
    RelSpec("INVOLVED", (("Incident", "Team"),)),
    RelSpec("HAS_EVENT", (("Incident", "TimelineEvent"),)),
    RelSpec("HAS_METRIC", (("Incident", "MetricSnapshot"),)),
    RelSpec("HAS_LOG", (("Incident", "LogSnippet"),)),
    RelSpec("HAS_DECISION", (("Incident", "Decision"),)),
    RelSpec("HAD_IMPACT", (("Incident", "Impact"),)),
    RelSpec("PARTICIPATED", (("Person", "Incident"),), {"role": S, "team": S}, identity=("role",)),
    RelSpec("ANALYZED_IN", (("Incident", "Analysis"),)),
    RelSpec("IDENTIFIED", (("Analysis", "Factor"),)),
    RelSpec("CONTRIBUTED_TO", (("Factor", "Factor"),)),
    RelSpec("CONTRIBUTED_TO_IMPACT", (("Factor", "Incident"),)),
    RelSpec("INSTANCE_OF", (("Factor", "Theme"),), {"confidence": F}, enriched=True),
    RelSpec(
        "CHALLENGED",
        (("Incident", "Barrier"),),
        {"status": S, "analysis_key": S, "note": S},
        identity=("analysis_key",),
    ),
    RelSpec("DEFEATED", (("Factor", "Barrier"),)),
    RelSpec("PRODUCED", (("Analysis", "Finding"),)),
    RelSpec("ADDRESSES", (("Finding", "Factor"), ("Finding", "Theme"), ("Finding", "Barrier"))),
    RelSpec("TRACKED_BY", (("Finding", "WorkItem"),), enriched=True),
    RelSpec("PROPOSED_AS", (("Finding", "Objective"),), enriched=True),
    RelSpec("MOTIVATED_BY", (("RoadmapItem", "Finding"),), enriched=True),
    RelSpec("RELATED_TO", (("Incident", "Incident"),), {"score": F, "basis": S}, enriched=True),
    # Services and components (technologies, learned corpus terms) found in an incident's text
    # by kb.analysis.entities: tool-made (origin "text"), with the words that matched.
    RelSpec(
        "MENTIONS", (("Incident", "Service"), ("Incident", "Component")), {"evidence": S, "learned": B}, enriched=True
    ),
)

NODE_BY_LABEL: dict[str, NodeSpec] = {n.label: n for n in NODES}
REL_BY_TYPE: dict[str, RelSpec] = {r.type: r for r in RELS}
PACKET_ORIGIN = "packet"
