"""The shared barrier inventory: controls that every analysis assesses by the same slug."""

from __future__ import annotations

from dataclasses import dataclass

from kb.model import BarrierKind

PRE, DET, MIT = BarrierKind.PREVENTIVE, BarrierKind.DETECTIVE, BarrierKind.MITIGATIVE


@dataclass(frozen=True)
class BarrierSpec:
    slug: str
    name: str
    kind: BarrierKind


BARRIERS: tuple[BarrierSpec, ...] = (
    BarrierSpec("capacity-review", "Capacity review before launches", PRE),
    BarrierSpec("config-validation", "Config schema validation in CI", PRE),
    BarrierSpec("canary-analysis", "Automated canary analysis", PRE),
    BarrierSpec("secret-rotation-automation", "Automated secret rotation", PRE),
    BarrierSpec("staged-rollout", "Staged rollout", PRE),
    BarrierSpec("integration-tests", "Integration and contract tests", PRE),
    BarrierSpec("change-review", "Peer review of production changes", PRE),
    BarrierSpec("cert-expiry-alerting", "Certificate expiry alerting", DET),
    BarrierSpec("slo-burn-alerting", "SLO burn-rate alerting", DET),
    BarrierSpec("synthetic-monitoring", "Synthetic user journeys", DET),
    BarrierSpec("disk-usage-alerting", "Disk usage alerting", DET),
    BarrierSpec("load-shedding", "Automatic load shedding", MIT),
    BarrierSpec("circuit-breaker", "Circuit breakers on dependencies", MIT),
    BarrierSpec("rate-limiting", "Rate limiting at the edge", MIT),
    BarrierSpec("on-call-escalation", "On-call escalation policy", MIT),
    BarrierSpec("rollback-automation", "One-click rollback", MIT),
    BarrierSpec("runbook", "Runbook for the failure mode", MIT),
)
BARRIER_BY_SLUG: dict[str, BarrierSpec] = {b.slug: b for b in BARRIERS}
