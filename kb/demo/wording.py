"""Sentence templates and fill-in pools. Variants are paraphrases, so that near-duplicates can
say the same thing differently and text similarity has real work to do."""

from __future__ import annotations

SYMPTOM_TITLES: dict[str, tuple[str, str, str]] = {
    "latency": ("{Noun} latency {ctx}", "Slow {noun} responses {ctx}", "{Noun} p99 latency spike {ctx}"),
    "timeouts": ("{Noun} timeouts {ctx}", "{Noun} requests timing out {ctx}", "Timeouts in {noun} {ctx}"),
    "errors": (
        "Elevated {noun} error rate {ctx}",
        "{Noun} 5xx errors {ctx}",
        "{Noun} failing for part of our users {ctx}",
    ),
    "outage": ("{Noun} unavailable {ctx}", "Full {noun} outage {ctx}", "{Noun} down {ctx}"),
    "batch": ("{Noun} batch failures {ctx}", "{Noun} jobs failing {ctx}", "Failed {noun} runs {ctx}"),
    "login": (
        "{Noun} login errors {ctx}",
        "Users unable to sign in to the {noun} {ctx}",
        "{Noun} authentication failures {ctx}",
    ),
    "stale": ("Stale {noun} data {ctx}", "{Noun} showing outdated results {ctx}", "{Noun} lagging behind {ctx}"),
    "delivery": ("Delayed {noun} {ctx}", "{Noun} backlog {ctx}", "{Noun} stuck {ctx}"),
}

# What customers saw, for the summary's first sentence and the impact statements.
SYMPTOM_IMPACT: dict[str, tuple[str, str]] = {
    "latency": (
        "{pct}% of {noun} requests took over two seconds for {minutes} minutes",
        "for {minutes} minutes, {pct}% of {noun} calls were slower than two seconds",
    ),
    "timeouts": (
        "{pct}% of {noun} requests timed out over {minutes} minutes",
        "for {minutes} minutes about {pct}% of {noun} requests hit a timeout",
    ),
    "errors": (
        "{pct}% of {noun} requests failed with server errors for {minutes} minutes",
        "for {minutes} minutes roughly {pct}% of {noun} requests returned errors",
    ),
    "outage": ("{noun} was unavailable for {minutes} minutes", "for {minutes} minutes nobody could use {noun}"),
    "batch": (
        "{pct}% of the nightly {noun} jobs failed and were re-run {minutes} minutes late",
        "the {noun} run failed for {pct}% of accounts and finished {minutes} minutes late",
    ),
    "login": (
        "{pct}% of sign-ins to the {noun} failed for {minutes} minutes",
        "for {minutes} minutes about {pct}% of users could not log in to the {noun}",
    ),
    "stale": (
        "{noun} served data up to {minutes} minutes old to {pct}% of users",
        "for {minutes} minutes {pct}% of users saw outdated {noun} data",
    ),
    "delivery": (
        "{pct}% of {noun} was delayed by up to {minutes} minutes",
        "for {minutes} minutes {pct}% of {noun} sat in a backlog",
    ),
}

CONTEXTS: tuple[str, ...] = (
    "for EU customers",
    "during the evening peak",
    "after the {weekday} deploy",
    "on {weekday} morning",
    "for Android users",
    "in {region}",
    "overnight",
    "during the lunch peak",
    "for logged-in users",
    "on {weekday} afternoon",
    "for new customers",
    "in the {region} cluster",
)
CAMPAIGN_CONTEXTS: tuple[str, ...] = ("during the {campaign} campaign", "as the {campaign} send went out")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

SUMMARY_SHAPES: tuple[str, str, str] = (
    "{Impact}. The cause: {cause}, and {cause2}. Service recovered after {repair}.",
    "{Cause}; {cause2}. As a result {impact}. We mitigated once {repair}.",
    "{Impact} because {cause}. {Cause2} as well. Recovery came when {repair}.",
)

# Campaigns by calendar month (1-12): a Black Friday campaign in May would give the demo away.
CAMPAIGNS_BY_MONTH: dict[int, tuple[str, ...]] = {
    1: ("new-year sale", "January clearance"),
    2: ("Valentine's", "winter sale"),
    3: ("spring sale", "loyalty week"),
    4: ("Easter flash sale", "spring sale"),
    5: ("Mother's Day", "summer preview"),
    6: ("midsummer", "summer clearance"),
    7: ("summer clearance", "anniversary"),
    8: ("back-to-school", "anniversary"),
    9: ("back-to-school", "autumn launch"),
    10: ("autumn launch", "Halloween"),
    11: ("Black Friday", "Singles' Day", "Cyber Monday"),
    12: ("Christmas gift guide", "Cyber Monday"),
}
CONFIG_KEYS = (
    "routes.timeout_ms",
    "ratelimit.burst",
    "upstreams.weights",
    "tls.min_version",
    "cache.ttl_s",
    "auth.issuer_url",
    "pool.max_size",
    "retry.max_attempts",
    "feature.regions",
    "cors.allowed_origins",
)
CERTS = (
    "api.shop.example",
    "login.shop.example",
    "pay.shop.example",
    "cdn.shop.example",
    "push.shop.example",
    "internal-mtls-ca",
    "partner-gw.shop.example",
    "m.shop.example",
)
VENDORS = ("PayNordic", "MailWave", "GeoLookup", "SmsBridge", "FraudShield", "CloudCDN")
DEPENDENCIES = ("grpc-java", "psycopg", "netty", "okhttp", "redis-py", "jackson", "envoy", "protobuf")
FLAGS = ("new-basket", "fast-search", "one-click-pay", "smart-reorder", "dark-mode-v2", "lazy-catalog")
TABLES = ("orders", "customers", "line_items", "sessions", "invoices", "product_variants", "stock_levels")
REGIONS = ("eu-west-1", "eu-central-1", "us-east-1", "eu-north-1")

TRIGGERS: tuple[str, ...] = (
    "Deploy of {svc} {version} started",
    "Traffic to {svc} climbed past the usual peak",
    "Scheduled job in {svc} kicked off",
    "Change to {svc} merged and rolled out",
    "Routine maintenance on {peer} began",
)
DETECTIONS: tuple[str, ...] = (
    "{Noun} error-rate alert fired",
    "Customer support reported {noun} complaints",
    "Synthetic check for {noun} went red",
    "{Noun} latency alert paged the on-call",
    "An engineer noticed {noun} errors on the dashboard",
)
COMMUNICATIONS: tuple[str, ...] = (
    "Status page updated: investigating degraded {noun}",
    "Update posted in #incidents for stakeholders",
    "Customer support briefed with a holding statement",
    "Status page updated: {noun} recovered",
    "Stakeholder update sent to {team} leadership",
)
KEY_MOMENTS: tuple[str, ...] = (
    "Incident lead declared SEV{sev} and opened a bridge",
    "Responders realised the {peer} signal was a red herring",
    "Second responder joined and split diagnosis from communication",
    "Hypothesis confirmed by the {svc} logs",
)
DECISIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "Roll back {svc} to the previous release",
        "Rollback is the fastest reversible action",
        ("Hotfix forward", "Scale out and wait"),
    ),
    (
        "Shed {peer} traffic to protect {svc}",
        "{Noun} is revenue-critical; {peer} is not",
        ("Scale the database vertically", "Pause the campaign"),
    ),
    (
        "Fail over {svc} to {region}",
        "The primary region could not recover within the SLO",
        ("Wait for the provider", "Restart in place"),
    ),
    ("Disable the {flag} flag", "The flag was the most recent change", ("Roll back the whole release",)),
    ("Page the {peer} owners", "The evidence pointed outside our service", ("Keep debugging alone",)),
)
REPAIR_DONE: tuple[str, ...] = (
    "{Noun} metrics back to baseline",
    "Error rate below SLO threshold for 30 minutes; resolved",
    "Backlog drained; monitoring until stable",
)

# Lint plantings. Clean text never contains these words (tests check it).
BLAME_STATEMENTS: tuple[str, ...] = (
    "The on-call engineer forgot to check the {svc} dashboard before deploying",
    "{lead} should have rolled back {svc} much sooner",
    "A careless manual edit of {config_key} by an operator",
    "Human error during the {svc} deploy",
    "The DBA should have known that the migration would lock {table}",
)
BLAME_WORDS: tuple[str, ...] = ("forgot", "should have", "careless", "human error")

VAGUE_FINDINGS: tuple[str, ...] = (
    "Improve monitoring",
    "Better communication during incidents",
    "Improve testing",
    "Look into the database",
    "More awareness of alerts",
    "Improve documentation",
)

# Concrete but numerous follow-ups, for the action-item proliferation case.
EXTRA_ACTIONS: tuple[str, ...] = (
    "Add a dashboard panel for {svc} queue depth",
    "Document the {svc} failover steps in its runbook",
    "Add {svc} to the weekly error-budget review",
    "Record the {svc} architecture walkthrough",
    "Tag {svc} alerts with their owning team",
    "Add a load test for {svc} to the release checklist",
    "Raise the {svc} log retention to 14 days",
    "Add {peer} latency to the {svc} overview dashboard",
    "Write an ADR for the {svc} to {peer} dependency",
    "Add a synthetic login check in {region}",
    "Add request ids to {svc} error logs",
    "Set a paging policy for {peer}",
    "Create a {svc} game day for this failure mode",
    "Publish the {svc} incident timeline to the wiki",
)

UNTRACED_ROADMAP: tuple[str, ...] = (
    "Migrate CI to the new build runners",
    "Design system refresh",
    "GraphQL federation for the mobile app",
    "Data warehouse cost reduction",
    "Kubernetes minor version upgrade",
    "Developer portal launch",
    "Observability vendor consolidation",
    "Checkout redesign for one-page purchase",
    "Loyalty programme platform",
    "Search relevance tuning",
)

OKR_OBJECTIVES: dict[str, str] = {
    "technical": "Make {svc} resilient to the failure we saw",
    "process": "Make changes to {svc} safe by default",
    "organizational": "Make ownership and on-call for {svc} unambiguous",
}
OKR_RESULTS: tuple[str, ...] = (
    "Zero SEV2+ incidents on {svc} with this cause in {quarter}",
    "100% of {svc} changes go through the new check by {quarter}",
    "Mean time to detect for {svc} below 5 minutes",
    "Every tier-1 service has a named owner and rotation",
)
DEFERRED_REASONS: tuple[str, ...] = (
    "Superseded by the platform migration planned next year",
    "Cost outweighs the risk at current traffic",
    "Waiting for the vendor's new API",
    "No capacity this quarter; revisit at planning",
)
STAKEHOLDER_STATEMENTS: dict[str, str] = {
    "marketing": "Campaign conversion {pct}% below forecast",
    "customer support": "{tickets} extra support tickets in the following day",
    "finance": "Revenue at risk estimated at {revenue} EUR",
    "merchant success": "{merchants} merchants asked for a post-incident report",
}

# Incident-specific tails for factor statements: two incidents on the same theme share a
# template but rarely a tail, while a near-duplicate keeps its source's.
FACTOR_TAILS: dict[str, tuple[str, ...]] = {
    "technical": (
        ", starting at {hh}:{mm}",
        " on {k} of {m} pods",
        " after the {version} rollout",
        " while p99 latency sat near {ms} ms",
        " with {k} retries per request",
        " across {k} availability zones",
        " for about {minutes} minutes",
    ),
    "process": (
        " in the {weekday} release train",
        " for the {nth} time this quarter",
        " although the change was labelled low risk",
        " in a change window of {k} hours",
        " with {k} changes batched together",
    ),
    "organizational": (
        " since the {month} reorganisation",
        " during a week with {k} people on leave",
        " while {k} teams shared the rotation",
        " after {k} handovers in a month",
    ),
}
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
ORDINALS = ("second", "third", "fourth", "fifth")
