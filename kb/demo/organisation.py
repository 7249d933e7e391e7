"""The fictional company: services, the six teams that own them, people and their clocks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Service:
    name: str
    noun: str  # how people name it in titles ("mobile app" rather than "mobile-bff")
    team: str
    symptoms: tuple[str, ...]  # symptom kinds (see wording.SYMPTOM_TITLES) this service plausibly shows
    weight: float  # how often it turns up in background incidents


@dataclass(frozen=True)
class Team:
    name: str
    jira_project: str
    zone: str  # the clock its tooling records timestamps in
    people: tuple[str, ...]


SERVICES: tuple[Service, ...] = (
    Service("checkout", "checkout", "payments", ("latency", "errors", "timeouts"), 1.4),
    Service("payments", "payment authorisation", "payments", ("errors", "timeouts", "latency"), 1.2),
    Service("billing", "billing", "payments", ("batch", "errors"), 0.8),
    Service("core-db", "core database", "platform", ("latency", "outage"), 0.7),
    Service("k8s-platform", "Kubernetes platform", "platform", ("outage", "errors"), 0.9),
    Service("api-gateway", "API gateway", "platform", ("errors", "outage", "latency"), 1.1),
    Service("cdn", "CDN", "platform", ("errors", "latency", "outage"), 0.7),
    Service("search", "search", "commerce", ("timeouts", "latency", "stale"), 1.2),
    Service("catalog", "catalog", "commerce", ("stale", "errors", "latency"), 1.0),
    Service("inventory", "inventory", "commerce", ("stale", "errors", "timeouts"), 0.9),
    Service("data-pipeline", "data pipeline", "data", ("batch", "stale"), 1.0),
    Service("recommendations", "recommendations", "data", ("latency", "stale", "errors"), 0.8),
    Service("identity", "login", "identity", ("login", "errors", "outage"), 1.1),
    Service("notifications", "notification delivery", "identity", ("delivery", "errors"), 0.9),
    Service("mobile-bff", "mobile app", "mobile", ("login", "errors", "latency"), 1.0),
)
SERVICE_BY_NAME: dict[str, Service] = {s.name: s for s in SERVICES}

TEAMS: tuple[Team, ...] = (
    Team(
        "payments", "PAY", "Europe/Copenhagen", ("amira", "jonas", "freja", "mikkel", "sara", "oliver", "nadia", "emil")
    ),
    Team(
        "platform", "PLAT", "Europe/Copenhagen", ("wen", "lars", "ida", "tobias", "maja", "rasmus", "signe", "viktor")
    ),
    Team(
        "commerce",
        "COM",
        "Europe/Copenhagen",
        ("lucas", "clara", "magnus", "astrid", "felix", "laura", "anton", "karla"),
    ),
    Team("data", "DATA", "America/New_York", ("priya", "marcus", "elena", "diego", "hannah", "omar", "julia", "ben")),
    Team("identity", "IDN", "Europe/London", ("tom", "grace", "samir", "alice", "james", "leah", "ravi", "chloe")),
    Team("mobile", "MOB", "America/New_York", ("kenji", "maria", "ethan", "zoe", "daniel", "ava", "noor", "sam")),
)
TEAM_BY_NAME: dict[str, Team] = {t.name: t for t in TEAMS}
TEAM_OF_PERSON: dict[str, str] = {p: t.name for t in TEAMS for p in t.people}

# Facilitation starts with one enthusiast (wen) and later rotates through trained facilitators.
LEAD_FACILITATOR = "wen"
FACILITATORS: tuple[str, ...] = ("wen", "clara", "priya", "grace", "sara", "kenji", "ida", "marcus")

# Non-engineering stakeholders who join reviews of customer-facing incidents.
STAKEHOLDERS: tuple[tuple[str, str, str], ...] = (
    ("sofia", "marketing", "marketing"),
    ("henrik", "customer support", "support"),
    ("ingrid", "finance", "finance"),
    ("paul", "merchant success", "sales"),
)
