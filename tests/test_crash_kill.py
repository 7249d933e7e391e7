"""kill -9 of `kb ingest` at named points (KB_FAULT_KILL_AT, kb/engines/faults.py) and at
random times, on both engines, on a first load and on a re-ingest into a full graph with
tool-made links (roadmap import, an accepted theme, a pushed Jira key).

After each kill: the database opens; a first load left all of its batch or none of it; a
re-ingest (which rewrites the same values) left the graph exactly as it was. After a rerun
the graph equals a clean load node for node, tool-made links included.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

import kb
from kb.analysis.hooks import DEFAULT_HOOKS
from kb.analysis.themes import accept_theme
from kb.demo import generate_corpus, write_corpus
from kb.graph.loop_writes import JIRA_PUSH
from kb.knowledge_base import KnowledgeBase
from kb.roadmap import import_roadmap
from tests.conftest import ROOT, _SharedEngine
from tests.graph_dump import dump_differences, graph_dump

INCIDENTS = 30
# The n-th write of a run reaching a point: an ingest writes the batch, then the similar-incident
# links (and on a fresh Ladybug file the schema first), so :2 reaches the second write's window.
NAMED_POINTS = ("write:1", "commit:1", "swap:1", "commit:2", "swap:2")
RANDOM_KILLS = 1  # per engine and scenario, at a random fraction of a clean run's duration
# 12 kills an engine, 24 in all: within the CI budget (the suite's crash tests ~2 minutes).


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("crash-corpus")
    write_corpus(generate_corpus(n_incidents=INCIDENTS, seed=5), root)
    return root


@dataclass
class Target:
    """One engine as the test drives it: a fresh graph, the ingest command, a way to look."""

    name: str
    env: dict[str, str]
    fresh: Callable[[], None]
    open: Callable[[], KnowledgeBase]
    args: Callable[[], list[str]]


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KB_FAULT", "NEO4J_", "KB_ENGINE", "KB_DB"))}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.fixture
def ladybug_target(tmp_path: Path) -> Target:
    state = {"n": 0}

    def path() -> Path:
        return tmp_path / f"db{state['n']}" / "graph.lbug"

    def fresh() -> None:
        state["n"] += 1

    return Target(
        "ladybug",
        _base_env(),
        fresh,
        lambda: kb.connect(engine="ladybug", db=path()),
        lambda: ["--engine", "ladybug", "--db", str(path())],
    )


@pytest.fixture
def neo4j_target(neo4j_engine, neo4j_settings) -> Target:  # type: ignore[no-untyped-def]
    env = _base_env() | {
        "NEO4J_URI": neo4j_settings.uri,
        "NEO4J_USERNAME": neo4j_settings.user,
        "NEO4J_PASSWORD": neo4j_settings.password,
        "NEO4J_DATABASE": neo4j_settings.database,
    }

    def open_() -> KnowledgeBase:
        # The same after-ingest hooks as kb.connect() wires, as the CLI's ingest runs them.
        kbase = KnowledgeBase(_SharedEngine(neo4j_engine), DEFAULT_HOOKS)  # type: ignore[arg-type]
        kbase.init_schema()
        return kbase

    neo4j_engine.reset()
    return Target("neo4j", env, neo4j_engine.reset, open_, lambda: ["--engine", "neo4j"])


@contextmanager
def _opened(target: Target) -> Iterator[KnowledgeBase]:
    kbase = target.open()  # raises if the database does not open
    try:
        yield kbase
    finally:
        kbase.close()


def _ingest(target: Target, packets: Path, point: str | None = None, kill_after: float | None = None) -> int:
    """Run `kb ingest` in a subprocess; returns its exit status (-9: killed)."""
    env = dict(target.env)
    if point:
        env["KB_FAULT_KILL_AT"] = point
    cmd = [sys.executable, "-m", "kb", "ingest", str(packets), *target.args()]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if kill_after is not None:
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=900)
    assert proc.returncode in (0, -signal.SIGKILL), f"kb ingest failed ({proc.returncode}): {err[-2000:]}"
    return proc.returncode


def _add_tool_links(kbase: KnowledgeBase, corpus: Path) -> None:
    """Links no packet can re-create: roadmap import, an accepted theme, a pushed Jira key."""
    import_roadmap(kbase, corpus / "roadmap.yaml")
    themed = set(kbase.cypher("MATCH (f:Factor)-[:INSTANCE_OF]->(:Theme) RETURN f.key AS k")["k"])
    factor = min(set(kbase.cypher("MATCH (f:Factor) RETURN f.key AS k")["k"]) - themed)
    theme = kbase.cypher("MATCH (t:Theme) RETURN t.slug AS s ORDER BY s LIMIT 1")["s"].iloc[0]
    accept_theme(kbase, factor, theme)
    finding = kbase.cypher("MATCH (f:Finding) RETURN f.key AS k ORDER BY k LIMIT 1")["k"].iloc[0]
    kbase.record_work_item(
        finding,
        {
            "key": "jira:CRASH-1",
            "system": "jira",
            "external_id": "CRASH-1",
            "url": "https://jira.example/browse/CRASH-1",
            "status": "To Do",
        },
        JIRA_PUSH,
    )


def _tool_link_count(kbase: KnowledgeBase) -> int:
    df = kbase.cypher(
        "MATCH ()-[e]->() WHERE e.origin IS NOT NULL AND e.origin <> 'packet' "
        "AND e.origin <> 'similarity' RETURN count(e) AS c"
    )
    return int(df["c"].iloc[0])


def _same(kbase: KnowledgeBase, expected: dict, what: str) -> None:  # type: ignore[type-arg]
    got = graph_dump(kbase)
    assert got == expected, f"{what}: " + "; ".join(dump_differences(got, expected))


@pytest.mark.timeout(1800)  # ~2 min a engine on an idle 2-core machine; far more on a loaded one
@pytest.mark.parametrize("engine", ["ladybug", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def test_kill9_during_ingest_then_rerun_equals_clean_load(
    engine: str, corpus: Path, request: pytest.FixtureRequest
) -> None:
    target: Target = request.getfixturevalue(f"{engine}_target")
    packets = corpus / "packets"
    rng = random.Random(f"crash-{engine}")

    # Clean references through the same command: a first load, then tool links, then a re-ingest.
    target.fresh()
    started = time.perf_counter()
    assert _ingest(target, packets) == 0
    first_seconds = time.perf_counter() - started
    with _opened(target) as kbase:
        clean = graph_dump(kbase)
        events = len(clean["node:TimelineEvent"])
        _add_tool_links(kbase, corpus)
        full = graph_dump(kbase)
        links = _tool_link_count(kbase)
    assert links >= 5 and len(clean["node:Incident"]) == INCIDENTS
    started = time.perf_counter()
    assert _ingest(target, packets) == 0
    again_seconds = time.perf_counter() - started
    with _opened(target) as kbase:
        _same(kbase, full, "a clean re-ingest changed the graph")

    kills = 0
    plan = [(p, None) for p in NAMED_POINTS] + [(None, rng.uniform(0.3, 0.9)) for _ in range(RANDOM_KILLS)]

    # First load into an empty graph.
    for point, fraction in plan:
        target.fresh()
        rc = _ingest(target, packets, point, fraction * first_seconds if fraction else None)
        assert point is None or rc == -signal.SIGKILL, f"{point} was never reached"
        kills += rc == -signal.SIGKILL
        with _opened(target) as kbase:
            incidents, stored_events = (len(graph_dump(kbase)[k]) for k in ("node:Incident", "node:TimelineEvent"))
            assert (incidents, stored_events) in ((0, 0), (INCIDENTS, events)), (
                f"kill at {point or fraction}: a partial batch ({incidents} incidents, {stored_events} events)"
            )
            kbase.ingest_paths([packets])
            _same(kbase, clean, f"first load killed at {point or fraction}, then rerun")

    # Re-ingest into the full graph with tool-made links: every write rewrites the same values.
    with _opened(target) as kbase:
        _add_tool_links(kbase, corpus)
        _same(kbase, full, "the full graph")
    for point, fraction in plan:
        rc = _ingest(target, packets, point, fraction * again_seconds if fraction else None)
        assert point is None or rc == -signal.SIGKILL, f"{point} was never reached"
        kills += rc == -signal.SIGKILL
        with _opened(target) as kbase:
            _same(kbase, full, f"re-ingest killed at {point or fraction}")
            assert _tool_link_count(kbase) == links
            kbase.ingest_paths([packets])
            _same(kbase, full, f"re-ingest killed at {point or fraction}, then rerun")

    assert kills >= 2 * len(NAMED_POINTS)
