"""The factual half of an Event Packet: what happened, who responded, who was hurt."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from kb.model.common import Flag, Int64, LocalId, NonEmpty, Real, Strict, UtcDatetime
from kb.model.documents import brief


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
    imported: Flag = False
    reviewed: Flag = True
    notes: list[str] = Field(default_factory=list)


class IncidentMeta(Strict):
    id: LocalId
    title: NonEmpty
    severity: int | None = Field(
        default=None, ge=1, le=5, description="1 is the most severe (SEV1); None: unknown (not stated)"
    )
    services: list[NonEmpty] = Field(default_factory=list)
    teams: list[NonEmpty] = Field(default_factory=list)
    started_at: UtcDatetime
    detected_at: UtcDatetime | None = None
    acknowledged_at: UtcDatetime | None = None
    mitigated_at: UtcDatetime | None = None
    resolved_at: UtcDatetime | None = None
    customer_impact: str | None = None
    revenue_impact: Real | None = Field(default=None, ge=0, description="money at stake")
    customers_affected: Int64 | None = Field(default=None, ge=0)
    responder_hours: Real | None = Field(
        default=None, ge=0, description="person-hours spent responding, if stated (else estimated)"
    )
    summary: str | None = None
    tags: list[NonEmpty] = Field(default_factory=list)
    compiled_at: UtcDatetime | None = Field(
        default=None, description="when the packet was compiled (for the review SLA)"
    )
    owner: NonEmpty | None = Field(default=None, description="who compiles the packet (kb new --owner)")
    compile_by: UtcDatetime | None = Field(
        default=None, description="when the packet is due: the SLA of kb.toml [packets] from its scaffolding"
    )

    @field_validator("severity", mode="before")
    @classmethod
    def _sev_label(cls, value: object) -> object:
        # Accept "SEV2" / "sev2" as well as 2: both spellings are common. Nothing else is
        # read as a number (true is not SEV1, "2" and 2.0 are not 2).
        if isinstance(value, str) and value[:3].upper() == "SEV" and value[3:].isascii() and value[3:].isdigit():
            return int(value[3:])
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        raise ValueError(f"an integer 1-5 or SEV1..SEV5 (got {brief(value)})")

    @model_validator(mode="after")
    def _anchors_in_order(self) -> IncidentMeta:
        return check_anchor_order(self)


_AFTER_START = ("detected_at", "acknowledged_at", "mitigated_at", "resolved_at")


def check_anchor_order(meta: IncidentMeta) -> IncidentMeta:
    """No anchor before started_at, and resolved_at not before mitigated_at. Detection may come
    after mitigation (a problem that healed itself), so that pair is not ordered."""
    for name in _AFTER_START:
        value = getattr(meta, name)
        if value is not None and value < meta.started_at:
            raise ValueError(f"{name} ({value.isoformat()}) is before started_at ({meta.started_at.isoformat()})")
    if meta.mitigated_at and meta.resolved_at and meta.resolved_at < meta.mitigated_at:
        raise ValueError(
            f"resolved_at ({meta.resolved_at.isoformat()}) is before mitigated_at ({meta.mitigated_at.isoformat()})"
        )
    return meta


class TimelineEvent(Strict):
    id: LocalId | None = None
    at: UtcDatetime
    kind: EventKind
    text: NonEmpty
    source: str | None = None


class MetricPoint(Strict):
    at: UtcDatetime
    value: Real


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
    customers_affected: Int64 | None = Field(default=None, ge=0)
    revenue_impact: Real | None = Field(default=None, ge=0)
