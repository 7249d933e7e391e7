"""The analyst's Python API, used the way a notebook would: only names from `kb.__all__`."""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

import kb

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "packets" / "INC-2025-001.yaml"
INCIDENTS = 60


@pytest.fixture(scope="module")
def kbase() -> Iterator[kb.KnowledgeBase]:
    with kb.connect(engine="ladybug", db=":memory:") as k:
        assert kb.load_demo(k, incidents=INCIDENTS, seed=7) == INCIDENTS
        yield k


def test_every_public_name_resolves_and_is_documented() -> None:
    for name in kb.__all__:
        obj = getattr(kb, name)
        assert inspect.getdoc(obj), f"kb.{name} has no docstring"
    with pytest.raises(AttributeError):
        kb.no_such_name  # noqa: B018


def test_import_kb_loads_nothing_else() -> None:
    """`import kb` stays cheap: the API's modules load on first use."""
    code = "import kb, sys; print(sorted(m for m in sys.modules if m == 'kb' or m.startswith('kb.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "['kb']"


def test_a_notebook_session(kbase: kb.KnowledgeBase) -> None:
    clusters = kb.clusters(kbase)
    assert isinstance(clusters, pd.DataFrame) and len(clusters) > 0
    assert {"cluster", "name", "themes", "incidents", "score"} <= set(clusters.columns)
    assert list(clusters["score"]) == sorted(clusters["score"], reverse=True)

    # The latest incident of the top cluster, and the incidents most like it that came before.
    incident = list(clusters.iloc[0]["incidents"])[-1]
    similar = kb.similar(kbase, incident, k=3)
    assert isinstance(similar, pd.DataFrame) and 0 < len(similar) <= 3
    assert incident not in set(similar["similar"])
    mine = kbase.query("incidents").set_index("incident").at[incident, "started_at"]
    assert (similar["started_at"] < mine).all()

    repeats = kb.repeats(kbase)
    assert list(repeats.columns) == [
        "incident",
        "started_at",
        "earlier_incident",
        "finding",
        "via_kind",
        "via",
        "evidence",
    ]
    assert (repeats["earlier_incident"] != repeats["incident"]).all()

    metrics = kb.metrics(kbase)
    assert metrics.iloc[-1]["period"] == "all" and metrics.iloc[-1]["incidents"] == INCIDENTS

    gate = kb.gate(kbase)
    assert len(gate) == INCIDENTS and set(gate["status"]) <= {"complete", "open"}
    assert gate.loc[gate["status"] == "open", "reason"].notna().all()

    packet = kb.read_packets(kbase, [incident])[0]
    assert packet.key == incident
    web = kb.causal_web(kbase, incident)
    assert isinstance(web, nx.DiGraph) and "impact" in web
    factors = {f"factor:{f.id}" for a in packet.analyses for f in a.factors}
    assert factors <= set(web.nodes)

    trends = kb.charts.loop_trends_figure(metrics)
    assert len(trends.data) > 0
    figure = kb.charts.causal_web_figure(packet)
    assert sum(len(t.x) for t in figure.data if t.x is not None) >= len(factors)


def test_unknown_incident_is_a_key_error(kbase: kb.KnowledgeBase) -> None:
    with pytest.raises(KeyError, match="INC-NOPE"):
        kb.causal_web(kbase, "INC-NOPE")


def test_read_a_packet_file_and_ingest_it_without_hooks() -> None:
    packet = kb.read_packet(EXAMPLE)
    assert isinstance(packet, kb.EventPacket) and packet.key == "INC-2025-001"
    seen: list[list[str]] = []
    with kb.connect(engine="ladybug", db=":memory:", hooks=[lambda _k, keys: seen.append(keys)]) as k:
        k.ingest_packets([packet])
        assert kb.read_packets(k, ["INC-2025-001"])[0].incident.title == packet.incident.title
    assert seen == [["INC-2025-001"]]
