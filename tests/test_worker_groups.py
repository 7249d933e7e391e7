"""The xdist scheduling of tests/conftest.py: each grouped module exists, and its tests form one unit."""

from __future__ import annotations

import pytest

from .conftest import _WORKER_GROUPS, ROOT, pytest_xdist_make_scheduler, worker_unit


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
