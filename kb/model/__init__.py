"""Pydantic models of the Event Packet. No I/O here."""

from kb.model.analysis import (
    AGREED_STATUSES,
    DEFEATED_STATUSES,
    IMPACT,
    Analysis,
    BarrierAssessment,
    BarrierKind,
    BarrierStatus,
    Category,
    Factor,
    Finding,
    FindingStatus,
    Influence,
    Method,
    OkrProposal,
    RelatedCheck,
    RoadmapLink,
    WorkItem,
)
from kb.model.common import UtcDatetime, slugify
from kb.model.incident import (
    DecisionPoint,
    EventKind,
    IncidentMeta,
    LogSnippet,
    MetricPoint,
    MetricSnapshot,
    Participant,
    Provenance,
    Role,
    StakeholderImpact,
    TimelineEvent,
)
from kb.model.packet import SCHEMA_VERSION, EventPacket

__all__ = [
    "AGREED_STATUSES", "DEFEATED_STATUSES",
    "IMPACT", "SCHEMA_VERSION", "Analysis", "BarrierAssessment", "BarrierKind", "BarrierStatus",
    "Category", "DecisionPoint", "EventKind", "EventPacket", "Factor", "Finding", "FindingStatus",
    "IncidentMeta", "Influence", "LogSnippet", "Method", "MetricPoint", "MetricSnapshot", "OkrProposal",
    "Participant", "Provenance", "RelatedCheck", "RoadmapLink", "Role", "StakeholderImpact",
    "TimelineEvent", "UtcDatetime", "WorkItem", "slugify",
]
