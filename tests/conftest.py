"""Fixtures: a fresh knowledge base on each real engine.

Neo4j: the server NEO4J_URI names, or a throwaway one started by
scripts/neo4j_server.py when KB_TEST_START_NEO4J=1 (scripts/test sets it; so does CI).
In CI (CI=true) a Neo4j that cannot be reached fails the run; elsewhere the Neo4j
tests skip with the reason.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import kb
from kb.engines import EngineError
from kb.engines.neo4j_engine import Neo4jEngine, Neo4jSettings
from kb.knowledge_base import KnowledgeBase

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "packets"
# ../shared/data beside the checkout (a git worktree sits one level deeper)
SHARED_DATA = next((p / "shared" / "data" for p in (ROOT.parent, ROOT.parent.parent)
                    if (p / "shared" / "data").is_dir()), ROOT.parent / "shared" / "data")
DFDS = SHARED_DATA / "postmortems-dfds"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Shared fixtures of the loop tests (loop_db).
pytest_plugins = ["tests.loop_fixture"]


def _load_server_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("neo4j_server", ROOT / "scripts" / "neo4j_server.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["neo4j_server"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def neo4j_settings() -> Iterator[Neo4jSettings]:
    if os.environ.get("NEO4J_URI"):
        yield Neo4jSettings(
            uri=os.environ["NEO4J_URI"],
            user=os.environ.get("NEO4J_USERNAME", "neo4j"),
            password=os.environ.get("NEO4J_PASSWORD", ""),
            database=os.environ.get("NEO4J_DATABASE", "neo4j"),
        )
        return
    if not (IN_CI or os.environ.get("KB_TEST_START_NEO4J") == "1"):
        pytest.skip("no Neo4j: set NEO4J_URI, or KB_TEST_START_NEO4J=1 to start a throwaway server "
                    "(needs Java 17 and Maven), or run scripts/test")
    script = _load_server_script()
    try:
        server = script.start()
    except Exception as exc:  # the script's error carries the server log tail
        message = f"the throwaway Neo4j server did not start: {exc}"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    try:
        yield Neo4jSettings(uri=server.uri, user=server.user, password=server.password,
                            database=server.database)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def neo4j_engine(neo4j_settings: Neo4jSettings) -> Iterator[Neo4jEngine]:
    try:
        engine = Neo4jEngine(neo4j_settings)
    except EngineError as exc:
        if IN_CI:
            pytest.fail(str(exc), pytrace=False)
        pytest.skip(str(exc))
    yield engine
    engine.close()


@pytest.fixture
def ladybug_kb(tmp_path: Path) -> Iterator[KnowledgeBase]:
    kbase = kb.connect(engine="ladybug", db=tmp_path / "graph.lbug")
    yield kbase
    kbase.close()


class _SharedEngine:
    """Keeps the session's Neo4j driver open when a test closes its knowledge base."""

    def __init__(self, engine: Neo4jEngine) -> None:
        self._engine = engine

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._engine, name)

    def close(self) -> None:
        pass


@pytest.fixture
def neo4j_kb(neo4j_engine: Neo4jEngine) -> Iterator[KnowledgeBase]:
    neo4j_engine.reset()
    kbase = KnowledgeBase(_SharedEngine(neo4j_engine))  # type: ignore[arg-type]
    kbase.init_schema()
    yield kbase


@pytest.fixture(params=["ladybug", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def any_kb(request: pytest.FixtureRequest) -> KnowledgeBase:
    """The same test on both engines."""
    return request.getfixturevalue(f"{request.param}_kb")  # type: ignore[no-any-return]
