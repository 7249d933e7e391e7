"""Every catalogue query runs on both engines over the same data and gives the same answer."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest

from kb.graph import catalogue
from kb.knowledge_base import KnowledgeBase
from kb.lint.packet_sla import PacketSettings, scaffold
from kb.model import EventPacket
from kb.packets import read_packet

from .conftest import ENGINE_NAMES, EXAMPLES, fresh_kb
from .graph_dump import canon

pytestmark = pytest.mark.neo4j

# Values for parameters a query does not give an `// example: {...}` line for.
DEFAULTS: dict[str, Any] = {"keys": None, "key": None, "incident": None, "limit": 10}
_EXAMPLE = re.compile(r"^//\s*example:\s*(\{.*\})\s*$", re.MULTILINE)
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def _corpus() -> list[EventPacket]:
    packets = [read_packet(p) for p in sorted(EXAMPLES.glob("*.yaml"))]
    # A scaffolded packet still to compile (owner, compile_by with microseconds): packets_pending's rows.
    now = datetime(2026, 11, 29, 9, 30, 15, 250, tzinfo=UTC)
    packets.append(scaffold("PENDING-1", now=now, settings=PacketSettings(), owner="avery", title="To compile"))
    try:
        from kb.demo import generate_corpus
    except ImportError:
        return packets
    return packets + generate_corpus(n_incidents=120, seed=11).packets


def _params(name: str, text: str, keys: list[str]) -> dict[str, Any]:
    found = _EXAMPLE.search(text)
    params: dict[str, Any] = json.loads(found.group(1)) if found else {}
    for p in set(_PARAM.findall(text)) - params.keys():
        if p not in DEFAULTS:
            pytest.fail(f'cypher/{name}.cypher uses ${p}: add a line `// example: {{"{p}": ...}}`')
        params[p] = {"keys": keys, "key": keys[0], "incident": keys[0]}.get(p, DEFAULTS[p])
    return params


def _rows(df: pd.DataFrame) -> list[tuple[Any, ...]]:
    return sorted((tuple(canon(v, unordered=True) for v in row) for row in df.itertuples(index=False)), key=repr)


@pytest.fixture(scope="module")
def both(request: pytest.FixtureRequest) -> Iterator[tuple[KnowledgeBase, KnowledgeBase, list[str]]]:
    """The same corpus on each engine of conftest.ENGINE_NAMES (the first two are compared)."""
    packets = _corpus()
    lb, neo = (fresh_kb(request, name) for name in ENGINE_NAMES)
    for kbase in (lb, neo):
        kbase.ingest_packets(packets)
    yield lb, neo, [p.key for p in packets]
    lb.close()
    neo.close()


@pytest.mark.parametrize("name", catalogue.names())
def test_query_same_on_both_engines(name: str, both: tuple[KnowledgeBase, KnowledgeBase, list[str]]) -> None:
    lb, neo, keys = both
    params = _params(name, catalogue.query_text(name, "neo4j") + catalogue.query_text(name, "ladybug"), keys)
    a, b = lb.query(name, **params), neo.query(name, **params)
    assert list(a.columns) == list(b.columns)
    assert _rows(a) == _rows(b)
    assert len(a) > 0, f"{name} returned no rows on the test corpus: the comparison proves nothing"
