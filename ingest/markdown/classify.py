"""Keyword guesses: the kind of a timeline entry, the category and themes of a factor.

Guesses are marked as such (Factor.category_guessed) and the packet stays unreviewed;
the taxonomy is small on purpose, a starting point for `kb themes` to refine.
"""

from __future__ import annotations

import re

from kb.model import Category, EventKind

_EVENT_WORDS: tuple[tuple[EventKind, tuple[str, ...]], ...] = (
    (
        EventKind.DIAGNOSIS,
        (
            "as the cause",
            "root cause",
            "investigat",
            "troubleshoot",
            "diagnos",
            "looking into",
            "working on",
            "started working",
        ),
    ),
    (
        EventKind.DETECTION,
        (
            "alert",
            "paged",
            "pager",
            "page ",
            "detected",
            "detects",
            "noticed",
            " notice ",
            "warning",
            "identified",
            "reported",
            "reports",
            "reporting",
            "customer report",
            "discovered",
            "observed",
        ),
    ),
    (
        EventKind.COMMUNICATION,
        (
            "notified",
            "announce",
            "status page",
            "statuspage",
            "communicat",
            "informed",
            "asking teams",
            "asked teams",
            "hand-over",
            "handover",
            "handed over",
            "email",
            "slack",
            "posted",
            "customers were told",
            "update sent",
        ),
    ),
    (EventKind.DECISION, ("decided", "decision", "agreed to", "chose", "opted", "declares", "declared")),
    (
        EventKind.REPAIR,
        (
            "resolved",
            "restored",
            "fixed",
            "mitigat",
            "rolled back",
            "rollback",
            "roll back",
            "downgraded",
            "reverted",
            "recovered",
            "operational",
            "healthy",
            "killed",
            "restarted",
            "replaced",
            "replacing",
            "cleared",
            "deleted",
            "scaling",
            "scaled",
            "applied",
            "rolled out",
            "completed",
            "disable",
            "added",
            "generated",
            "re-queued",
            "rolled over",
            "failover",
            "out of rotation",
            "back to normal",
        ),
    ),
)


_NEGATED = re.compile(
    r"\b(not|un|never|no longer)\s*-?\s*(operational|healthy|scheduled|fixed|resolved)\b|"
    r"\bunhealthy\b|"
    # hedged: "despite the fact that it appears to have recovered" is no recovery
    r"\b(?:appears?|appeared|seems?|seemed) to (?:have )?(?:been )?(?:recovered|resolved|fixed)\b",
    re.IGNORECASE,
)


def event_kind(text: str, first: bool) -> EventKind:
    """The first entry is the trigger (what set things off); the rest by keyword."""
    if first:
        return EventKind.TRIGGER
    low = _NOT_DETECTED.sub(" ", _NEGATED.sub(" ", text.lower()))  # "not detected by CI" detects nothing
    for kind, words in _EVENT_WORDS:
        if any(w in low for w in words):
            return kind
    return EventKind.KEY_MOMENT


_RESOLVED = re.compile(
    r"\b(resolved|restored|all (systems )?(verified )?(operational|healthy)|"
    r"verified (all systems )?operational|permanently fixed|issue (was )?fixed|recovered|"
    r"service restored|all healthy|incident (ends|ended|closed|resolved)|"
    r"end of (?:the )?(?:outage|impact|incident)|(?:outage|impact) (?:ends|ended|is over|was over)|"
    r"incident (?:was )?over|"
    r"(?:outage|incident) to an end|(?:is|was|are|were|became|becomes) (?:\w+ )?available again)\b",
    re.IGNORECASE,
)


# Templates that mark the outage's bounds on timeline rows ("**<START OF OUTAGE>**", Flutter's).
_OUTAGE_START = re.compile(
    r"\b(?:start|beginning) of (?:the )?(?:outage|impact)\b|\b(?:outage|impact) (?:starts|started|begins|began)\b",
    re.IGNORECASE,
)


def reads_as_outage_start(text: str) -> bool:
    """The row says the outage (or the impact) begins here."""
    return bool(_OUTAGE_START.search(text))


def reads_as_resolution(text: str) -> bool:
    return bool(_RESOLVED.search(_NEGATED.sub(" ", text)))


_MITIGATED = re.compile(
    r"\b(mitigated|mitigation (complete|done)|service restored|traffic restored|restored|"
    r"restoring service|back to normal|returns? to normal|returned to normal|recovered|back online|"
    r"(?:all )?systems? (?:verified )?operational|verified operational|all healthy|"
    r"working again|signing again|(?:is|was|are|were|became|becomes) (?:\w+ )?available again|"
    r"all good|solved the issue|fixes the issue|hub online|"
    r"(?:issue|problem|outage|incident) resolves|resum(?:es|ed|ing) (?:block production|producing blocks)|"
    r"recovery\b[^.;]{0,60}\b(?:is |was |has been )?completed?)\b",
    re.IGNORECASE,
)
_DETECTED = re.compile(
    r"\b(alerts?|alerted|alarms?|paged|pager|incoming reports?|a report|reports? from|reported|"
    r"reporting|triggered|ticket|declared|declares|notice|noticed|notices|detected|detects|warning|"
    r"fires|fired|observed|acknowledged|received|comes in|flagged|notified that|(?:was|were|been|got) notified)\b",
    re.IGNORECASE,
)


_NOT_DETECTED = re.compile(
    r"\b(?:nobody|no one|not|never|without|n't|before)\s(?:\w+\s){0,2}?"
    r"(?:noticed|detected|alerted|reported|observed)\b|"
    # a report of success is no detection: "Hypha reports fresh state swap test passes"
    r"\breport(?:s|ed)?\b(?:\s[\w-]+){0,8}?\s(?:tests?\s)?(?:pass|passes|passed|succeeds|succeeded)\b",
    re.IGNORECASE,
)


def reads_as_detection(text: str) -> bool:
    """The organisation learned of the problem: an alert, a page, a report, a ticket, a declaration."""
    return bool(_DETECTED.search(_NOT_DETECTED.sub(" ", text[:300])))


_ACKNOWLEDGED = re.compile(r"\backnowledg", re.IGNORECASE)


def reads_as_mitigation(text: str) -> bool:
    return bool(_MITIGATED.search(_NEGATED.sub(" ", text)))


def mitigation_position(text: str) -> int | None:
    """Where `text` says the service came back (as reads_as_mitigation reads it), else None."""
    m = _MITIGATED.search(_NEGATED.sub(lambda n: " " * len(n.group(0)), text))
    return m.start() if m else None


def reads_as_acknowledgement(text: str) -> bool:
    return bool(_ACKNOWLEDGED.search(text))


_ORGANIZATIONAL = (
    "team",
    "prioriti",
    "focus",
    "staff",
    "knowledge",
    "training",
    "ownership",
    "owner",
    "communication",
    "war room",
    "sunset",
    "encouraged",
    "budget",
    "roadmap",
    "culture",
    "hand-over",
    "handover",
    "responsibilit",
    "noise",
    "lunch",
    "on-call",
    "oncall",
)
_PROCESS = (
    "process",
    "procedure",
    "playbook",
    "runbook",
    "documentation",
    "document",
    "notes",
    "review",
    "test",
    "checklist",
    "guideline",
    "policy",
    "policies",
    "maintenance",
    "revision",
    "release notes",
    "migration",
    "plan",
    "approval",
    "hands-on",
    "manual",
    "window",
    "rules",
    "remediation steps",
)


def guess_category(text: str) -> Category:
    """Organizational (people, priorities), process (how work is done), else technical."""
    low = text.lower()
    org = sum(w in low for w in _ORGANIZATIONAL)
    proc = sum(w in low for w in _PROCESS)
    if org and org >= proc:
        return Category.ORGANIZATIONAL
    if proc:
        return Category.PROCESS
    return Category.TECHNICAL


THEMES: dict[str, tuple[str, ...]] = {
    "monitoring-gap": (
        "monitoring",
        "no alert",
        "missing alert",
        "not monitored",
        "insufficient monitoring",
        "by proxy",
        "visibility",
        "observability",
        "in the dark",
    ),
    "alert-noise": ("noise", "noisy", "alert fatigue", "drowning"),
    "capacity-exhaustion": (
        "capacity",
        "starvation",
        "exhaustion",
        "exhausted",
        "out of memory",
        "memory usage",
        "ip address",
        "limit",
        "quota",
        "utilization",
        "disk full",
        "no space",
    ),
    "certificate-expiry": ("certificate", "cert", "expired", "expiry", "expiration", "tls"),
    "missing-documentation": (
        "documentation",
        "no notes",
        "undocumented",
        "playbook",
        "runbook",
        "remediation steps unclear",
        "how to create",
    ),
    "change-management": (
        "upgrade",
        "maintenance",
        "manual change",
        "manually",
        "rollout",
        "roll over",
        "rollover",
        "release notes",
        "migration",
        "reverted",
    ),
    "ci-cd-pipeline": ("pipeline", "ci/cd", "terraform", "iac", "pull request"),
    "access-control": ("privilege", "permission", "access", "iam", "least-privilege", "credential"),
    "vendor-dependency": ("vendor", "amazon", "aws", "third party", "third-party", "sdk", "library", "package"),
    "testing-gap": ("test", "testing", "tested", "validate", "validation", "e2e", "verification"),
    "workload-scheduling": (
        "priority-class",
        "priority class",
        "scheduling",
        "unschedulable",
        "daemonset",
        "autoscaling",
    ),
    "prioritisation": (
        "prioritise",
        "prioritize",
        "prioritised",
        "prioritized",
        "prioritisation",
        "prioritization",
        "focus on",
        "heavy focus",
        "new features",
        "sunset",
    ),
}


# Whole words and phrases (plurals allowed), never a prefix: "cert" is not "certain", "limit" not "Limited".
_THEME_RE = {
    slug: re.compile("|".join(rf"\b{re.escape(w)}(?:s|es)?\b" for w in words)) for slug, words in THEMES.items()
}


def suggest_themes(text: str, limit: int = 2) -> list[str]:
    """Up to `limit` theme slugs whose keywords are whole words or phrases of `text`, most hits first."""
    low = text.lower()
    scored = [(len(rx.findall(low)), slug) for slug, rx in _THEME_RE.items()]
    return [slug for n, slug in sorted(scored, key=lambda x: (-x[0], x[1])) if n > 0][:limit]
