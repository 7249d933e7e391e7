"""The planted recurring clusters: the same causes behind incidents that look different.

A cluster starts with an origin incident whose key finding addresses the cluster's
key theme and barrier. Until that finding's work item closes (`fixed_at`, a fraction
of the period) the cluster recurs at `rate`; afterwards at `rate * AFTER_FIX`, which is
what makes the repeat-incident rate fall. A cluster without `fixed_at` never gets its
fix through the integration gate and keeps recurring. A cluster with `after_fix` 1.0 ships
a fix that did not work: its work item closes and it recurs at the same rate (config-push,
the planted failure that `kb effect` must not call a success).
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.model import BarrierStatus

AFTER_FIX = 0.15


@dataclass(frozen=True)
class ClusterSpec:
    name: str
    description: str
    themes: tuple[str, ...]
    barriers: tuple[tuple[str, BarrierStatus], ...]  # the planted failing barriers
    surfaces: tuple[tuple[str, str], ...]  # (service, symptom): how incidents look on the surface
    shared_services: tuple[str, ...]  # services behind the surface, named in some incidents
    rate: float  # share of incidents in this cluster before the fix
    origin_at: float  # fraction of the period when the first one happens
    fixed_at: float | None  # fraction of the period when the key work item closes
    key_theme: str
    key_barrier: str
    owner: str  # team that owns the key finding
    after_fix: float = AFTER_FIX  # rate multiplier once the fix closed: 1.0 is a fix that did not work

    @property
    def fix_works(self) -> bool:
        return self.after_fix < 1.0


CLUSTERS: tuple[ClusterSpec, ...] = (
    ClusterSpec(
        "core-db-campaign-load",
        "The monolithic core database fails under campaign load",
        ("core-db-saturation", "campaign-load", "connection-pool-exhaustion"),
        (("capacity-review", BarrierStatus.MISSING), ("load-shedding", BarrierStatus.FAILED)),
        (
            ("checkout", "latency"),
            ("search", "timeouts"),
            ("billing", "batch"),
            ("mobile-bff", "login"),
            ("catalog", "errors"),
            ("inventory", "stale"),
            ("recommendations", "latency"),
            ("payments", "timeouts"),
        ),
        ("core-db",),
        0.16,
        0.03,
        0.45,
        "core-db-saturation",
        "load-shedding",
        "platform",
    ),
    ClusterSpec(
        "config-push",
        "Unvalidated config pushes and config drift",
        ("config-drift", "unvalidated-config-push"),
        (("config-validation", BarrierStatus.MISSING), ("canary-analysis", BarrierStatus.BYPASSED)),
        (
            ("api-gateway", "errors"),
            ("cdn", "errors"),
            ("k8s-platform", "outage"),
            ("search", "errors"),
            ("notifications", "delivery"),
            ("identity", "login"),
        ),
        ("api-gateway",),
        0.14,
        0.05,
        0.40,
        "unvalidated-config-push",
        "config-validation",
        "platform",
        after_fix=1.0,
    ),
    ClusterSpec(
        "cert-secret-expiry",
        "Certificates and secrets expire unnoticed",
        ("certificate-expiry", "secret-rotation-gap"),
        (("cert-expiry-alerting", BarrierStatus.MISSING), ("secret-rotation-automation", BarrierStatus.MISSING)),
        (
            ("identity", "login"),
            ("payments", "errors"),
            ("cdn", "outage"),
            ("notifications", "errors"),
            ("mobile-bff", "errors"),
            ("api-gateway", "outage"),
        ),
        ("identity",),
        0.07,
        0.08,
        0.55,
        "certificate-expiry",
        "cert-expiry-alerting",
        "identity",
    ),
    ClusterSpec(
        "alert-fatigue",
        "Alert fatigue and missing detection let failures run long",
        ("alert-fatigue", "missing-detection"),
        (("slo-burn-alerting", BarrierStatus.FAILED), ("synthetic-monitoring", BarrierStatus.MISSING)),
        (
            ("data-pipeline", "batch"),
            ("notifications", "delivery"),
            ("recommendations", "stale"),
            ("inventory", "stale"),
            ("billing", "errors"),
            ("catalog", "stale"),
        ),
        (),
        0.06,
        0.02,
        None,
        "missing-detection",
        "slo-burn-alerting",
        "data",
    ),
    ClusterSpec(
        "retry-storm",
        "Retry storms through clients without timeouts",
        ("retry-storm", "missing-timeouts"),
        (("circuit-breaker", BarrierStatus.MISSING), ("rate-limiting", BarrierStatus.FAILED)),
        (
            ("checkout", "errors"),
            ("mobile-bff", "latency"),
            ("search", "latency"),
            ("payments", "errors"),
            ("api-gateway", "latency"),
        ),
        (),
        0.06,
        0.15,
        0.70,
        "retry-storm",
        "circuit-breaker",
        "platform",
    ),
)
CLUSTER_THEMES: frozenset[str] = frozenset(t for c in CLUSTERS for t in c.themes)
