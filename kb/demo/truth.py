"""What the generator planted, so that clustering, similarity, lint and loop metrics can be scored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel, Field

from kb.model import EventPacket

LINT_RULES: dict[str, str] = {
    "blame-language": "a factor statement names a person's failing ('forgot to', 'should have', 'careless', "
    "'human error')",
    "single-root-cause": "an analysis with exactly one factor",
    "action-item-proliferation": "an analysis with more than 10 findings, none of them rejected",
    "vague-finding": "a finding with no owner and a generic statement such as 'Improve monitoring'",
    "isolated-retrospective": "every participant is from the one responding team: no facilitator from "
    "elsewhere, no provocateur, no stakeholder",
    "no-provocateur": "a SEV1 or SEV2 review without a provocateur (clean SEV1/2 reviews always have one)",
    "missing-tags": "a finding without tags",
    "late-packet": "compiled_at more than 24 hours after resolved_at (clean packets: under 21 hours)",
    "chain-ends-at-person": "planted with every blame-language case: the blaming factor is a leaf of the chain",
    "unowned-finding": "planted with every vague-finding case: the vague finding has no owner",
}
"""The planted rules, as the generator means them. Not planted, and expected to fire widely by design:
warnings about open integration gates (agreed findings with no work item) and missing related checks
(the habit of looking for similar incidents only grows over the period)."""


class RoadmapEntry(BaseModel):
    """A roadmap item; `findings` holds graph keys "{incident}/finding/{local id}", empty when untraced."""

    key: str
    title: str
    quarter: str
    findings: list[str] = Field(default_factory=list)

    @property
    def traced(self) -> bool:
        return bool(self.findings)


class PlantedCluster(BaseModel):
    name: str
    description: str
    themes: list[str]
    barriers: list[str]
    services: list[str]
    incidents: list[str]
    origin: str | None = None
    key_finding: str | None = Field(default=None, description="graph key of the origin's key finding")
    fixed_at: datetime | None = Field(default=None, description="when the key finding's work item closed")
    fix_worked: bool | None = Field(
        default=None, description="whether the rate fell after fixed_at (None: no fix shipped)"
    )


class NearDuplicate(BaseModel):
    incident: str
    duplicate_of: str = Field(description="the earlier incident it closely mirrors")


class PlantedRepeat(BaseModel):
    incident: str
    earlier: str
    finding: str = Field(description="graph key of the agreed finding that did not prevent it")


class RoadmapTruth(BaseModel):
    traced: list[str]
    untraced: list[str]


class GenerationParams(BaseModel):
    n_incidents: int
    seed: int
    start: date
    quarters: int
    end: datetime = Field(description="end of the simulated period: the demo's 'now'")


class GroundTruth(BaseModel):
    params: GenerationParams
    clusters: list[PlantedCluster]
    near_duplicates: list[NearDuplicate]
    repeats: list[PlantedRepeat]
    lint_cases: dict[str, list[str]] = Field(description="incident id -> lint rules expected to fire")
    lint_rules: dict[str, str] = Field(default_factory=lambda: dict(LINT_RULES))
    method_mismatches: list[str] = Field(
        default_factory=list, description="SEV1 or multi-team incidents analysed with a linear five whys"
    )
    unthemed_factors: dict[str, str] = Field(
        default_factory=dict, description="factor graph key -> the theme its wording matches (it carries none)"
    )
    roadmap: RoadmapTruth


@dataclass
class DemoCorpus:
    packets: list[EventPacket]
    roadmap: list[RoadmapEntry]
    truth: GroundTruth

    def packet(self, incident_id: str) -> EventPacket:
        """The packet of one incident (a linear scan: the corpus is a list, look-ups are rare)."""
        for p in self.packets:
            if p.key == incident_id:
                return p
        raise KeyError(incident_id)
