"""The review page in a real headless Chromium (Debian's, which scripts/bootstrap installs).

Chromium loads the one HTML file from disk (file://, no server, no network needed),
runs plotly.js, and dumps the DOM after a virtual-time budget; console messages go to
its stderr log (`INFO:CONSOLE`), which must stay empty. A screenshot of the page is
saved under the test's tmp dir (the path is printed; `pytest -s` shows it).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import plotly.graph_objects as go
import pytest

import kb
from kb.charts.export import find_browser
from kb.charts.page import render_page
from kb.charts.section import Chart
from kb.report import SECTIONS, quarterly_charts

from .conftest import IN_CI
from .report_build import Review, demo_review

BROWSER = find_browser()


@pytest.fixture(scope="module")
def review(tmp_path_factory: pytest.TempPathFactory) -> Review:
    if BROWSER is None:
        if IN_CI:
            pytest.fail("CI must have Chromium: scripts/bootstrap installs Debian's chromium as root")
        pytest.skip("no Chrome/Chromium here (install Debian's chromium package, or set BROWSER_PATH)")
    return demo_review(tmp_path_factory)


def chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert BROWSER
    cmd = [
        BROWSER,
        "--headless",
        "--disable-gpu",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={tmp / 'chromium-profile'}",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=20000",
        *args,
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def chart_blocks(dom: str) -> dict[str, str]:
    """The rendered DOM of each chart section, by chart name."""
    blocks = {}
    for part in dom.split('<section class="chart" id="')[1:]:
        name = part.split('"', 1)[0]
        blocks[name] = part.split("</section>", 1)[0]
    return blocks


def test_the_page_is_one_offline_file_with_plotly_inlined_once(review: Review) -> None:
    page = review.result.page.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc=", page), "the page loads a script from elsewhere"
    assert not re.search(r"<link[^>]*\bhref=\"?https?:", page)
    assert page.count("* plotly.js v") == 1
    assert len(re.findall(r"<details>", page)) == len(review.result.charts)  # the figures behind each chart
    assert "<h2>Definitions</h2>" in page and "repeat rate" in page
    assert not list(review.result.out.glob("*.js")) and len(list(review.result.out.glob("*.html"))) == 1


def test_every_chart_renders_in_headless_chromium(review: Review, tmp_path: Path) -> None:
    page = review.result.page
    done = chromium(tmp_path, "--dump-dom", page.resolve().as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    assert console_messages(done.stderr) == []
    dom = done.stdout
    names = [c.name for c in review.result.charts]
    with kb.connect(engine="ladybug", db=review.db) as kbase:  # what the registered sections produce, in order
        assert names == [c.name for c in quarterly_charts(kbase, review.quarter)[0]]
    assert len(set(names)) == len(names) >= len(SECTIONS)
    assert f'data-charts-expected="{len(names)}"' in dom and f'data-charts-rendered="{len(names)}"' in dom
    assert '<pre id="kb-render-errors" hidden="">' in dom
    blocks = chart_blocks(dom)
    assert sorted(blocks) == sorted(names)
    for name, block in blocks.items():
        svg = block.split('<svg class="main-svg"', 1)
        assert len(svg) == 2, f"{name}: no SVG drawn"
        drawn = svg[1].split("<details>", 1)[0]  # plotly draws into several stacked SVGs
        assert drawn.count("<text") >= 3 and drawn.count("<path") + drawn.count("<rect") >= 2, (
            f"{name}: the SVG is (nearly) empty"
        )
        assert "<details>" in block and "<table" in block

    shot = tmp_path / "review-page.png"
    done = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1400,3200", page.resolve().as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 100_000
    print(f"screenshot of the review page: {shot}")


def test_a_chart_that_fails_to_render_is_caught(tmp_path: Path) -> None:
    """The same checks on a page where one chart's script breaks: they must notice."""
    if BROWSER is None:
        if IN_CI:
            pytest.fail("CI must have Chromium: scripts/bootstrap installs Debian's chromium as root")
        pytest.skip("no Chrome/Chromium here")
    charts = [Chart(f"c{i}", f"chart {i}", go.Figure(go.Bar(x=["a", "b"], y=[1, i + 2])), "a bar") for i in range(2)]
    html = render_page("t", "meta", {"n": "1"}, charts, {"n": "count"})
    broken = html.replace('document.getElementById("chart-c1")', 'document.getElementById("chart-c1").nope.x', 1)
    assert broken != html
    page = tmp_path / "broken.html"
    page.write_text(broken, encoding="utf-8")
    done = chromium(tmp_path, "--dump-dom", page.resolve().as_uri())
    assert 'data-charts-expected="2"' in done.stdout and 'data-charts-rendered="1"' in done.stdout
    assert "Some charts failed to render" in done.stdout
    assert console_messages(done.stderr)
    blocks = chart_blocks(done.stdout)
    assert '<svg class="main-svg"' in blocks["c0"] and '<svg class="main-svg"' not in blocks["c1"]
