"""The factual half of a packet: times, timeline, metrics, logs, people, decisions, impacts."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kb.demo.clock import Horizon, localise
from kb.demo.organisation import FACILITATORS, LEAD_FACILITATOR, STAKEHOLDERS, TEAM_BY_NAME, TEAM_OF_PERSON, TEAMS
from kb.demo.scenario import Scenario
from kb.demo.themes import THEME_BY_SLUG
from kb.demo.wording import (
    COMMUNICATIONS,
    DECISIONS,
    DETECTIONS,
    KEY_MOMENTS,
    REPAIR_DONE,
    STAKEHOLDER_STATEMENTS,
    SYMPTOM_IMPACT,
    TRIGGERS,
)

Doc = dict[str, Any]

SYMPTOM_METRICS: dict[str, tuple[str, str, float, float]] = {
    "latency": ("p99_latency", "ms", 280, 4200),
    "timeouts": ("timeouts", "req/min", 2, 900),
    "errors": ("5xx_ratio", "%", 0.3, 25),
    "outage": ("availability", "%", 99.95, 0),
    "batch": ("failed_jobs", "jobs", 0, 340),
    "login": ("login_success_ratio", "%", 99.2, 55),
    "stale": ("data_lag", "s", 30, 3600),
    "delivery": ("queue_depth", "messages", 200, 180000),
}
SLOW_DETECTION_THEMES = ("alert-fatigue", "missing-detection")


@dataclass
class Times:
    started: datetime
    detected: datetime
    acknowledged: datetime
    diagnosed: datetime
    decided: datetime
    mitigated: datetime
    resolved: datetime
    compiled: datetime
    published: datetime | None  # None: the analysis is not out yet at the end of the period
    validated: datetime | None


def fill(template: str, details: dict[str, str]) -> str:
    return template.format_map(details)


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def incident_times(rng: random.Random, s: Scenario, horizon: Horizon) -> Times:
    t0 = s.started_at
    slow = any(th in SLOW_DETECTION_THEMES for th in s.themes)
    detect = rng.uniform(30, 180) if slow else rng.uniform(2, 25)
    detected = t0 + timedelta(minutes=detect)
    acknowledged = detected + timedelta(minutes=rng.uniform(1, 10))
    diagnosed = acknowledged + timedelta(minutes=rng.uniform(5, 35))
    decided = diagnosed + timedelta(minutes=rng.uniform(3, 15))
    mitigated = decided + timedelta(minutes=rng.uniform(5, 45) * (1.6 if s.severity <= 2 else 1))
    resolved = mitigated + timedelta(minutes=rng.uniform(20, 420))
    late = "late-packet" in s.lint
    compiled = resolved + (timedelta(days=rng.uniform(3, 12)) if late else timedelta(hours=rng.uniform(1.5, 20)))
    # Time to insight shrinks from about ten days to about three as the practice matures.
    x = horizon.fraction(t0)
    days = max(0.6, (10 - 7 * x) * rng.lognormvariate(0, 0.3))
    published: datetime | None = max(resolved + timedelta(days=days), compiled + timedelta(hours=rng.uniform(4, 30)))
    validated = None
    if published is not None and published > horizon.end:
        published = None
    elif published is not None and rng.random() < 0.6:
        validated = published + timedelta(days=rng.uniform(0.5, 4))
        if validated > horizon.end:
            validated = None
    return Times(t0, detected, acknowledged, diagnosed, decided, mitigated, resolved, compiled, published, validated)


@dataclass
class People:
    lead: str
    facilitator: str
    participants: list[Doc]


def people(rng: random.Random, s: Scenario, horizon: Horizon) -> People:
    team = s.lead_team
    lead = rng.choice(TEAM_BY_NAME[team].people)
    taken = {lead}

    def member(of: str) -> str:
        options = [p for p in TEAM_BY_NAME[of].people if p not in taken]
        who = rng.choice(options)
        taken.add(who)
        return who

    out: list[Doc] = [{"handle": lead, "role": "incident_lead", "team": team}]
    for t in s.teams:
        for _ in range(rng.randint(1, 2) if t == team else 1):
            out.append({"handle": member(t), "role": "responder", "team": t})
    if "isolated-retrospective" in s.lint:
        facilitator = member(team)
        out.append({"handle": facilitator, "role": "facilitator", "team": team})
        return People(lead, facilitator, out)
    # Facilitation is one enthusiast's job at first and rotates as more people are trained.
    share = 0.85 - 0.75 * horizon.fraction(s.started_at)
    pool = [f for f in FACILITATORS if f not in taken]
    facilitator = (
        LEAD_FACILITATOR
        if LEAD_FACILITATOR in pool and rng.random() < share
        else rng.choice([f for f in pool if f != LEAD_FACILITATOR] or pool)
    )
    taken.add(facilitator)
    out.append({"handle": facilitator, "role": "facilitator", "team": TEAM_OF_PERSON[facilitator]})
    wants_provocateur = s.severity <= 2 or rng.random() < 0.35
    if "no-provocateur" in s.lint:
        wants_provocateur = False
    outsiders = [t.name for t in TEAMS if t.name not in s.teams]
    if wants_provocateur and outsiders:
        t = rng.choice(outsiders)
        out.append({"handle": member(t), "role": "provocateur", "team": t})
    if s.severity <= 2:
        for handle, _, org in rng.sample(STAKEHOLDERS, rng.randint(1, 2)):
            out.append({"handle": handle, "role": "stakeholder", "team": org})
    responding = set(s.teams) | {p["team"] for p in out if p["role"] in ("responder", "incident_lead")}
    if all(p["team"] in responding for p in out):  # a clean review always hears someone from outside
        t = rng.choice(outsiders)
        out.append({"handle": member(t), "role": "provocateur", "team": t})
    return People(lead, facilitator, out)


def timeline(rng: random.Random, s: Scenario, tm: Times, zone: str, lead: str) -> tuple[list[Doc], list[Doc]]:
    """Timeline events and decision points (a decision is both)."""
    d = s.details
    first = THEME_BY_SLUG[s.factors[0].theme]
    events: list[tuple[datetime, str, str, str | None]] = [
        (tm.started - timedelta(minutes=rng.uniform(0, 12)), "trigger", _trigger(rng, s), None),
        (tm.detected, "detection", fill(rng.choice(DETECTIONS), d), rng.choice(("alertmanager", "pagerduty", "slack"))),
        (tm.diagnosed, "diagnosis", cap(fill(first.diagnosis, d)), None),
    ]
    if len(s.factors) > 1:
        second = THEME_BY_SLUG[s.factors[1].theme]
        events.append(
            (tm.diagnosed + timedelta(minutes=rng.uniform(1, 3)), "diagnosis", cap(fill(second.diagnosis, d)), None)
        )
    decisions: list[Doc] = []
    picks = rng.sample(DECISIONS, 2 if s.severity <= 2 else 1)
    for k, (decision, rationale, alternatives) in enumerate(picks):
        at = tm.decided + timedelta(minutes=4 * k)
        text = fill(decision, d)
        events.append((at, "decision", text, None))
        decisions.append(
            {
                "id": f"D{k + 1}",
                "at": localise(at, zone),
                "decision": text,
                "rationale": fill(rationale, d),
                "alternatives": list(alternatives),
                "made_by": lead,
            }
        )
    events.append((tm.mitigated, "repair", cap(fill(first.repair[s.wording % 2], d)), None))
    events.append((tm.resolved, "repair", fill(rng.choice(REPAIR_DONE), d), None))
    comms = rng.sample(COMMUNICATIONS, 2)
    events.append((tm.acknowledged + timedelta(minutes=rng.uniform(2, 8)), "communication", fill(comms[0], d), None))
    events.append((tm.mitigated + timedelta(minutes=rng.uniform(2, 15)), "communication", fill(comms[1], d), None))
    if s.severity <= 3 and rng.random() < 0.6:
        moment = fill(rng.choice(KEY_MOMENTS), {**d, "sev": str(s.severity)})
        events.append((tm.acknowledged + timedelta(minutes=rng.uniform(1, 4)), "key_moment", moment, None))
    events.sort(key=lambda e: e[0])
    with_ids = rng.random() < 0.7  # the rest get digest keys, as imported timelines do
    out = []
    for k, (at, kind, text, source) in enumerate(events):
        ev: Doc = {"at": localise(at, zone), "kind": kind, "text": text}
        if with_ids:
            ev["id"] = f"E{k + 1}"
        if source:
            ev["source"] = source
        out.append(ev)
    return out, decisions


def _trigger(rng: random.Random, s: Scenario) -> str:
    d = s.details
    if "campaign-load" in s.themes:
        return f"{cap(d['campaign'])} campaign e-mail sent to {rng.randint(4, 30) / 10:.1f}M customers"
    if "unvalidated-config-push" in s.themes:
        return fill("Config change to {config_key} pushed to {svc}", d)
    if "certificate-expiry" in s.themes:
        return fill("Certificate for {cert} reached its expiry date", d)
    return fill(rng.choice(TRIGGERS), d)


def metrics(rng: random.Random, s: Scenario, tm: Times, zone: str) -> list[Doc]:
    name, unit, base, peak = SYMPTOM_METRICS[s.symptom]
    specs = [(f"{s.primary.replace('-', '_')}_{name}", unit, base, peak)]
    specs += [THEME_BY_SLUG[f.theme].metric for f in s.factors[:2] if THEME_BY_SLUG[f.theme].metric]  # type: ignore[misc]
    out = []
    for metric_name, metric_unit, lo, hi in specs[:3]:
        shape = (
            (tm.started - timedelta(minutes=10), 0.0),
            (tm.detected, 0.7),
            (tm.diagnosed, 1.0),
            (tm.mitigated, 0.35),
            (tm.resolved, 0.02),
        )
        points = [
            {"at": localise(at, zone), "value": round(lo + (hi - lo) * w * rng.uniform(0.85, 1.1), 2)}
            for at, w in shape
        ]
        out.append(
            {
                "name": metric_name,
                "unit": metric_unit,
                "points": points,
                "link": f"https://grafana.example.com/d/{s.primary}-overview",
            }
        )
    return out


def logs(rng: random.Random, s: Scenario, tm: Times, zone: str) -> list[Doc]:
    out: list[Doc] = []
    for theme in dict.fromkeys(f.theme for f in s.factors):
        spec = THEME_BY_SLUG[theme]
        if spec.log and len(out) < 2:
            source, level, text = spec.log
            at = tm.started + (tm.diagnosed - tm.started) * rng.uniform(0.1, 0.9)
            out.append(
                {
                    "source": fill(source, s.details),
                    "level": level,
                    "text": fill(text, s.details),
                    "at": localise(at, zone),
                }
            )
    if not out:
        at = tm.detected - timedelta(seconds=rng.uniform(10, 300))
        out.append(
            {
                "source": s.primary,
                "level": "ERROR",
                "at": localise(at, zone),
                "text": fill("upstream request to {peer} failed: 503 after 2 attempts", s.details),
            }
        )
    return out


def impacts(rng: random.Random, s: Scenario, tm: Times) -> tuple[str, int, float | None, list[Doc]]:
    """customer_impact sentence, customers affected, revenue at stake, stakeholder impacts."""
    minutes = max(5, int((tm.mitigated - tm.started).total_seconds() / 60))
    pct = {1: rng.randint(30, 90), 2: rng.randint(8, 40), 3: rng.randint(2, 15), 4: rng.randint(1, 5)}[s.severity]
    s.details["pct"], s.details["minutes"] = str(pct), str(minutes)  # the summary quotes the same numbers
    sentence = fill(SYMPTOM_IMPACT[s.symptom][s.wording % 2], {**s.details, "pct": str(pct), "minutes": str(minutes)})
    customers = {
        1: rng.randint(20000, 200000),
        2: rng.randint(2000, 30000),
        3: rng.randint(100, 3000),
        4: rng.randint(0, 200),
    }[s.severity]
    revenue = round(customers * rng.uniform(1.5, 9), -2) if s.severity <= 3 else None
    out: list[Doc] = [{"stakeholder": "customers", "statement": cap(sentence), "customers_affected": customers}]
    if s.severity <= 2:
        wanted = ["customer support", "finance"] + (["marketing"] if "campaign-load" in s.themes else [])
        for who in wanted[: rng.randint(1, len(wanted))]:
            text = STAKEHOLDER_STATEMENTS[who].format(
                pct=rng.randint(5, 40),
                tickets=rng.randint(40, 900),
                revenue=int(revenue or 0),
                merchants=rng.randint(3, 40),
            )
            imp: Doc = {"stakeholder": who, "statement": text}
            if who == "finance" and revenue:
                imp["revenue_impact"] = revenue
            out.append(imp)
    return cap(sentence), customers, revenue, out
