"""`kb report`: the quarterly review through the CLI, as a user runs it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import kb
from kb.charts.export import find_browser
from kb.cli import app
from kb.quickstart import load_demo
from kb.report import latest_quarter

from .conftest import IN_CI

runner = CliRunner()
CHARTS = ["loop-trends", "theme-heatmap", "clusters", "cooccurrence", "cluster-1-incidents", "loop-sankey",
          "roadmap-sankey", "untraced-roadmap", "causal-web", "fix-rates", "fix-effect", "pattern-cost",
          "followups", "business-case"]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    db = tmp_path_factory.mktemp("report") / "graph.lbug"
    with kb.connect(engine="ladybug", db=db) as kbase:
        load_demo(kbase, incidents=120, seed=7)
        quarter = latest_quarter(kbase)
    assert quarter
    return db, quarter


def _output(result: Result) -> str:
    return result.output + (result.stderr if result.stderr_bytes is not None else "")


def test_report_writes_every_chart_and_a_summary(demo_db: tuple[Path, str], tmp_path: Path) -> None:
    db, quarter = demo_db
    out = tmp_path / "review"
    result = runner.invoke(app, ["report", "--quarter", quarter, "--out", str(out), "--db", str(db)])
    assert result.exit_code == 0, _output(result)
    assert f"quarterly review {quarter}" in result.output
    summary = (out / "README.md").read_text(encoding="utf-8")
    assert summary.startswith(f"# Quarterly review {quarter}")
    for name in CHARTS:
        page = out / f"{name}.html"
        assert page.stat().st_size > 1000, name
        assert f"({name}.html)" in summary
    assert (out / "plotly.min.js").is_file()
    assert re.search(r"\| repeat rate \| \d+% \(previous quarter: \d+%\) \|", summary)
    if find_browser() is None and not IN_CI:
        pytest.skip("no Chrome/Chromium: PNG/SVG not checked here (CI has it)")
    for name in CHARTS:
        assert (out / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (out / f"{name}.svg").stat().st_size > 1000
        assert f"]({name}.png)]({name}.html)" in summary


def test_report_without_a_browser_still_writes_html_and_says_how(demo_db: tuple[Path, str], tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    db, quarter = demo_db
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chromium"))
    out = tmp_path / "review"
    result = runner.invoke(app, ["report", "-q", quarter, "-o", str(out), "--db", str(db)])
    assert result.exit_code == 0, _output(result)
    assert "apt-get install chromium" in _output(result)
    assert not list(out.glob("*.png")) and not list(out.glob("*.svg"))
    assert len(list(out.glob("*.html"))) == len(CHARTS)
    summary = (out / "README.md").read_text(encoding="utf-8")
    assert "Static images were not written" in summary and ".png" not in summary


def test_report_defaults_to_the_latest_quarter_and_can_skip_static(demo_db: tuple[Path, str],
                                                                   tmp_path: Path) -> None:
    db, quarter = demo_db
    result = runner.invoke(app, ["report", "--no-static", "--out", str(tmp_path / "r"), "--db", str(db)])
    assert result.exit_code == 0, _output(result)
    assert f"quarterly review {quarter}" in result.output
    assert not list((tmp_path / "r").glob("*.png"))


def test_report_of_an_earlier_quarter_leaves_later_incidents_out(demo_db: tuple[Path, str],
                                                                 tmp_path: Path) -> None:
    db, _ = demo_db
    result = runner.invoke(app, ["report", "-q", "2025Q2", "--no-static", "-o", str(tmp_path / "r"), "--db", str(db)])
    assert result.exit_code == 0, _output(result)
    heatmap = (tmp_path / "r" / "theme-heatmap.html").read_text(encoding="utf-8")
    assert "2025Q2" in heatmap and "2025Q3" not in heatmap


def test_report_rejects_a_malformed_quarter(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--quarter", "2026-Q3", "--out", str(tmp_path / "r"),
                                 "--db", str(tmp_path / "g.lbug")])
    assert result.exit_code == 2
    assert "--quarter '2026-Q3': expected a quarter like 2026Q3" in _output(result)
    assert not (tmp_path / "r").exists()


def test_report_on_an_empty_knowledge_base_fails_clearly(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--quarter", "2026Q3", "--out", str(tmp_path / "r"),
                                 "--db", str(tmp_path / "g.lbug")])
    assert result.exit_code == 1
    assert "holds no incident" in _output(result)


@pytest.mark.neo4j
def test_report_on_neo4j(neo4j_kb: kb.KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_demo(neo4j_kb, incidents=60, seed=7)
    settings = neo4j_kb.engine.settings  # type: ignore[attr-defined]
    for var, value in (("NEO4J_URI", settings.uri), ("NEO4J_USERNAME", settings.user),
                       ("NEO4J_PASSWORD", settings.password), ("NEO4J_DATABASE", settings.database)):
        monkeypatch.setenv(var, value)
    quarter = latest_quarter(neo4j_kb)
    assert quarter
    result = runner.invoke(app, ["report", "--engine", "neo4j", "-q", quarter, "--no-static",
                                 "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, _output(result)
    assert f"neo4j at {settings.uri}" in (tmp_path / "r" / "README.md").read_text(encoding="utf-8")
    assert len(list((tmp_path / "r").glob("*.html"))) >= len(CHARTS) - 2
