"""The Event Packet: one incident, its facts and its analyses, as one validated document."""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import Field, model_validator

from kb.model.analysis import IMPACT, Analysis, RoadmapLink
from kb.model.common import Strict
from kb.model.incident import (
    DecisionPoint,
    IncidentMeta,
    LogSnippet,
    MetricSnapshot,
    Participant,
    Provenance,
    StakeholderImpact,
    TimelineEvent,
)

SCHEMA_VERSION = "1"


class EventPacket(Strict):
    schema_version: Literal["1"] = "1"
    incident: IncidentMeta
    provenance: Provenance = Field(default_factory=Provenance)
    timeline: list[TimelineEvent] = Field(default_factory=list)
    metrics: list[MetricSnapshot] = Field(default_factory=list)
    logs: list[LogSnippet] = Field(default_factory=list)
    participants: list[Participant] = Field(default_factory=list)
    decisions: list[DecisionPoint] = Field(default_factory=list)
    impacts: list[StakeholderImpact] = Field(default_factory=list)
    analyses: list[Analysis] = Field(default_factory=list)
    roadmap: list[RoadmapLink] = Field(default_factory=list)

    @property
    def key(self) -> str:
        return self.incident.id

    @model_validator(mode="after")
    def _references_resolve(self) -> EventPacket:
        # Factor and finding ids are unique per packet so that their graph keys
        # (incident id + local id) are stable whatever analysis they sit in.
        _unique("analyses.id", "analysis", [a.id for a in self.analyses])
        factor_ids = [f.id for a in self.analyses for f in a.factors]
        finding_ids = [f.id for a in self.analyses for f in a.findings]
        _unique("analyses.factors.id", "factor", factor_ids)
        _unique("analyses.findings.id", "finding", finding_ids)
        _unique("timeline.id", "timeline event", [e.id for e in self.timeline if e.id])
        _unique("decisions.id", "decision", [d.id for d in self.decisions if d.id])
        _unique("roadmap.key", "roadmap item", [r.key for r in self.roadmap])
        roles = [(p.handle, p.role.value) for p in self.participants]
        if len(set(roles)) != len(roles):
            pairs = Counter(roles)
            twice = sorted(f"{h} as {r}" for (h, r), n in pairs.items() if n > 1)
            raise ValueError(f"participants: each person once per role; listed twice: {', '.join(twice)}")
        for ai, analysis in enumerate(self.analyses):
            _unique(f"analyses.{ai}.barriers.barrier", "barrier", [b.barrier for b in analysis.barriers])
            local = {f.id for f in analysis.factors}
            targets = local | {IMPACT}
            # Each check below runs in full (naming its field) only where the quick test fails.
            for ii, inf in enumerate(analysis.influences):
                if inf.source in local and inf.target in targets and inf.source != inf.target:
                    continue
                where = f"analyses.{ai}.influences.{ii}"
                _known(inf.source, local, f"{where}.source", "a factor id of this analysis")
                _known(inf.target, targets, f"{where}.target", 'a factor id of this analysis or "impact"')
                raise ValueError(f"{where}: a factor cannot contribute to itself")
            for bi, barrier in enumerate(analysis.barriers):
                for di, fid in enumerate(barrier.defeated_by):
                    if fid not in local:
                        where = f"analyses.{ai}.barriers.{bi}.defeated_by.{di}"
                        _known(fid, local, where, "a factor id of this analysis")
            for fi, finding in enumerate(analysis.findings):
                for ri, ref in enumerate(finding.addresses):
                    if ref not in local:
                        _check_address(ref, local, f"analyses.{ai}.findings.{fi}.addresses.{ri}")
        known_findings = set(finding_ids)
        for ri, item in enumerate(self.roadmap):
            for fi, fid in enumerate(item.findings):
                if fid not in known_findings:
                    _known(fid, known_findings, f"roadmap.{ri}.findings.{fi}", "a finding id of this packet")
        return self


def _unique(field: str, what: str, ids: list[str]) -> None:
    if len(set(ids)) == len(ids):  # the common case, without a Counter (~8 checks a packet)
        return
    dupes = sorted(k for k, n in Counter(ids).items() if n > 1)
    if dupes:
        raise ValueError(f"{field}: {what} ids must be unique within a packet; repeated: {', '.join(dupes)}")


def _known(value: str, known: set[str], where: str, expected: str) -> None:
    if value not in known:
        raise ValueError(f"{where}: {value!r} is not {expected} (known: {', '.join(sorted(known)) or 'none'})")


def _check_address(ref: str, factors: set[str], where: str) -> None:
    kind, _, rest = ref.partition(":")
    if rest and kind in ("theme", "barrier"):
        return
    _known(ref, factors, where, 'a factor id of this analysis, "theme:SLUG" or "barrier:SLUG"')
