"""Pydantic models of the Event Packet. No I/O here.

The models load on first use (module __getattr__): kb.model.schema, which every engine and
`kb stats` need, comes without pydantic and the packet models behind it.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kb.model.analysis import (
        IMPACT,
        STATED_AS_CAUSES,
        Analysis,
        BarrierAssessment,
        BarrierKind,
        Category,
        DocumentPart,
        Factor,
        Finding,
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
    from kb.model.statuses import AGREED_STATUSES, DEFEATED_STATUSES, BarrierStatus, FindingStatus

__all__ = [
    "AGREED_STATUSES",
    "DEFEATED_STATUSES",
    "IMPACT",
    "SCHEMA_VERSION",
    "STATED_AS_CAUSES",
    "Analysis",
    "BarrierAssessment",
    "BarrierKind",
    "BarrierStatus",
    "Category",
    "DecisionPoint",
    "DocumentPart",
    "EventKind",
    "EventPacket",
    "Factor",
    "Finding",
    "FindingStatus",
    "IncidentMeta",
    "Influence",
    "LogSnippet",
    "Method",
    "MetricPoint",
    "MetricSnapshot",
    "OkrProposal",
    "Participant",
    "Provenance",
    "RelatedCheck",
    "RoadmapLink",
    "Role",
    "StakeholderImpact",
    "TimelineEvent",
    "UtcDatetime",
    "WorkItem",
    "slugify",
]

# name -> the module that defines it; imported when the name is first asked for.
_LAZY: dict[str, str] = {
    "AGREED_STATUSES": "kb.model.statuses",
    "DEFEATED_STATUSES": "kb.model.statuses",
    "IMPACT": "kb.model.analysis",
    "STATED_AS_CAUSES": "kb.model.analysis",
    "DocumentPart": "kb.model.analysis",
    "Analysis": "kb.model.analysis",
    "BarrierAssessment": "kb.model.analysis",
    "BarrierKind": "kb.model.analysis",
    "BarrierStatus": "kb.model.statuses",
    "Category": "kb.model.analysis",
    "Factor": "kb.model.analysis",
    "Finding": "kb.model.analysis",
    "FindingStatus": "kb.model.statuses",
    "Influence": "kb.model.analysis",
    "Method": "kb.model.analysis",
    "OkrProposal": "kb.model.analysis",
    "RelatedCheck": "kb.model.analysis",
    "RoadmapLink": "kb.model.analysis",
    "WorkItem": "kb.model.analysis",
    "UtcDatetime": "kb.model.common",
    "slugify": "kb.model.common",
    "DecisionPoint": "kb.model.incident",
    "EventKind": "kb.model.incident",
    "IncidentMeta": "kb.model.incident",
    "LogSnippet": "kb.model.incident",
    "MetricPoint": "kb.model.incident",
    "MetricSnapshot": "kb.model.incident",
    "Participant": "kb.model.incident",
    "Provenance": "kb.model.incident",
    "Role": "kb.model.incident",
    "StakeholderImpact": "kb.model.incident",
    "TimelineEvent": "kb.model.incident",
    "SCHEMA_VERSION": "kb.model.packet",
    "EventPacket": "kb.model.packet",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later lookups skip __getattr__
        return value
    raise AttributeError(f"module 'kb.model' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
