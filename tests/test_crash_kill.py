"""kill -9 of `kb ingest` at named points (KB_FAULT_KILL_AT, kb/engines/faults.py) and at
random times, on both engines, on a first load and on a re-ingest into a full graph with
tool-made links (roadmap import, an accepted theme, a pushed Jira key).

After each kill, once the server has finished with the killed client (Neo4j: its last commit
landed or its open transaction rolled back): the database opens; a first load left all of its
batch or none of it; a re-ingest (which rewrites the same values) left the graph exactly as it
was. After a rerun the graph equals a clean load node for node, tool-made links included.
"""

from __future__ import annotations

import os
import random
import signal
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
from kb.engines.neo4j_engine import Neo4jEngine
from kb.graph.loop_writes import JIRA_PUSH
from kb.knowledge_base import KnowledgeBase
from kb.model.schema import NODES
from kb.roadmap import import_roadmap
from tests.cli_forkserver import start_kb, stop_server
from tests.conftest import ROOT, _SharedEngine
from tests.graph_dump import dump_differences, graph_dump

INCIDENTS = 30
# The n-th write of a run reaching a point: an ingest writes the batch, then the similar-incident
# links (and on a fresh Ladybug file the schema first), so :2 reaches the second write's window.
NAMED_POINTS = ("write:1", "commit:1", "swap:1", "commit:2", "swap:2")
RANDOM_KILLS = 1  # per engine and scenario, at a random fraction of a clean run's duration
# 12 kills an engine, 24 in all: within the CI budget (the suite's crash tests ~2 minutes).
BATCH_LABELS = ("Incident", *(n.label for n in NODES if n.owned))
"""What one packet batch writes and no after-ingest hook touches: the incidents and the nodes they own."""
SETTLE_SECONDS = 120.0  # a hang guard: the server ends a killed client's transaction in well under a second


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("crash-corpus")
    write_corpus(generate_corpus(n_incidents=INCIDENTS, seed=5), root)
    return root


@pytest.fixture(scope="module", autouse=True)
def _fork_server() -> Iterator[None]:
    yield
    stop_server()


@dataclass
class Target:
    """One engine as the test drives it: a fresh graph, the ingest command, a way to look."""

    name: str
    env: dict[str, str]
    fresh: Callable[[], None]
    open: Callable[[], KnowledgeBase]
    args: Callable[[], list[str]]
    scratch: Path
    settle: Callable[[], None] = lambda: None
    """Wait until the database holds nothing of the killed process in flight (Ladybug: nothing can be)."""


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
        tmp_path,
    )


@pytest.fixture
def neo4j_target(neo4j_engine, neo4j_settings, tmp_path: Path) -> Target:  # type: ignore[no-untyped-def]
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
    args = ["--engine", "neo4j"]
    return Target("neo4j", env, neo4j_engine.reset, open_, lambda: args, tmp_path, lambda: _settle(neo4j_engine))


_SHOW_TRANSACTIONS = "SHOW TRANSACTIONS YIELD transactionId, currentQuery, clientAddress, status"


def _settle(engine: Neo4jEngine) -> None:
    """Wait until the server holds no transaction but the one asking. A kill -9 can leave the
    client's transaction open (the server rolls it back once it sees the connection close) or its
    COMMIT on the way (the server commits after the client died): reading meanwhile, a check that
    reads in more than one query could pair counts from before and after that commit. A transaction
    that stays open is another client's: this test empties the graph, it needs a server of its own."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        open_ = engine.read(_SHOW_TRANSACTIONS)
        others = open_[open_["currentQuery"] != _SHOW_TRANSACTIONS]
        if others.empty:
            return
        if time.monotonic() > deadline:
            pytest.fail(
                f"another client's transactions stayed open on the test's Neo4j for {SETTLE_SECONDS:.0f} s "
                f"(this test empties the graph: it needs a server of its own): {others.to_dict('records')}"
            )
        time.sleep(0.05)


@contextmanager
def _opened(target: Target) -> Iterator[KnowledgeBase]:
    kbase = target.open()  # raises if the database does not open
    try:
        yield kbase
    finally:
        kbase.close()


def _ingest(target: Target, packets: Path, point: str | None = None, kill_after: float | None = None) -> int:
    """Run `kb ingest` in a process of its own (forked from a server that has imported kb: 14 fresh
    interpreters an engine spent more CPU importing than ingesting); returns its exit status (-9: killed)."""
    env = dict(target.env)
    if point:
        env["KB_FAULT_KILL_AT"] = point
    err = target.scratch / "ingest.err"
    proc = start_kb(["ingest", str(packets), *target.args()], env, err)
    if kill_after is not None:
        proc.join(timeout=kill_after)
        if proc.exitcode is None:
            proc.kill()  # SIGKILL
    proc.join(timeout=900)
    code = proc.exitcode
    assert code in (0, -signal.SIGKILL), f"kb ingest failed ({code}): {err.read_text()[-2000:]}"
    return code


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


def _batch_counts(kbase: KnowledgeBase) -> dict[str, int]:
    """The nodes of each BATCH_LABELS label, counted in one query (one read transaction on Neo4j)."""
    counts = ", ".join(f"COUNT {{ MATCH (n:{label}) }} AS {label}" for label in BATCH_LABELS)
    row = kbase.cypher(f"RETURN {counts}").iloc[0]
    return {label: int(row[label]) for label in BATCH_LABELS}


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
        whole = _batch_counts(kbase)
        _add_tool_links(kbase, corpus)
        full = graph_dump(kbase)
        links = _tool_link_count(kbase)
    assert links >= 5 and whole["Incident"] == INCIDENTS and min(whole.values()) > 0
    none = dict.fromkeys(BATCH_LABELS, 0)
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
        target.settle()
        with _opened(target) as kbase:
            stored = _batch_counts(kbase)
            assert stored in (none, whole), f"kill at {point or fraction}: a partial batch {stored}, whole: {whole}"
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
        target.settle()
        with _opened(target) as kbase:
            _same(kbase, full, f"re-ingest killed at {point or fraction}")
            assert _tool_link_count(kbase) == links
            kbase.ingest_paths([packets])
            _same(kbase, full, f"re-ingest killed at {point or fraction}, then rerun")

    assert kills >= 2 * len(NAMED_POINTS)
