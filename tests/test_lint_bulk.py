"""`kb check --all` reads every incident in bulk (rows, no key filter) and reads review prose once per
distinct sentence: the same findings as linting each incident on its own, on both engines."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import networkx as nx
import pandas as pd
import pytest

from kb.analysis.frameworks import _acyclic, _reaching_impact, causal_graph, five_whys, structure_problems
from kb.analysis.language import blame_hits
from kb.demo import generate_corpus
from kb.graph import catalogue
from kb.graph.reader import read_packets
from kb.knowledge_base import KnowledgeBase
from kb.lint import lint_graph
from kb.model import IMPACT, Analysis

from .test_lint_graph import corpus as review_corpus
from .test_real_lint_repeats import provisioning_reports

NOW = datetime(2026, 10, 1, tzinfo=UTC)


def _load(kbase: KnowledgeBase) -> list[str]:
    """A demo corpus (the after-ingest similarity check links related incidents), reviews with blame
    language and real-like imported reports, one of them a follow-up document of another."""
    packets = generate_corpus(n_incidents=40, seed=5).packets + review_corpus() + provisioning_reports()
    kbase.ingest_packets(packets)
    return sorted(p.key for p in packets)


def test_check_all_equals_each_incident_checked_alone(any_kb: KnowledgeBase) -> None:
    keys = _load(any_kb)
    bulk = lint_graph(any_kb, None, None, NOW)
    assert bulk.incidents == keys
    alone = [lint_graph(any_kb, [k], None, NOW) for k in keys]
    assert [f for r in alone for f in r.findings] == bulk.findings
    assert max(r.exit_code for r in alone) == bulk.exit_code == 1
    fired = bulk.counts()
    # Not vacuous: the prose rules, the structure rules and the related-incident rules all fire.
    for rule in ("blame-language", "chain-ends-at-person", "untracked-finding", "no-related-check"):
        assert fired.get(rule, 0) > 0, rule
    # The deeper dive that follows up the May report is not an earlier incident to compare it with.
    todo = [f for f in bulk.findings if f.rule == "no-related-check" and f.incident == "2025-05-12-provisioning"]
    assert all("2025-11-26-provisioning-deeper-dive" not in f.message for f in todo)


class _FramesOnly:
    """A Queryable with frames alone (no `query_rows`): the reader's other path."""

    def __init__(self, kbase: KnowledgeBase) -> None:
        self.kbase = kbase

    def query(self, name: str, **params: Any) -> pd.DataFrame:
        return self.kbase.query(name, **params)


def test_every_incident_read_as_rows_equals_the_keyed_and_the_frame_reads(any_kb: KnowledgeBase) -> None:
    keys = _load(any_kb)
    every = read_packets(any_kb, None)
    keyed = read_packets(any_kb, keys)
    frames = read_packets(_FramesOnly(any_kb), keys)
    assert [p.key for p in every] == keys
    for got in (keyed, frames):
        assert [p.model_dump() for p in got] == [p.model_dump() for p in every]
        assert [p.model_dump_json() for p in got] == [p.model_dump_json() for p in every]
    assert read_packets(any_kb, keys[:2]) == every[:2]
    assert read_packets(any_kb, []) == []


def test_every_packet_query_has_a_form_without_its_key_filter() -> None:
    for name in catalogue.names():
        if name.startswith(("packet_", "review_related_")):
            for dialect in ("ladybug", "neo4j"):
                text = catalogue.query_text_every(name, dialect)
                assert text is not None and "$keys" not in text and "MATCH" in text, (name, dialect)
    assert catalogue.query_text_every("incidents", "ladybug") is None  # no filter to drop


def test_query_rows_without_a_key_filter_refuses_a_query_that_has_none(ladybug_kb: KnowledgeBase) -> None:
    with pytest.raises(catalogue.UnknownQuery, match="no `WHERE x IN \\$keys` line"):
        ladybug_kb.query_rows("incidents", every_incident=True)
    assert ladybug_kb.query_rows("packet_incidents", keys=["nope"]) == []


def _random_analysis(rng: random.Random, n: int, edges: int) -> Analysis:
    ids = [f"F{i}" for i in range(1, n + 1)]
    pairs = {(rng.choice(ids), rng.choice([*ids, IMPACT])) for _ in range(edges)}
    return Analysis.model_validate(
        {
            "id": "A1",
            "method": rng.choice(["five_whys", "contribution_map"]),
            "factors": [{"id": i, "statement": f"condition {i}", "category": "technical"} for i in ids],
            "influences": [{"source": s, "target": t} for s, t in sorted(pairs) if s != t],
        }
    )


def test_plain_graph_checks_agree_with_networkx_on_random_analyses() -> None:
    rng = random.Random(15)
    cyclic = 0
    for _ in range(400):
        a = _random_analysis(rng, rng.randint(1, 7), rng.randint(0, 12))
        g = causal_graph(a)
        dag = nx.is_directed_acyclic_graph(g)
        cyclic += not dag
        assert _acyclic(a) == dag
        if dag:
            reaching = _reaching_impact(a)
            assert [f.id for f in a.factors if f.id not in reaching] == five_whys(a).unattached
    assert 50 < cyclic < 350  # both shapes were tried


def test_a_factor_named_impact_keeps_the_networkx_path() -> None:
    a = Analysis.model_validate(
        {
            "id": "A1",
            "method": "five_whys",
            "factors": [
                {"id": "impact", "statement": "a factor that shares the impact's name", "category": "technical"},
                {"id": "F2", "statement": "a condition", "category": "technical"},
            ],
            "influences": [{"source": "F2", "target": "impact"}],
        }
    )
    from kb.model import EventPacket

    packet = EventPacket.model_validate(
        {"incident": {"id": "INC-1", "title": "t", "started_at": "2025-01-01T00:00:00Z"}, "analyses": [a.model_dump()]}
    )
    assert [p.problem for p in structure_problems(packet)] == []


@pytest.mark.parametrize(
    ("text", "people", "trigger"),
    [
        ("zoë deployed the config and took down checkout.", ["Zoë"], "zoë"),  # not ASCII: tokens read
        ("Ana deployed the config and took down checkout.", ["ana"], "Ana"),
        ("The banana deployed the config and took down checkout.", ["ana"], None),  # a substring, no token
        ("Later, ravi.k pushed the change, causing the outage.", ["ravi.k"], "ravi.k"),
    ],
)
def test_blame_subject_is_a_whole_token_that_is_a_handle(text: str, people: list[str], trigger: str | None) -> None:
    hits = blame_hits(text, people, causal=False)
    assert [h.trigger for h in hits] == ([trigger] if trigger else [])
    # The same sentence again (read from the cache) gives the same answer for other people.
    assert blame_hits(text, [], causal=False) == []
