"""Fixtures: a fresh knowledge base on each real engine.

ENGINES is the one list of engines: every fixture that runs a test on both engines
(`any_kb`, `engines_fixture`, the catalogue parity test) is parametrised over it, and
`fresh_kb` is the one way to open an empty knowledge base on one of them. Ladybug runs in
memory unless the test needs a file (`ladybug_file_kb`, or `fresh_kb(..., db=path)`).

Neo4j: the server NEO4J_URI names, or a throwaway one started by
scripts/neo4j_server.py when KB_TEST_START_NEO4J=1 (scripts/test sets it; so does CI).
In CI (CI=true) a Neo4j that cannot be reached fails the run; elsewhere the Neo4j
tests skip with the reason.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, cast

import pytest
from xdist.scheduler import LoadScopeScheduling

# pytest-xdist gives its workers COLUMNS=80; the CLI's console reads it once at import and would
# then ignore the width each test asks for (CliRunner env COLUMNS). A worker is no terminal either.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.pop("COLUMNS", None)
    os.environ.pop("LINES", None)

# What kb keeps for a Neo4j database goes to the user's cache folder (kb.engines.base.cache_dir):
# the suite's throwaway servers keep theirs in a folder of its own, not in ~/.cache.
os.environ.setdefault("KB_CACHE_DIR", tempfile.mkdtemp(prefix="kb-test-cache-"))

import kb  # noqa: E402
from kb.analysis.hooks import DEFAULT_HOOKS
from kb.engines import Engine, EngineError
from kb.engines.neo4j_engine import Neo4jEngine, Neo4jSettings
from kb.knowledge_base import KnowledgeBase

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "packets"
# ../shared/data beside the checkout (a git worktree sits one level deeper)
SHARED_DATA = next(
    (p / "shared" / "data" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared" / "data").is_dir()),
    ROOT.parent / "shared" / "data",
)
DFDS = SHARED_DATA / "postmortems-dfds"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Shared fixtures of the loop tests (loop_db).
pytest_plugins = ["tests.loop_fixture"]


_Scope = Literal["session", "package", "module", "class", "function"]

# scripts/test runs the suite as `pytest -n 2 --dist loadgroup`. Tests that share something costly,
# built once per worker process (a module's fixture, the session's demo120, the demo review cache),
# are sent to one worker as a unit so it is built once: under plain `--dist load` the 69 catalogue
# parity tests were split and both workers loaded its corpus into both engines. xdist's own
# loadgroup (an xdist_group mark renaming node ids) does nothing under pytest 9, whose items no
# longer take a new node id, so the groups are named here by module file. Units are sent out
# largest first (xdist's order), the ungrouped tests one at a time after them.
_WORKER_GROUPS: dict[str, str] = {
    "test_catalogue_parity.py": "catalogue-parity",  # its corpus on both engines
    "test_report_browser.py": "demo-review",  # tests/report_build.py: one review per process
    "test_svg_layout.py": "demo-review",
    "test_cli_repeats_limit.py": "demo120",  # the session's 120-incident demo database
    "test_report.py": "demo120",
    "test_report_reuse.py": "demo120",
    # a demo or pattern database (or both engines' copies) per module
    **{
        f"test_{name}.py": name
        for name in (
            "charts",
            "cli_conventions",
            "clusters",
            "crash_syscalls",
            "demo_generator",
            "effect",
            "hotspots",
            "import_markdown",
            "notebooks",
            "public_api",
            "real_clusters",
            "search",
            "similarity",
            "similarity_file",
            "similarity_reference",
            "themes",
        )
    },
}


class _SharedFixtureScheduling(LoadScopeScheduling):  # type: ignore[misc]  # xdist has no types
    """xdist's scope scheduling with the scopes of _WORKER_GROUPS; every other test is its own."""

    def _split_scope(self, nodeid: str) -> str:
        return worker_unit(nodeid)


def worker_unit(nodeid: str) -> str:
    """The unit of work a test is sent to a worker in: its module's group, or the test alone."""
    return _WORKER_GROUPS.get(nodeid.split("::", 1)[0].rpartition("/")[2], nodeid)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    return _SharedFixtureScheduling(config, log) if config.getvalue("dist") == "loadgroup" else None


ENGINE_NAMES: tuple[str, ...] = ("ladybug", "neo4j")
ENGINES: list[Any] = [
    pytest.param(name, marks=[pytest.mark.neo4j] if name == "neo4j" else [], id=name) for name in ENGINE_NAMES
]
"""The engines every two-engine test runs on (Neo4j ones carry the `neo4j` mark)."""


def _load_server_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("neo4j_server", ROOT / "scripts" / "neo4j_server.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["neo4j_server"] = module
    spec.loader.exec_module(module)
    return module


def shared_server_problem(env: Mapping[str, str]) -> str | None:
    """Why the server NEO4J_URI names cannot serve this test process: under pytest-xdist every worker
    would use that one server, and each Neo4j test empties and fills its one graph, so a test would
    read another worker's writes (a kill -9 test once reported "a partial batch" so)."""
    workers = int(env.get("PYTEST_XDIST_WORKER_COUNT") or 1)
    if not env.get("NEO4J_URI") or workers < 2:
        return None
    return (
        f"NEO4J_URI names one Neo4j server for {workers} test workers, whose tests would empty and write "
        "its graph at the same time: run them in one process (-n 0; scripts/test: KB_TEST_WORKERS=0), "
        "or unset NEO4J_URI for a throwaway server per worker (KB_TEST_START_NEO4J=1)"
    )


@pytest.fixture(scope="session")
def neo4j_settings() -> Iterator[Neo4jSettings]:
    problem = shared_server_problem(os.environ)
    if problem:
        pytest.fail(problem, pytrace=False)
    if os.environ.get("NEO4J_URI"):
        yield Neo4jSettings(
            uri=os.environ["NEO4J_URI"],
            user=os.environ.get("NEO4J_USERNAME", "neo4j"),
            password=os.environ.get("NEO4J_PASSWORD", ""),
            database=os.environ.get("NEO4J_DATABASE", "neo4j"),
        )
        return
    if not (IN_CI or os.environ.get("KB_TEST_START_NEO4J") == "1"):
        pytest.skip(
            "no Neo4j: set NEO4J_URI, or KB_TEST_START_NEO4J=1 to start a throwaway server "
            "(needs Java 17 and Maven), or run scripts/test"
        )
    script = _load_server_script()
    try:
        server = script.start()
    except Exception as exc:  # the script's error carries the server log tail
        message = f"the throwaway Neo4j server did not start: {exc}"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    try:
        yield Neo4jSettings(uri=server.uri, user=server.user, password=server.password, database=server.database)
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


class _SharedEngine:
    """Keeps the session's Neo4j driver open when a test closes its knowledge base."""

    def __init__(self, engine: Neo4jEngine) -> None:
        self._engine = engine

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def close(self) -> None:
        pass


def fresh_kb(request: pytest.FixtureRequest, engine: str, db: Path | None = None) -> KnowledgeBase:
    """An empty knowledge base on `engine`, with the after-ingest hooks `kb.connect()` wires:
    Ladybug in memory (or at `db`), or the session's Neo4j, emptied."""
    if engine == "ladybug":
        return kb.connect(engine="ladybug", db=db or ":memory:")
    neo4j_engine: Neo4jEngine = request.getfixturevalue("neo4j_engine")
    neo4j_engine.reset()
    kbase = KnowledgeBase(cast(Engine, _SharedEngine(neo4j_engine)), DEFAULT_HOOKS)
    kbase.init_schema()
    return kbase


@pytest.fixture
def ladybug_kb(request: pytest.FixtureRequest) -> Iterator[KnowledgeBase]:
    """An empty embedded knowledge base in memory."""
    kbase = fresh_kb(request, "ladybug")
    yield kbase
    kbase.close()


@pytest.fixture
def ladybug_file_kb(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KnowledgeBase]:
    """An empty embedded knowledge base in a file (tmp_path / "graph.lbug"), for tests that reopen it."""
    kbase = fresh_kb(request, "ladybug", tmp_path / "graph.lbug")
    yield kbase
    kbase.close()


@pytest.fixture
def neo4j_kb(request: pytest.FixtureRequest) -> KnowledgeBase:
    return fresh_kb(request, "neo4j")


@pytest.fixture(params=ENGINES)
def any_kb(request: pytest.FixtureRequest) -> Iterator[KnowledgeBase]:
    """The same test on both engines."""
    kbase = fresh_kb(request, request.param)
    yield kbase
    kbase.close()


def engines_fixture(load: Callable[[KnowledgeBase], object], scope: _Scope = "module") -> Any:
    """A fixture over both engines holding what `load(kbase)` puts in, loaded once per `scope`
    (tests that use it only read)."""

    @pytest.fixture(scope=scope, params=ENGINES)
    def loaded(request: pytest.FixtureRequest) -> Iterator[KnowledgeBase]:
        kbase = fresh_kb(request, request.param)
        load(kbase)
        yield kbase
        kbase.close()

    return loaded


@pytest.fixture(scope="session")
def demo120(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A 120-incident demo database on disk (seed 7) and its latest quarter, shared by the tests
    that only read it (a reader may leave kept answers beside it: kb.cli.kept_output)."""
    from kb.quickstart import load_demo
    from kb.report import latest_quarter

    db = tmp_path_factory.mktemp("demo120") / "graph.lbug"
    with kb.connect(engine="ladybug", db=db) as kbase:
        load_demo(kbase, incidents=120, seed=7)
        quarter = latest_quarter(kbase)
    assert quarter
    return db, quarter
