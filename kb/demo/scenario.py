"""Planning: what each incident is about, decided in time order before any text is written.

A Scenario fixes the facts that matter for the ground truth (cluster, near-duplicate
source, lint plantings, themes, barriers, method); rendering turns it into a packet.
"""

from __future__ import annotations

import bisect
import copy
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from kb.demo.clock import Horizon
from kb.demo.clusters import CLUSTER_THEMES, CLUSTERS, ClusterSpec
from kb.demo.organisation import SERVICE_BY_NAME, SERVICES
from kb.demo.themes import THEME_BY_SLUG, THEMES
from kb.demo.wording import (
    BLAME_STATEMENTS,
    CAMPAIGN_CONTEXTS,
    CAMPAIGNS_BY_MONTH,
    CERTS,
    CONFIG_KEYS,
    CONTEXTS,
    DEPENDENCIES,
    FACTOR_TAILS,
    FLAGS,
    MONTHS,
    ORDINALS,
    REGIONS,
    TABLES,
    VENDORS,
    WEEKDAYS,
)
from kb.model import BarrierStatus, Category, Method

NEAR_DUPLICATE_RATE = 0.10
NEAR_DUPLICATE_WINDOW_DAYS = 200
UNTHEMED_RATE = 0.13  # cluster factors always keep theirs, so about 10% of all factors lack one
CLUSTER_NOISE_RATE = 0.04  # a background incident with one lone cluster theme: co-occurrence, not presence
LINT_RATES: dict[str, float] = {
    "late-packet": 0.06,
    "missing-tags": 0.05,
    "blame-language": 0.04,
    "vague-finding": 0.03,
    "isolated-retrospective": 0.03,
    "no-provocateur": 0.03,
    "single-root-cause": 0.025,
    "action-item-proliferation": 0.02,
}
# Rules that a planting sets off as well: the blamed person ends a causal chain, a vague item has no owner.
IMPLIED_RULES: dict[str, str] = {"blame-language": "chain-ends-at-person", "vague-finding": "unowned-finding"}
STRUCTURAL = ("single-root-cause", "action-item-proliferation")
MISMATCH_RATE = 0.05
DEPLOY_THEMES = ("dependency-upgrade", "memory-leak", "feature-flag-misuse", "test-coverage-gap")

BACKGROUND: dict[Category, tuple[str, ...]] = {
    cat: tuple(t.slug for t in THEMES if t.category == cat and t.slug not in CLUSTER_THEMES) for cat in Category
}


@dataclass
class FactorPlan:
    theme: str  # whose wording the statement uses
    themes: list[str]  # what it carries: [] for the unthemed ones
    category: Category
    variant: int
    blame: bool = False
    tail: str = ""  # an incident-specific clause appended to the statement


@dataclass
class BarrierPlan:
    slug: str
    status: BarrierStatus
    defeated_by: list[int]  # indexes into Scenario.factors


@dataclass
class Scenario:
    index: int
    id: str
    started_at: datetime
    severity: int
    primary: str
    peer: str
    services: list[str]
    symptom: str
    teams: list[str]
    method: Method = Method.CONTRIBUTION_MAP
    linear: bool = False
    cluster: ClusterSpec | None = None
    origin: bool = False
    dup_of: Scenario | None = None
    factors: list[FactorPlan] = field(default_factory=list)
    barriers: list[BarrierPlan] = field(default_factory=list)
    lint: list[str] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)
    wording: int = 0  # shift applied to every variant: a near-duplicate says it all differently
    title_variant: int = 0
    context: str = ""
    shape_seed: int = 0  # drives the analysis' graph shape, shared with near-duplicates

    @property
    def lead_team(self) -> str:
        return SERVICE_BY_NAME[self.primary].team

    @property
    def themes(self) -> list[str]:
        return list(dict.fromkeys(t for f in self.factors for t in f.themes))


def start_times(rng: random.Random, n: int, horizon: Horizon) -> list[datetime]:
    """Incident starts over the period, slowly growing in number, mostly in working hours (UTC)."""
    span = horizon.days - 3  # leave a few days so the last incidents can resolve before 'now'
    hours = list(range(24))
    weights = [1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 7, 8, 8, 8, 7, 7, 8, 6, 4, 3, 2, 1]
    times = []
    for _ in range(n):
        day = int(rng.random() ** 0.9 * span)
        hour = rng.choices(hours, weights)[0]
        times.append(horizon.start + timedelta(days=day, hours=hour, minutes=rng.randrange(60)))
    times.sort()
    return times


def incident_ids(times: list[datetime], n: int) -> list[str]:
    width = max(4, len(str(n)))
    seq: dict[int, int] = {}
    out = []
    for t in times:
        seq[t.year] = seq.get(t.year, 0) + 1
        out.append(f"INC-{t.year}-{seq[t.year]:0{width}d}")
    return out


def severity(rng: random.Random, clustered: bool) -> int:
    weights = (8, 35, 45, 12) if clustered else (3, 17, 45, 35)
    return rng.choices((1, 2, 3, 4), weights)[0]


class Planner:
    def __init__(self, rng: random.Random, horizon: Horizon) -> None:
        self.rng = rng
        self.horizon = horizon
        # Background themes have a life cycle too: once "fixed" they turn up less often.
        self.theme_fixed_at = {t.slug: horizon.at_fraction(rng.uniform(0.25, 1.6)) for t in THEMES}
        self.origin_at = {c.name: horizon.at_fraction(c.origin_at) for c in CLUSTERS}
        self.fixed_at = {c.name: horizon.at_fraction(c.fixed_at) if c.fixed_at is not None else None for c in CLUSTERS}

    # -- the sequence ------------------------------------------------------------------------
    def plan(self, n: int) -> list[Scenario]:
        rng = self.rng
        times = start_times(rng, n, self.horizon)
        ids = incident_ids(times, n)
        out: list[Scenario] = []
        pending = list(CLUSTERS)
        used_sources: set[int] = set()
        for i, (t, iid) in enumerate(zip(times, ids, strict=True)):
            due = next((c for c in pending if self.origin_at[c.name] <= t), None)
            if due is not None:
                pending.remove(due)
                s = self.clustered(i, iid, t, due)
                s.origin = True
                s.severity = rng.choice((1, 2, 2))  # a cluster is noticed through a serious incident
                self.choose_method(s)
                self.plan_barriers(s)
            elif rng.random() < NEAR_DUPLICATE_RATE and (src := self.pick_source(out, times, t, used_sources)):
                used_sources.add(src.index)
                s = self.near_duplicate(i, iid, t, src)
            else:
                cluster = self.draw_cluster(t)
                s = self.clustered(i, iid, t, cluster) if cluster else self.background(i, iid, t)
                self.plant_lint(s)
            out.append(s)
        return out

    def draw_cluster(self, t: datetime) -> ClusterSpec | None:
        r = self.rng.random()
        for c in CLUSTERS:
            if self.origin_at[c.name] > t:
                continue
            fixed = self.fixed_at[c.name]
            rate = c.rate * (c.after_fix if fixed is not None and t >= fixed else 1.0)
            if r < rate:
                return c
            r -= rate
        return None

    def pick_source(self, done: list[Scenario], starts: list[datetime], t: datetime, used: set[int]) -> Scenario | None:
        """A recent, structurally clean incident to mirror (each one mirrored at most once)."""
        lo = bisect.bisect_left(starts, t - timedelta(days=NEAR_DUPLICATE_WINDOW_DAYS), 0, len(done))
        if lo >= len(done):
            return None
        for _ in range(6):
            src = done[self.rng.randrange(lo, len(done))]
            if (
                src.dup_of is None
                and src.index not in used
                and not src.linear
                and not any(r in STRUCTURAL or r == "blame-language" for r in src.lint)
            ):
                return src
        return None

    # -- kinds of incident ---------------------------------------------------------------------
    def clustered(self, i: int, iid: str, t: datetime, c: ClusterSpec) -> Scenario:
        rng = self.rng
        svc, symptom = rng.choice(c.surfaces)
        others = [s for s, _ in c.surfaces if s != svc]
        peer = rng.choice(others)
        services = [svc]
        for shared in c.shared_services:
            if shared != svc and rng.random() < 0.6:
                services.append(shared)
        if rng.random() < 0.35 and peer not in services:
            services.append(peer)
        s = self.base(i, iid, t, svc, peer, services, symptom, severity(rng, True))
        s.cluster = c
        factors = [
            FactorPlan(th, [th], THEME_BY_SLUG[th].category, rng.randrange(3), tail=self.tail(th)) for th in c.themes
        ]
        extras = [self.background_theme(Category.ORGANIZATIONAL, t)]
        if rng.random() < 0.6:
            extras.append(self.background_theme(rng.choice((Category.TECHNICAL, Category.PROCESS)), t))
        factors += [self.factor(th, allow_unthemed=True) for th in dict.fromkeys(extras)]
        s.factors = sorted(factors, key=lambda f: list(Category).index(f.category))
        if c.name == "core-db-campaign-load" and rng.random() < 0.5:
            s.context = rng.choice(CAMPAIGN_CONTEXTS)
        self.choose_method(s)
        self.plan_barriers(s)
        return s

    def background(self, i: int, iid: str, t: datetime) -> Scenario:
        rng = self.rng
        svc = rng.choices([x.name for x in SERVICES], [x.weight for x in SERVICES])[0]
        team = SERVICE_BY_NAME[svc].team
        same_team = [x.name for x in SERVICES if x.team == team and x.name != svc]
        peer = (
            rng.choice(same_team)
            if same_team and rng.random() < 0.5
            else rng.choice([x.name for x in SERVICES if x.name != svc])
        )
        services = [svc] + ([peer] if rng.random() < 0.55 else [])
        s = self.base(i, iid, t, svc, peer, services, rng.choice(SERVICE_BY_NAME[svc].symptoms), severity(rng, False))
        themes = [self.background_theme(Category.TECHNICAL, t)]
        if rng.random() < 0.5:
            themes.append(self.background_theme(Category.TECHNICAL, t))
        themes.append(self.background_theme(Category.PROCESS, t))
        if rng.random() < 0.4:
            themes.append(self.background_theme(Category.PROCESS, t))
        themes.append(self.background_theme(Category.ORGANIZATIONAL, t))
        if rng.random() < CLUSTER_NOISE_RATE:
            themes.insert(1, rng.choice(_LONE_CLUSTER_THEMES))
        s.factors = [self.factor(th, allow_unthemed=True) for th in dict.fromkeys(themes)]
        self.choose_method(s)
        self.plan_barriers(s)
        return s

    def near_duplicate(self, i: int, iid: str, t: datetime, src: Scenario) -> Scenario:
        """Same services, themes, barriers and graph shape; every sentence paraphrased."""
        s = copy.copy(src)
        s.index, s.id, s.started_at = i, iid, t
        s.dup_of, s.origin, s.lint = src, False, []
        s.wording = src.wording + 1
        s.title_variant = (src.title_variant + 1) % 3
        s.factors = [copy.copy(f) for f in src.factors if not f.blame]
        # About half the causal story is reworded; the specifics (tails) stay, as they are facts.
        first = self.rng.randrange(len(s.factors))
        for k, f in enumerate(s.factors):
            if k == first or self.rng.random() < 0.5:
                f.variant = (f.variant + 1) % 3
        s.barriers = [copy.copy(b) for b in src.barriers]
        s.details = dict(src.details)
        s.details["weekday"] = self.rng.choice(WEEKDAYS)
        return s

    # -- parts -----------------------------------------------------------------------------------
    def base(
        self, i: int, iid: str, t: datetime, svc: str, peer: str, services: list[str], symptom: str, sev: int
    ) -> Scenario:
        rng = self.rng
        teams = list(dict.fromkeys(SERVICE_BY_NAME[x].team for x in services))
        s = Scenario(
            i,
            iid,
            t,
            sev,
            svc,
            peer,
            services,
            symptom,
            teams,
            title_variant=rng.randrange(3),
            shape_seed=rng.getrandbits(32),
        )
        noun = SERVICE_BY_NAME[svc].noun
        s.details = {
            "svc": svc,
            "peer": peer,
            "noun": noun,
            "Noun": noun[0].upper() + noun[1:],
            "team": SERVICE_BY_NAME[svc].team,
            "campaign": rng.choice(CAMPAIGNS_BY_MONTH[t.month]),
            "config_key": rng.choice(CONFIG_KEYS),
            "cert": rng.choice(CERTS),
            "vendor": rng.choice(VENDORS),
            "dep": rng.choice(DEPENDENCIES),
            "version": f"{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}",
            "flag": rng.choice(FLAGS),
            "table": rng.choice(TABLES),
            "region": rng.choice(REGIONS),
            "pool": str(rng.choice((20, 32, 50, 64, 100))),
            "pages": str(rng.randint(40, 180)),
            "detect": str(rng.randint(35, 160)),
            "diag": str(rng.randint(20, 90)),
            "weekday": rng.choice(WEEKDAYS),
        }
        s.context = rng.choice(CONTEXTS)
        return s

    def background_theme(self, cat: Category, t: datetime) -> str:
        pool = BACKGROUND[cat]
        weights = [0.35 if t >= self.theme_fixed_at[th] else 1.0 for th in pool]
        return self.rng.choices(pool, weights)[0]

    def factor(self, theme: str, allow_unthemed: bool) -> FactorPlan:
        rng = self.rng
        spec = THEME_BY_SLUG[theme]
        themes = [theme]
        if allow_unthemed and theme not in CLUSTER_THEMES and rng.random() < UNTHEMED_RATE:
            themes = []
        elif rng.random() < 0.05:
            other = rng.choice(BACKGROUND[spec.category])
            if other != theme:
                themes.append(other)
        return FactorPlan(theme, themes, spec.category, rng.randrange(3), tail=self.tail(theme))

    def tail(self, theme: str) -> str:
        rng = self.rng
        if rng.random() < 0.3:
            return ""
        template = rng.choice(FACTOR_TAILS[THEME_BY_SLUG[theme].category.value])
        return template.format(
            hh=f"{rng.randrange(24):02d}",
            mm=f"{rng.randrange(0, 60, 5):02d}",
            k=rng.randint(2, 9),
            m=rng.randint(10, 48),
            ms=rng.randrange(900, 9000, 50),
            minutes=rng.randint(6, 95),
            version=f"v{rng.randint(1, 40)}.{rng.randint(0, 20)}",
            weekday=rng.choice(WEEKDAYS),
            nth=rng.choice(ORDINALS),
            month=rng.choice(MONTHS),
        )

    def choose_method(self, s: Scenario) -> None:
        rng = self.rng
        multi = s.severity == 1 or len(s.teams) > 1
        if multi:
            s.method = rng.choices((Method.CONTRIBUTION_MAP, Method.BARRIER_ANALYSIS), (70, 30))[0]
        elif s.severity == 2:
            s.method = rng.choices(list(Method), (25, 40, 35))[0]
        else:
            s.method = rng.choices(list(Method), (50, 25, 25))[0]

    def plan_barriers(self, s: Scenario) -> None:
        if s.method == Method.FIVE_WHYS:
            s.barriers = []
            return
        rng = self.rng
        plans: dict[str, BarrierPlan] = {}
        if s.cluster:
            for slug, status in s.cluster.barriers:
                if rng.random() > 0.85:
                    status = rng.choice(
                        [
                            x
                            for x in (BarrierStatus.FAILED, BarrierStatus.MISSING, BarrierStatus.BYPASSED)
                            if x != status
                        ]
                    )
                plans[slug] = BarrierPlan(slug, status, self.defeaters(s, slug))
        for fi, f in enumerate(s.factors):
            spec = THEME_BY_SLUG[f.theme]
            if f.theme in DEPLOY_THEMES and rng.random() < 0.6:
                plans.setdefault("canary-analysis", BarrierPlan("canary-analysis", BarrierStatus.BYPASSED, [fi]))
            elif spec.barriers and rng.random() < 0.5 and not (s.cluster and f.theme in s.cluster.themes):
                slug = rng.choice(spec.barriers)
                status = rng.choices(
                    (BarrierStatus.FAILED, BarrierStatus.MISSING, BarrierStatus.BYPASSED), (40, 35, 25)
                )[0]
                plans.setdefault(slug, BarrierPlan(slug, status, [fi]))
        minimum = 3 if s.method == Method.BARRIER_ANALYSIS else 2
        held_pool = [b for b in _HELD_CANDIDATES if b not in plans]
        for _ in range(max(1, minimum - len(plans)) if held_pool else 0):
            slug = rng.choice(held_pool)
            held_pool.remove(slug)
            plans[slug] = BarrierPlan(slug, BarrierStatus.HELD, [])
        s.barriers = list(plans.values())

    def defeaters(self, s: Scenario, barrier: str) -> list[int]:
        hits = [i for i, f in enumerate(s.factors) if barrier in THEME_BY_SLUG[f.theme].barriers]
        return hits[:2] or [0]

    def plant_lint(self, s: Scenario) -> None:
        rng = self.rng
        rules = [r for r, p in LINT_RATES.items() if rng.random() < p]
        if s.cluster:  # a cluster's themes need their factors; a lone-team review needs a lone-team incident
            rules = [r for r in rules if r not in ("single-root-cause", "isolated-retrospective")]
        if s.severity == 1 or len(s.teams) > 1:  # one factor on a big incident would be a method mismatch too
            rules = [r for r in rules if r != "single-root-cause"]
        if "single-root-cause" in rules:  # one factor and nothing else: no blamed person, no long tail
            rules = [r for r in rules if r not in ("action-item-proliferation", "blame-language")]
        if "isolated-retrospective" in rules:
            team = s.lead_team
            s.services = [x for x in s.services if SERVICE_BY_NAME[x].team == team]
            s.teams = [team]
            self.choose_method(s)
            self.plan_barriers(s)
            if s.severity <= 2 and "no-provocateur" not in rules:
                rules.append("no-provocateur")
        if "no-provocateur" in rules and s.severity > 2:
            s.severity = 2
            if "isolated-retrospective" not in rules:
                self.choose_method(s)
                self.plan_barriers(s)
        if "single-root-cause" in rules:
            s.method, s.factors = Method.FIVE_WHYS, s.factors[:1]
            s.barriers = []
        elif (s.severity == 1 or len(s.teams) > 1) and rng.random() < MISMATCH_RATE and not s.origin:
            s.method, s.linear, s.barriers = Method.FIVE_WHYS, True, []
        if "blame-language" in rules:
            # Keeps the first factor's theme only so that lookups work; it carries none and reads as blame.
            s.factors.append(
                FactorPlan(s.factors[0].theme, [], Category.PROCESS, rng.randrange(len(BLAME_STATEMENTS)), blame=True)
            )
        s.lint = [r for r in LINT_RATES if r in rules]
        for rule, implied in IMPLIED_RULES.items():
            if rule in s.lint:
                s.lint.append(implied)


_LONE_CLUSTER_THEMES = tuple(th for c in CLUSTERS for th in c.themes)
_HELD_CANDIDATES = (
    "slo-burn-alerting",
    "synthetic-monitoring",
    "rollback-automation",
    "runbook",
    "on-call-escalation",
    "change-review",
    "integration-tests",
    "rate-limiting",
)
