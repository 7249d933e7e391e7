"""One demo review (page, PNGs, SVGs) built once per test session, shared by the browser and SVG layout tests.

A plain cache rather than a fixture in conftest.py: both test modules call `demo_review`
with the session's tmp_path_factory, the first call builds, the second reuses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

import kb
from kb.quickstart import load_demo
from kb.report import ReportResult, latest_quarter, write_report

DEMO_INCIDENTS = 120


@dataclass(frozen=True)
class Review:
    db: Path
    quarter: str
    result: ReportResult


_built: dict[str, Review] = {}


def demo_review(factory: pytest.TempPathFactory) -> Review:
    """The review of the latest quarter of a 120-incident demo corpus, with PNG and SVG when Chromium is here."""
    if "demo" not in _built:
        root = factory.mktemp("demo-review")
        db = root / "graph.lbug"
        with kb.connect(engine="ladybug", db=db) as kbase:
            load_demo(kbase, incidents=DEMO_INCIDENTS, seed=7)
            quarter = latest_quarter(kbase)
            assert quarter
            result = write_report(kbase, quarter, root / "review", static=True)
        _built["demo"] = Review(db, quarter, result)
    return _built["demo"]
