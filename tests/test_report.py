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

from .conftest import DFDS, IN_CI, ROOT

runner = CliRunner()
CHARTS = [
    "loop-trends",
    "theme-heatmap",
    "clusters",
    "cooccurrence",
    "cluster-1-incidents",
    "loop-sankey",
    "roadmap-sankey",
    "untraced-roadmap",
    "causal-web",
    "fix-rates",
    "fix-effect",
    "pattern-cost",
    "followups",
    "business-case",
]


@pytest.fixture
def demo_db(demo120: tuple[Path, str]) -> tuple[Path, str]:
    return demo120


def _output(result: Result) -> str:
    return result.output + (result.stderr if result.stderr_bytes is not None else "")


def test_report_writes_one_page_a_summary_and_a_pdf(demo_db: tuple[Path, str], tmp_path: Path) -> None:
    db, quarter = demo_db
    out = tmp_path / "review"
    result = runner.invoke(
        app, ["report", "--quarter", quarter, "--out", str(out), "--db", str(db), "--no-static", "--pdf"]
    )
    assert result.exit_code == 0, _output(result)
    assert f"quarterly review {quarter}" in result.output
    page = (out / f"review-{quarter}.html").read_text(encoding="utf-8")
    for name in CHARTS:
        assert f'<section class="chart" id="{name}">' in page and f'id="chart-{name}"' in page
    assert page.count("<details>") == len(CHARTS)
    assert re.search(r"<th>repeat rate</th><td>\d+% \(n=\d+\); previous quarter: \d+% \(n=\d+\)</td>", page)
    assert [p.name for p in out.glob("*.html")] == [f"review-{quarter}.html"]  # one page, not one per chart
    summary = (out / "README.md").read_text(encoding="utf-8")
    assert summary.startswith(f"# Quarterly review {quarter}") and f"(review-{quarter}.html)" in summary
    if find_browser() is None and not IN_CI:
        pytest.skip("no Chrome/Chromium: the PDF is not checked here (CI has it)")
    pdf = (out / f"review-{quarter}.pdf").read_bytes()
    assert pdf[:5] == b"%PDF-" and pdf.count(b"/Type /Page") + pdf.count(b"/Type/Page") >= 5


def test_report_without_a_browser_still_writes_the_page_and_says_how(
    demo_db: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, quarter = demo_db
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chromium"))
    out = tmp_path / "review"
    result = runner.invoke(app, ["report", "-q", quarter, "-o", str(out), "--db", str(db)])
    assert result.exit_code == 0, _output(result)
    assert "apt-get install chromium" in _output(result)
    assert not list(out.glob("*.png")) and not list(out.glob("*.svg"))
    page = (out / f"review-{quarter}.html").read_text(encoding="utf-8")
    assert "Static images were not written" in page and "Slide images:" not in page
    assert page.count('<section class="chart"') == len(CHARTS)


def test_report_defaults_to_the_latest_quarter_and_can_skip_static(demo_db: tuple[Path, str], tmp_path: Path) -> None:
    db, quarter = demo_db
    result = runner.invoke(app, ["report", "--no-static", "--out", str(tmp_path / "r"), "--db", str(db)])
    assert result.exit_code == 0, _output(result)
    assert f"quarterly review {quarter}" in result.output
    assert not list((tmp_path / "r").glob("*.png"))


def test_report_of_an_earlier_quarter_leaves_later_incidents_out(demo_db: tuple[Path, str], tmp_path: Path) -> None:
    db, _ = demo_db
    result = runner.invoke(app, ["report", "-q", "2025Q2", "--no-static", "-o", str(tmp_path / "r"), "--db", str(db)])
    assert result.exit_code == 0, _output(result)
    page = (tmp_path / "r" / "review-2025Q2.html").read_text(encoding="utf-8")
    assert '"2025Q2' in page and '"2025Q3' not in page


def test_a_section_is_one_registration(
    demo_db: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Adding a chart to the review is one entry in kb.report.SECTIONS: page, images and summary follow."""
    import pandas as pd
    import plotly.graph_objects as go

    from kb import report

    def incidents_section(ctx: report.ReportContext) -> list[report.Chart]:
        per = ctx.metrics[ctx.metrics["period"] != "all"]
        fig = go.Figure(go.Bar(x=per["period"], y=per["incidents"]))
        return [
            report.Chart(
                "incident-count",
                "Incidents per quarter",
                fig,
                "How many incidents started.",
                pd.DataFrame({"quarter": per["period"], "incidents": per["incidents"]}),
            )
        ]

    registered_sections = list(report.SECTIONS)
    monkeypatch.setattr(report, "SECTIONS", [*registered_sections, incidents_section])
    db, quarter = demo_db
    with kb.connect(engine="ladybug", db=db) as kbase:
        result = report.write_report(kbase, quarter, tmp_path / "r", static=False)
        registered = [c.name for c in report.quarterly_charts(kbase, quarter, registered_sections)[0]]
    assert registered == CHARTS  # every section the review registers, in page order
    assert [c.name for c in result.charts] == [*registered, "incident-count"]
    page = result.page.read_text(encoding="utf-8")
    assert page.index(f'id="{registered[-1]}"') < page.index('id="incident-count"')
    assert "The figures behind this chart (" in page.split('id="incident-count"', 1)[1]
    assert "### Incidents per quarter" in result.markdown.read_text(encoding="utf-8")


def test_report_rejects_a_malformed_quarter(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["report", "--quarter", "2026-Q3", "--out", str(tmp_path / "r"), "--db", str(tmp_path / "g.lbug")]
    )
    assert result.exit_code == 2
    assert "--quarter '2026-Q3': expected a quarter like 2026Q3" in _output(result)
    assert not (tmp_path / "r").exists()


def test_report_on_an_empty_knowledge_base_fails_clearly(tmp_path: Path) -> None:
    db = str(tmp_path / "g.lbug")
    argv = ["report", "--quarter", "2026Q3", "--out", str(tmp_path / "r"), "--db", db]
    missing = runner.invoke(app, argv)  # (no database there yet: said so, nothing created)
    assert missing.exit_code == 2 and "no Ladybug database at" in _output(missing)
    assert runner.invoke(app, ["init", "--db", db]).exit_code == 0
    result = runner.invoke(app, argv)
    assert result.exit_code == 1
    assert "holds no incident" in _output(result)


@pytest.mark.neo4j
def test_report_on_neo4j(neo4j_kb: kb.KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_demo(neo4j_kb, incidents=60, seed=7)
    settings = neo4j_kb.engine.settings  # type: ignore[attr-defined]
    for var, value in (
        ("NEO4J_URI", settings.uri),
        ("NEO4J_USERNAME", settings.user),
        ("NEO4J_PASSWORD", settings.password),
        ("NEO4J_DATABASE", settings.database),
    ):
        monkeypatch.setenv(var, value)
    quarter = latest_quarter(neo4j_kb)
    assert quarter
    result = runner.invoke(
        app, ["report", "--engine", "neo4j", "-q", quarter, "--no-static", "-o", str(tmp_path / "r")]
    )
    assert result.exit_code == 0, _output(result)
    page = (tmp_path / "r" / f"review-{quarter}.html").read_text(encoding="utf-8")
    assert f"neo4j at {settings.uri}" in page
    assert page.count('<section class="chart"') >= len(CHARTS) - 2


def _dfds() -> Path:
    """The DFDS documents beside the checkout, or beside any folder above it (a git worktree sits deeper)."""
    for parent in ROOT.parents:
        if (parent / "shared" / "data" / "postmortems-dfds").is_dir():
            return parent / "shared" / "data" / "postmortems-dfds"
    return DFDS


@pytest.mark.skipif(not _dfds().is_dir(), reason=f"the DFDS postmortems are not at {DFDS}")
def test_report_on_imported_real_postmortems(tmp_path: Path) -> None:
    """Ten real DFDS post-mortems, imported (no published analysis, no work items): the review still builds."""
    db = tmp_path / "graph.lbug"
    imported = runner.invoke(app, ["import", "markdown", str(_dfds()), "--ingest", "--db", str(db)])
    assert "ingested 10 packet(s)" in imported.output, _output(imported)
    result = runner.invoke(app, ["report", "--no-static", "-o", str(tmp_path / "r"), "--db", str(db)])
    assert result.exit_code == 0, _output(result)
    assert "quarterly review 2020Q4" in result.output
    page = (tmp_path / "r" / "review-2020Q4.html").read_text(encoding="utf-8")
    for name in ("loop-trends", "theme-heatmap", "loop-sankey", "causal-web"):
        assert f'<section class="chart" id="{name}">' in page, name
