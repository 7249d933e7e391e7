"""The reasoning half of an Event Packet: analyses, factors, barriers, findings, follow-up."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from kb.model.common import Flag, Int64, LocalId, NonEmpty, Slug, Strict, UtcDatetime

# Defined without pydantic (readers of the graph need them, not the models); still importable from here.
from kb.model.statuses import AGREED_STATUSES as AGREED_STATUSES
from kb.model.statuses import DEFEATED_STATUSES as DEFEATED_STATUSES
from kb.model.statuses import BarrierStatus as BarrierStatus
from kb.model.statuses import FindingStatus as FindingStatus

IMPACT = "impact"
"""The influence target that stands for the observed impact (the root of a Contribution Factor Map)."""


class Method(StrEnum):
    FIVE_WHYS = "five_whys"
    CONTRIBUTION_MAP = "contribution_map"
    BARRIER_ANALYSIS = "barrier_analysis"


class Category(StrEnum):
    TECHNICAL = "technical"
    PROCESS = "process"
    ORGANIZATIONAL = "organizational"


class BarrierKind(StrEnum):
    PREVENTIVE = "preventive"
    DETECTIVE = "detective"
    MITIGATIVE = "mitigative"


class DocumentPart(StrEnum):
    """Where an importer read a factor in the source document. A cause the document states as such
    (a contributing-factors or root-cause section, a Five Whys list) is its analysis; a line of what
    went wrong, a trigger or a cause lifted from the summary's prose is material for one."""

    FACTORS = "factors"
    FIVE_WHYS = "five_whys"
    WENT_WRONG = "went_wrong"
    TRIGGER = "trigger"
    SUMMARY = "summary"


STATED_AS_CAUSES: tuple[DocumentPart, ...] = (DocumentPart.FACTORS, DocumentPart.FIVE_WHYS)
"""Document parts whose statements the document itself presents as its causes."""


class Factor(Strict):
    id: LocalId
    statement: NonEmpty
    category: Category
    category_guessed: Flag = False
    themes: list[Slug] = Field(default_factory=list)
    read_from: DocumentPart | None = Field(
        default=None, description="the part of an imported document it was read from; None: recorded by a person"
    )


class Influence(Strict):
    """`source` contributed to `target`; a target of "impact" is the observed impact."""

    source: LocalId
    target: LocalId


class BarrierAssessment(Strict):
    barrier: Slug
    name: str | None = None
    kind: BarrierKind | None = None
    status: BarrierStatus
    defeated_by: list[LocalId] = Field(default_factory=list)
    note: str | None = None


class WorkItem(Strict):
    system: NonEmpty = "jira"
    external_id: str | None = None
    title: str | None = None
    url: str | None = None
    status: str | None = None
    created_at: UtcDatetime | None = None
    closed_at: UtcDatetime | None = None
    due_at: UtcDatetime | None = None


class OkrProposal(Strict):
    id: LocalId
    objective: NonEmpty
    key_results: list[NonEmpty] = Field(default_factory=list)
    quarter: str | None = Field(default=None, pattern=r"^\d{4}Q[1-4]$")


class Finding(Strict):
    id: LocalId
    statement: NonEmpty
    owner: str | None = None
    tags: list[NonEmpty] = Field(default_factory=list)
    impact: Int64 | None = Field(default=None, ge=1, le=5)
    effort: Int64 | None = Field(default=None, ge=1, le=5)
    status: FindingStatus = FindingStatus.PROPOSED
    deferred_reason: str | None = None
    due_at: UtcDatetime | None = Field(default=None, description="follow-up deadline (default: by severity)")
    addresses: list[str] = Field(
        default_factory=list,
        description='factor ids of the same analysis, "theme:SLUG" or "barrier:SLUG"',
    )
    work_items: list[WorkItem] = Field(default_factory=list)
    okrs: list[OkrProposal] = Field(default_factory=list)


class RelatedCheck(Strict):
    """The record that an analysis looked for similar past incidents."""

    checked_at: UtcDatetime
    related: list[LocalId] = Field(default_factory=list)
    note: str | None = None


class Analysis(Strict):
    id: LocalId
    method: Method
    facilitator: str | None = None
    published_at: UtcDatetime | None = None
    validated_at: UtcDatetime | None = None
    factors: list[Factor] = Field(default_factory=list)
    influences: list[Influence] = Field(default_factory=list)
    barriers: list[BarrierAssessment] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    related_check: RelatedCheck | None = None


class RoadmapLink(Strict):
    """A roadmap item that this incident's findings motivated."""

    key: LocalId
    title: NonEmpty
    quarter: str | None = Field(default=None, pattern=r"^\d{4}Q[1-4]$")
    findings: list[LocalId] = Field(default_factory=list)
