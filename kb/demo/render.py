"""Scenario -> packet document (a plain dict, validated into an EventPacket later)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from kb.demo import analysis as an
from kb.demo.clock import Horizon, localise
from kb.demo.facts import Times, cap, fill, impacts, incident_times, logs, metrics, people, timeline
from kb.demo.followup import Gate
from kb.demo.organisation import SERVICE_BY_NAME, TEAM_BY_NAME
from kb.demo.scenario import Scenario
from kb.demo.themes import THEME_BY_SLUG
from kb.demo.wording import SUMMARY_SHAPES, SYMPTOM_IMPACT, SYMPTOM_TITLES
from kb.model import Category

Doc = dict[str, Any]
SHARE_KEY_WORK_ITEM = 0.4  # later incidents of a cluster often link the ticket that is already open


@dataclass
class FindingRecord:
    """What the roadmap planner needs to know about a finding."""

    incident: str
    local_id: str
    theme: str
    impact: int
    status: str
    published: datetime
    service: str

    @property
    def key(self) -> str:
        return f"{self.incident}/finding/{self.local_id}"


@dataclass
class ClusterState:
    origin: str
    key_finding: str
    published: datetime | None
    work_item: Doc | None
    status: str
    fixed_at: datetime | None


@dataclass
class Rendered:
    doc: Doc
    times: Times
    unthemed: dict[str, str] = field(default_factory=dict)  # factor key -> theme its wording matches


class Renderer:
    def __init__(self, rng: random.Random, horizon: Horizon, fixed_at: dict[str, datetime | None]) -> None:
        self.rng = rng
        self.horizon = horizon
        self.gate = Gate(rng, horizon)
        self.fixed_at = fixed_at
        self.clusters: dict[str, ClusterState] = {}
        self.records: list[FindingRecord] = []
        self.recent: dict[str, list[str]] = {}  # cluster -> its incidents so far, for related checks

    def render(self, s: Scenario) -> Rendered:
        rng = self.rng
        zone = TEAM_BY_NAME[s.lead_team].zone
        tm = incident_times(rng, s, self.horizon)
        crew = people(rng, s, self.horizon)
        s.details["lead"] = crew.lead
        events, decisions = timeline(rng, s, tm, zone, crew.lead)
        impact_sentence, customers, revenue, stakeholder_impacts = impacts(rng, s, tm)
        incident: Doc = {
            "id": s.id,
            "title": self.title(s),
            "severity": s.severity,
            "services": list(s.services),
            "teams": list(s.teams),
            "started_at": localise(tm.started, zone),
            "detected_at": localise(tm.detected, zone),
            "acknowledged_at": localise(tm.acknowledged, zone),
            "mitigated_at": localise(tm.mitigated, zone),
            "resolved_at": localise(tm.resolved, zone),
            "customer_impact": impact_sentence,
            "customers_affected": customers,
            "summary": self.summary(s, tm),
            "tags": self.tags(s),
            "compiled_at": localise(tm.compiled, zone),
        }
        if revenue is not None:
            incident["revenue_impact"] = revenue
        doc: Doc = {
            "incident": incident,
            "provenance": {"source": "demo", "file": f"packets/{s.id}.yaml"},
            "timeline": events,
            "metrics": metrics(rng, s, tm, zone),
            "logs": logs(rng, s, tm, zone),
            "participants": crew.participants,
            "decisions": decisions,
            "impacts": stakeholder_impacts,
            "analyses": [self.analysis(s, tm, crew.facilitator, zone)],
        }
        unthemed = {
            f"{s.id}/factor/{an.factor_id(i)}": f.theme for i, f in enumerate(s.factors) if not f.themes and not f.blame
        }
        if s.cluster:
            self.recent.setdefault(s.cluster.name, []).append(s.id)
        return Rendered(doc, tm, unthemed)

    # -- text --------------------------------------------------------------------------------------
    def title(self, s: Scenario) -> str:
        ctx = fill(s.context, s.details)
        return fill(SYMPTOM_TITLES[s.symptom][s.title_variant], {**s.details, "ctx": ctx}).strip()

    def summary(self, s: Scenario, tm: Times) -> str:
        d = s.details
        impact = fill(SYMPTOM_IMPACT[s.symptom][(s.wording + 1) % 2], d)
        real = [f for f in s.factors if not f.blame]
        first = THEME_BY_SLUG[real[0].theme]
        second = THEME_BY_SLUG[real[1].theme] if len(real) > 1 else first
        cause = fill(first.cause[s.wording % 2], d)
        cause2 = fill(second.cause[(s.wording + (0 if second is not first else 1)) % 2], d)
        repair = fill(first.repair[(s.wording + 1) % 2], d)
        shape = SUMMARY_SHAPES[(s.shape_seed + s.wording) % 3]
        return shape.format(
            Impact=cap(impact),
            impact=impact,
            Cause=cap(cause),
            cause=cause,
            Cause2=cap(cause2),
            cause2=cause2,
            repair=repair,
        )

    def tags(self, s: Scenario) -> list[str]:
        tags = [THEME_BY_SLUG[s.factors[0].theme].tags[0], s.symptom]
        if "campaign-load" in s.themes:
            tags.append("campaign")
        return list(dict.fromkeys(tags))

    # -- the analysis --------------------------------------------------------------------------------
    def analysis(self, s: Scenario, tm: Times, facilitator: str, zone: str) -> Doc:
        rng = self.rng
        doc: Doc = {
            "id": "A1",
            "method": s.method.value,
            "facilitator": facilitator,
            "factors": an.factor_docs(s),
            "influences": an.influences(s),
        }
        if tm.published is not None:
            doc["published_at"] = localise(tm.published, zone)
        if tm.validated is not None:
            doc["validated_at"] = localise(tm.validated, zone)
        if s.barriers:
            doc["barriers"] = an.barrier_docs(s)
        peer_team = SERVICE_BY_NAME[s.peer].team
        drafts = an.findings(rng, s, s.lead_team, peer_team)
        if "action-item-proliferation" in s.lint:
            an.proliferate(rng, s, drafts, s.lead_team)
        if "vague-finding" in s.lint:
            an.add_vague(rng, drafts)
        if "missing-tags" in s.lint:
            for d in rng.sample(drafts, min(len(drafts), rng.randint(1, 2))):
                d.doc["tags"] = []
        key_draft = self.key_finding(s, drafts, tm, zone)
        for d in drafts:
            if d is key_draft or not d.team:
                continue
            if not self.share_key_work_item(s, d, tm):
                self.gate.decide(
                    d.doc,
                    impact=d.impact,
                    effort=d.effort,
                    published=tm.published,
                    team=d.team,
                    action=d.action,
                    zone=zone,
                )
            if d.category != Category.TECHNICAL and rng.random() < 0.08:
                self.gate.okr(d.doc, category=d.category.value, published=tm.published, details=s.details)
                if d.doc["status"] == "proposed":
                    d.doc["status"] = "agreed"
        if "action-item-proliferation" in s.lint:  # the long tail stays live: nothing in it was rejected
            for d in drafts:
                if d.doc["status"] == "rejected":
                    d.doc["status"] = "proposed"
        for d in drafts:
            if tm.published is not None and d.team:
                self.records.append(
                    FindingRecord(s.id, d.doc["id"], d.theme, d.impact, d.doc["status"], tm.published, s.primary)
                )
        doc["findings"] = [d.doc for d in drafts]
        check = self.related_check(s, tm, zone)
        if check:
            doc["related_check"] = check
        return doc

    def key_finding(self, s: Scenario, drafts: list[an.FindingDraft], tm: Times, zone: str) -> an.FindingDraft | None:
        """The origin's finding that addresses the cluster's key theme and barrier: the fix to come."""
        c = s.cluster
        if c is None or not s.origin:
            return None
        fi = next(i for i, f in enumerate(s.factors) if f.theme == c.key_theme)
        draft = next((d for d in drafts if d.doc["addresses"][0] == an.factor_id(fi)), drafts[0])
        statement, action = an.finding_text(c.key_theme, s.details, s.wording)
        draft.doc.update(
            statement=statement,
            owner=c.owner,
            tags=list(THEME_BY_SLUG[c.key_theme].tags),
            impact=5,
            effort=3,
            addresses=[an.factor_id(fi), f"theme:{c.key_theme}", f"barrier:{c.key_barrier}"],
        )
        draft.theme, draft.impact, draft.effort, draft.team, draft.action = c.key_theme, 5, 3, c.owner, action
        fixed = self.fixed_at[c.name]
        item: Doc | None = None
        if tm.published is not None:
            draft.doc["status"] = "agreed"
            if fixed is not None:
                created = tm.published + timedelta(days=2)
                closed = max(fixed, created + timedelta(days=14))
                if closed <= self.horizon.end:
                    item = self.gate.work_item(c.owner, action, created, closed, "Done", zone)
                    draft.doc["status"] = "done"
                else:
                    fixed = None
                    item = self.gate.work_item(c.owner, action, created, None, "In Progress", zone)
                draft.doc["work_items"] = [item]
            else:
                fixed = None  # agreed, but nothing tracks it: this cluster's gate stays open
        key = f"{s.id}/finding/{draft.doc['id']}"
        self.clusters[c.name] = ClusterState(s.id, key, tm.published, item, draft.doc["status"], fixed)
        return draft

    def share_key_work_item(self, s: Scenario, d: an.FindingDraft, tm: Times) -> bool:
        c = s.cluster
        state = self.clusters.get(c.name) if c else None
        if (
            c is None
            or state is None
            or state.work_item is None
            or d.theme != c.key_theme
            or tm.published is None
            or (state.fixed_at is not None and s.started_at >= state.fixed_at)
            or self.rng.random() >= SHARE_KEY_WORK_ITEM
        ):
            return False
        d.doc["work_items"] = [dict(state.work_item)]
        d.doc["status"] = "agreed"
        d.doc["addresses"] = list(dict.fromkeys([*d.doc["addresses"], f"theme:{c.key_theme}"]))
        return True

    def related_check(self, s: Scenario, tm: Times, zone: str) -> Doc | None:
        # Looking for similar past incidents becomes a habit over the period.
        if tm.published is None or self.rng.random() > 0.1 + 0.7 * self.horizon.fraction(s.started_at):
            return None
        checked = tm.published - timedelta(hours=self.rng.uniform(2, 20))
        related: list[str] = []
        if s.cluster:
            related = self.recent.get(s.cluster.name, [])[-3:]
        if s.dup_of is not None and self.rng.random() < 0.5:
            related = [*related, s.dup_of.id]
        related = list(dict.fromkeys(r for r in related if r != s.id))
        doc: Doc = {"checked_at": localise(max(checked, tm.resolved), zone)}
        if related:
            doc["related"] = related
            doc["note"] = f"{len(related)} earlier incident(s) look alike"
        else:
            doc["note"] = "No similar incidents found"
        return doc
