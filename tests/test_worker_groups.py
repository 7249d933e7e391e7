"""The xdist scheduling of tests/conftest.py: each grouped module exists, and its tests form one unit;
one Neo4j server from the environment is not shared by workers."""

from __future__ import annotations

import pytest

from .conftest import _WORKER_GROUPS, ROOT, pytest_xdist_make_scheduler, shared_server_problem, worker_unit


def test_every_grouped_module_exists() -> None:
    missing = [name for name in _WORKER_GROUPS if not (ROOT / "tests" / name).is_file()]
    assert not missing, f"_WORKER_GROUPS names modules that are gone: {missing}"


def test_a_grouped_module_is_one_unit_and_others_are_single_tests(pytestconfig: pytest.Config) -> None:
    parity = "tests/test_catalogue_parity.py::test_query_same_on_both_engines"
    assert worker_unit(f"{parity}[incidents]") == worker_unit(f"{parity}[findings]")
    assert worker_unit("tests/test_report_browser.py::test_a") == worker_unit("tests/test_svg_layout.py::test_b")
    assert worker_unit("tests/test_ingest.py::test_a") != worker_unit("tests/test_ingest.py::test_b")
    if pytestconfig.getvalue("dist") != "loadgroup":  # only `--dist loadgroup` is scheduled so
        assert pytest_xdist_make_scheduler(pytestconfig, None) is None


def test_one_neo4j_server_from_the_environment_is_not_shared_by_workers() -> None:
    # Each Neo4j test empties the one graph of its server: two workers on one server read each other's writes.
    shared = shared_server_problem({"NEO4J_URI": "bolt://localhost:7687", "PYTEST_XDIST_WORKER_COUNT": "2"})
    assert shared is not None and "2 test workers" in shared and "-n 0" in shared
    assert shared_server_problem({"NEO4J_URI": "bolt://localhost:7687", "PYTEST_XDIST_WORKER_COUNT": "1"}) is None
    assert shared_server_problem({"NEO4J_URI": "bolt://localhost:7687"}) is None  # one process
    assert shared_server_problem({"PYTEST_XDIST_WORKER_COUNT": "2"}) is None  # a throwaway server per worker
