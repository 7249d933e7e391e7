"""A small hand-made corpus for the cross-incident tests: two planted clusters in background noise.

- cluster "db": themes core-db-saturation + campaign-load, barrier load-shedding failed,
  service core-db, tagged "campaign": incidents P-01, P-05, P-09, ... (every 4th, 10 of them);
- cluster "config": themes config-drift + unvalidated-config-push, barrier config-validation
  missing: P-03, P-07, ... (every 4th from 3, 8 of them);
- the rest carry one background theme each, cycling through six, and no failed barrier;
- P-40 is a near-duplicate of P-22 (same theme, service and wording; its title adds "again");
- three factors carry no theme: their wording is that of a known theme (see UNTHEMED).
All incidents start a week apart from 2025-01-06; severities cycle 1..4.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import kb
from kb.model import EventPacket

from .conftest import engines_fixture

START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
N = 40
DB = [f"P-{i:02d}" for i in range(1, N + 1, 4)]
CONFIG = [f"P-{i:02d}" for i in range(3, 34, 4)]
NEAR_DUPLICATE = ("P-40", "P-22")
UNTHEMED = {
    "P-02/factor/U1": "retry-storm",
    "P-04/factor/U1": "clock-skew",
    "P-06/factor/U1": "core-db-saturation",
}
WORDING = {
    "core-db-saturation": "The shared core database saturated its CPU under read load",
    "campaign-load": "Marketing campaign traffic tripled the request rate without warning",
    "config-drift": "Configuration drifted between environments over months",
    "unvalidated-config-push": "A config push went out without schema validation",
    "retry-storm": "Clients retried failed calls immediately and amplified the load in a retry storm",
    "certificate-expiry": "A TLS certificate expired unnoticed on the edge proxy",
    "disk-full": "The log volume filled the disk on the message broker",
    "dns-misconfiguration": "A DNS record pointed at a decommissioned load balancer",
    "memory-leak": "A memory leak in the worker grew the heap until it was killed",
    "clock-skew": "Clock skew between nodes broke token validation",
}
BACKGROUND = ["retry-storm", "certificate-expiry", "disk-full", "dns-misconfiguration", "memory-leak", "clock-skew"]
SERVICES = ["search", "billing", "identity", "catalog", "notifications"]


def key(i: int) -> str:
    return f"P-{i:02d}"


def _factor(fid: str, theme: str | None, wording_of: str | None = None) -> dict[str, Any]:
    text = WORDING[wording_of or theme or "disk-full"]
    return {"id": fid, "statement": text, "category": "technical", "themes": [theme] if theme else []}


def packet(i: int) -> EventPacket:
    k = key(i)
    like = int(NEAR_DUPLICATE[1][2:]) if k == NEAR_DUPLICATE[0] else i
    themes: list[str]
    barriers: list[dict[str, Any]] = [{"barrier": "latency-alerting", "kind": "detective", "status": "held"}]
    services = [SERVICES[like % len(SERVICES)]]
    tags: list[str] = []
    title = f"Errors in {services[0]}"
    if k in DB:
        themes = ["core-db-saturation", "campaign-load"]
        barriers.append({"barrier": "load-shedding", "kind": "mitigative", "status": "failed"})
        services.append("core-db")
        tags = ["campaign"]
        title = f"Slow {services[0]} during a campaign"
    elif k in CONFIG:
        themes = ["config-drift", "unvalidated-config-push"]
        barriers.append({"barrier": "config-validation", "kind": "preventive", "status": "missing"})
        title = f"Config change broke {services[0]}"
    else:
        themes = [BACKGROUND[like % len(BACKGROUND)]]
    factors = [_factor(f"F{n}", t) for n, t in enumerate(themes, start=1)]
    unthemed = f"{k}/factor/U1"
    if unthemed in UNTHEMED:
        factors.append(_factor("U1", None, wording_of=UNTHEMED[unthemed]))
    summary = " ".join(WORDING[t] for t in themes)
    findings: list[dict[str, Any]] = []
    if k == DB[0]:
        findings.append(
            {
                "id": "R1",
                "statement": "Shed campaign read load before it reaches the core database.",
                "owner": "platform",
                "tags": ["database"],
                "status": "agreed",
                "addresses": ["theme:core-db-saturation"],
                "work_items": [
                    {"system": "jira", "external_id": "PLAT-1", "status": "Done", "closed_at": "2025-02-01T00:00:00Z"}
                ],
            }
        )
    if k == CONFIG[0]:
        findings.append(
            {
                "id": "R1",
                "statement": "Validate every config push against a schema.",
                "owner": "platform",
                "tags": ["config"],
                "status": "agreed",
                "addresses": ["F2"],
                "work_items": [{"system": "jira", "external_id": "PLAT-2", "status": "In Progress"}],
            }
        )
    if k == NEAR_DUPLICATE[0]:
        title += " again"
    return EventPacket.model_validate(
        {
            "incident": {
                "id": k,
                "title": title,
                "severity": (i - 1) % 4 + 1,
                "services": services,
                "teams": [f"team-{services[0]}"],
                "started_at": START + timedelta(weeks=i - 1),
                "summary": summary,
                "tags": tags,
            },
            "analyses": [
                {
                    "id": "A1",
                    "method": "barrier_analysis",
                    "factors": factors,
                    "influences": [{"source": f["id"], "target": "impact"} for f in factors],
                    "barriers": barriers,
                    "findings": findings,
                }
            ],
        }
    )


def packets() -> list[EventPacket]:
    return [packet(i) for i in range(1, N + 1)]


# -- fixtures: load a corpus once per test module and engine ---------------------------------


def engine_fixture(make_packets: Callable[[], list[EventPacket]]) -> Any:
    """A module-scoped fixture over both engines (conftest.ENGINES) holding `make_packets()`, loaded once."""
    return engines_fixture(lambda kbase: kbase.ingest_packets(make_packets()))


def loaded_db(path: Path, make_packets: Callable[[], list[EventPacket]]) -> Path:
    """An embedded database at `path` holding the packets, closed again (for CLI tests)."""
    with kb.connect(engine="ladybug", db=path) as kbase:
        kbase.ingest_packets(make_packets())
    return path
