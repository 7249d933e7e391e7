"""The reasoning half of a packet: factors, influences, barriers and findings for one analysis."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from kb.demo.barriers import BARRIER_BY_SLUG
from kb.demo.facts import cap, fill
from kb.demo.scenario import FactorPlan, Scenario
from kb.demo.themes import THEME_BY_SLUG
from kb.demo.wording import BLAME_STATEMENTS, EXTRA_ACTIONS, VAGUE_FINDINGS
from kb.model import IMPACT, BarrierStatus, Category, Method

Doc = dict[str, Any]


def factor_id(i: int) -> str:
    return f"F{i + 1}"


def factor_docs(s: Scenario) -> list[Doc]:
    out = []
    for i, f in enumerate(s.factors):
        if f.blame:
            text = fill(BLAME_STATEMENTS[f.variant % len(BLAME_STATEMENTS)], s.details)
        else:
            text = fill(THEME_BY_SLUG[f.theme].statements[f.variant], s.details) + f.tail
        doc: Doc = {"id": factor_id(i), "statement": cap(text), "category": f.category.value}
        if f.themes:
            doc["themes"] = list(f.themes)
        out.append(doc)
    return out


def influences(s: Scenario) -> list[Doc]:
    """The causal graph. Its shape comes from the scenario's own seed, so a near-duplicate has the same one."""
    rng = random.Random(s.shape_seed)
    n = len(s.factors)
    edges: list[tuple[int, int]] = []  # (source, target); target -1 is the impact
    real = [i for i, f in enumerate(s.factors) if not f.blame]
    if s.method == Method.FIVE_WHYS:
        # A why-chain: each answer explains an earlier one. Linear for the planted mismatches,
        # otherwise branching (two answers to the same why).
        edges.append((real[0], -1))
        for k, i in enumerate(real[1:], start=1):
            if s.linear:
                parent = real[k - 1]
            elif k <= 2:
                parent = real[0]
            else:
                parent = real[rng.randrange(1, k)]
            edges.append((i, parent))
    else:
        order = list(Category)
        technical = [i for i in real if s.factors[i].category == Category.TECHNICAL] or real[:1]
        for i in technical:
            edges.append((i, -1))
        for i in real:
            if i in technical:
                continue
            rank = order.index(s.factors[i].category)
            upstream = [j for j in real if order.index(s.factors[j].category) < rank and j != i] or technical
            edges.append((i, rng.choice(upstream)))
            if s.method == Method.CONTRIBUTION_MAP and rng.random() < 0.35:
                extra = rng.choice(technical)
                if (i, extra) not in edges and extra != i:
                    edges.append((i, extra))
    for i in range(n):
        if s.factors[i].blame:  # a leaf that blames someone; on a linear chain it extends the chain
            edges.append((i, real[-1] if s.linear else real[0]))
    return [{"source": factor_id(a), "target": IMPACT if b < 0 else factor_id(b)} for a, b in edges]


def barrier_docs(s: Scenario) -> list[Doc]:
    out = []
    for b in s.barriers:
        spec = BARRIER_BY_SLUG[b.slug]
        doc: Doc = {"barrier": b.slug, "name": spec.name, "kind": spec.kind.value, "status": b.status.value}
        if b.status != BarrierStatus.HELD:
            doc["defeated_by"] = [factor_id(i) for i in b.defeated_by if i < len(s.factors)] or [factor_id(0)]
        if b.status == BarrierStatus.BYPASSED:
            doc["note"] = "Skipped to ship an urgent change"
        out.append(doc)
    return out


@dataclass
class FindingDraft:
    """A finding before the gate decides its fate, with what the gate needs to know."""

    doc: Doc
    theme: str
    category: Category
    impact: int
    effort: int
    team: str
    action: str


def finding_text(spec_theme: str, details: dict[str, str], variant: int) -> tuple[str, str]:
    because, effect, action = (fill(x, details) for x in THEME_BY_SLUG[spec_theme].finding)
    if variant % 2 == 0:
        return f"Because {because}, {effect}; {action}.", action
    return f"{cap(action)}: {because}, so {effect}.", action


def findings(rng: random.Random, s: Scenario, owner_team: str, peer_team: str) -> list[FindingDraft]:
    real = [i for i, f in enumerate(s.factors) if not f.blame]
    count = min(len(real), rng.randint(2, 4)) if len(real) > 1 else rng.randint(1, 2)
    targets = real[:count] if count <= len(real) else real + real[: count - len(real)]
    if len(real) > count and rng.random() < 0.5:  # sometimes the organisational factor gets the finding
        targets[-1] = real[-1]
    drafts: list[FindingDraft] = []
    for k, fi in enumerate(targets):
        f = s.factors[fi]
        drafts.append(_draft(rng, s, k, fi, f, owner_team, peer_team, second=k >= len(real)))
    return drafts


def _draft(
    rng: random.Random, s: Scenario, k: int, fi: int, f: FactorPlan, owner_team: str, peer_team: str, second: bool
) -> FindingDraft:
    spec = THEME_BY_SLUG[f.theme]
    statement, action = finding_text(f.theme, s.details, s.wording + k + (1 if second else 0))
    if second:
        statement = f"As a stopgap: {statement[0].lower()}{statement[1:]}"
    addresses = [factor_id(fi)]
    # Addressing a theme or barrier by name is a cross-incident commitment: analysts make it
    # for a pattern they recognise (a cluster), and address one-off factors locally.
    if s.cluster and f.theme in s.cluster.themes:
        if f.themes and rng.random() < 0.6:
            addresses.append(f"theme:{f.themes[0]}")
        defeated = [b.slug for b in s.barriers if fi in b.defeated_by and b.status != BarrierStatus.HELD]
        if defeated and rng.random() < 0.4:
            addresses.append(f"barrier:{defeated[0]}")
    r = rng.random()
    team = owner_team if r < 0.65 else peer_team if r < 0.85 else "platform"
    owner = team if rng.random() < 0.85 else rng.choice(_OWNER_PEOPLE)
    impact = max(
        1,
        min(
            5,
            {1: 4, 2: 4, 3: 3, 4: 2}[s.severity]
            + rng.choice((-1, 0, 0, 1))
            + (1 if s.cluster and f.theme in s.cluster.themes else 0),
        ),
    )
    doc: Doc = {
        "id": f"R{k + 1}",
        "statement": statement,
        "owner": owner,
        "tags": list(spec.tags[: rng.randint(1, 2)]),
        "impact": impact,
        "effort": rng.randint(1, 5),
        "status": "proposed",
        "addresses": addresses,
    }
    return FindingDraft(doc, f.theme, f.category, impact, doc["effort"], team, action)


def proliferate(rng: random.Random, s: Scenario, drafts: list[FindingDraft], team: str) -> None:
    """The action-item-proliferation case: a long tail of small follow-ups (more than ten)."""
    target = rng.randint(11, 14)
    extras = rng.sample(EXTRA_ACTIONS, min(len(EXTRA_ACTIONS), target - len(drafts)))
    real = [i for i, f in enumerate(s.factors) if not f.blame]
    for text in extras:
        k = len(drafts)
        action = fill(text, s.details)
        doc: Doc = {
            "id": f"R{k + 1}",
            "statement": action,
            "owner": team,
            "tags": ["follow-up"],
            "impact": rng.randint(1, 3),
            "effort": rng.randint(1, 2),
            "status": "proposed",
            "addresses": [factor_id(rng.choice(real))],
        }
        drafts.append(
            FindingDraft(doc, s.factors[0].theme, Category.PROCESS, doc["impact"], doc["effort"], team, action)
        )


def add_vague(rng: random.Random, drafts: list[FindingDraft]) -> None:
    k = len(drafts)
    text = rng.choice(VAGUE_FINDINGS)
    doc: Doc = {"id": f"R{k + 1}", "statement": text, "tags": ["follow-up"], "status": "proposed"}
    drafts.append(FindingDraft(doc, "", Category.PROCESS, 0, 0, "", text))


_OWNER_PEOPLE = ("amira", "wen", "lucas", "priya", "grace", "kenji", "lars", "clara", "tom", "maria")
