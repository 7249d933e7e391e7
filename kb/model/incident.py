"""The factual half of an Event Packet: what happened, who responded, who was hurt."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator

from kb.model.common import LocalId, NonEmpty, Strict, UtcDatetime


class EventKind(StrEnum):
    TRIGGER = "trigger"
    DETECTION = "detection"
    DIAGNOSIS = "diagnosis"
    REPAIR = "repair"
    DECISION = "decision"
    COMMUNICATION = "communication"
    KEY_MOMENT = "key_moment"


class Role(StrEnum):
    RESPONDER = "responder"
    INCIDENT_LEAD = "incident_lead"
    FACILITATOR = "facilitator"
    PROVOCATEUR = "provocateur"
    OWNER = "owner"
    STAKEHOLDER = "stakeholder"


class Provenance(Strict):
    """Where a packet came from; imported packets stay unreviewed until a person signs off."""

    source: str = "manual"  # manual | markdown | pagerduty | demo | ...
    file: str | None = None
    imported: bool = False
    reviewed: bool = True
    notes: list[str] = Field(default_factory=list)


class IncidentMeta(Strict):
    id: LocalId
    title: NonEmpty
    severity: int | None = Field(default=None, ge=1, le=5,
                                 description="1 is the most severe (SEV1); None: unknown (not stated)")
    services: list[NonEmpty] = Field(default_factory=list)
    teams: list[NonEmpty] = Field(default_factory=list)
    started_at: UtcDatetime
    detected_at: UtcDatetime | None = None
    acknowledged_at: UtcDatetime | None = None
    mitigated_at: UtcDatetime | None = None
    resolved_at: UtcDatetime | None = None
    customer_impact: str | None = None
    revenue_impact: float | None = Field(default=None, ge=0, description="money at stake")
    customers_affected: int | None = Field(default=None, ge=0)
    summary: str | None = None
    tags: list[NonEmpty] = Field(default_factory=list)
    compiled_at: UtcDatetime | None = Field(
        default=None, description="when the packet was compiled (for the review SLA)"
    )

    @field_validator("severity", mode="before")
    @classmethod
    def _sev_label(cls, value: object) -> object:
        # Accept "SEV2" / "sev2" as well as 2: both spellings are common.
        if isinstance(value, str) and value.upper().startswith("SEV"):
            return value[3:]
        return value


class TimelineEvent(Strict):
    id: LocalId | None = None
    at: UtcDatetime
    kind: EventKind
    text: NonEmpty
    source: str | None = None


class MetricPoint(Strict):
    at: UtcDatetime
    value: float


class MetricSnapshot(Strict):
    name: NonEmpty
    unit: str | None = None
    points: list[MetricPoint] = Field(default_factory=list)
    link: str | None = None


class LogSnippet(Strict):
    source: NonEmpty
    text: NonEmpty
    at: UtcDatetime | None = None
    level: str | None = None


class Participant(Strict):
    handle: NonEmpty
    role: Role
    team: str | None = None


class DecisionPoint(Strict):
    id: LocalId | None = None
    at: UtcDatetime
    decision: NonEmpty
    rationale: str | None = None
    alternatives: list[str] = Field(default_factory=list)
    made_by: str | None = None


class StakeholderImpact(Strict):
    stakeholder: NonEmpty
    statement: NonEmpty
    customers_affected: int | None = Field(default=None, ge=0)
    revenue_impact: float | None = Field(default=None, ge=0)
