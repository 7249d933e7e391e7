"""Every exported chart at slide size, and no text in its SVG leaving the figure or overlapping other text.

How text extents are measured (an approximation, see tests/svg_text.py): the SVG holds each
text's anchor point, font size and string but no glyph metrics, and there is no layout
engine here, so a line's width is ESTIMATED from per-glyph average advance widths of
Helvetica/Arial and its height from the font size (0.75 em above the baseline, 0.22 em
below). Group translations, `dy` shifts, plotly's multi-line tspans and rotations are
applied. A real font may differ by a few pixels either way, so overlaps and overflows of
up to 2 px are tolerated; a test below proves the check does catch a real collision.
"""

from __future__ import annotations

import struct
from pathlib import Path

import plotly.graph_objects as go
import pytest

from kb.charts.export import find_browser, write_static
from kb.charts.palette import SLIDE, SLIDE_SCALE

from .conftest import IN_CI
from .report_build import Review, demo_review
from .svg_text import problems, text_boxes


@pytest.fixture(scope="module")
def review(tmp_path_factory: pytest.TempPathFactory) -> Review:
    if find_browser() is None:
        if IN_CI:
            pytest.fail("CI must have Chromium for kaleido: scripts/bootstrap installs Debian's chromium as root")
        pytest.skip("no Chrome/Chromium for kaleido here: no SVG to measure")
    review = demo_review(tmp_path_factory)
    assert review.result.static_error is None, review.result.static_error
    return review


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_every_chart_is_exported_at_slide_size(review: Review) -> None:
    for chart in review.result.charts:
        width, height = png_size(review.result.out / f"{chart.name}.png")
        logical = (chart.figure.layout.width, chart.figure.layout.height)
        assert (width, height) == (round(logical[0] * SLIDE_SCALE), round(logical[1] * SLIDE_SCALE)), chart.name
        assert logical[0] == SLIDE[0], f"{chart.name}: not the slide width"
        # 16:9 unless the content needs more height (long tables, many themes, a big web)
        assert logical[1] >= 0.4 * SLIDE[1], chart.name
    sixteen_nine = [c.name for c in review.result.charts if c.figure.layout.height == SLIDE[1]]
    assert {"loop-trends", "theme-heatmap", "loop-sankey", "roadmap-sankey", "causal-web"} <= set(sixteen_nine)


def test_no_text_leaves_a_figure_or_overlaps_other_text(review: Review) -> None:
    found: list[str] = []
    for chart in review.result.charts:
        svg = review.result.out / f"{chart.name}.svg"
        _, _, boxes = text_boxes(svg)
        assert len(boxes) >= 5, f"{chart.name}: hardly any text found in the SVG"
        found += problems(svg)
    assert found == []


def test_no_static_image_asks_for_a_hover_or_cuts_a_label(review: Review) -> None:
    """A slide cannot be hovered, and a label cut with "…" loses what it says (long labels wrap or go to a key)."""
    for chart in review.result.charts:
        svg = (review.result.out / f"{chart.name}.svg").read_text(encoding="utf-8")
        assert "hover" not in svg.lower(), chart.name
        assert "…" not in svg, f"{chart.name}: a label is cut"


def test_the_check_catches_overlapping_and_cut_text(tmp_path: Path) -> None:
    if find_browser() is None:
        if IN_CI:
            pytest.fail("CI must have Chromium for kaleido")
        pytest.skip("no Chrome/Chromium for kaleido here")
    fig = go.Figure(layout={"width": 400, "height": 300, "xaxis": {"range": [0, 10]}, "yaxis": {"range": [0, 10]}})
    fig.add_annotation(x=5, y=5, text="a label that collides", showarrow=False)
    fig.add_annotation(x=5.3, y=5.1, text="with another label", showarrow=False)
    fig.add_annotation(
        x=1.0,
        y=0.5,
        xref="paper",
        yref="paper",
        xanchor="left",
        showarrow=False,
        text="this one runs off the right edge",
    )
    [svg] = write_static({"bad": fig}, tmp_path, formats=("svg",))
    found = problems(svg)
    assert any("overlaps" in f and "collides" in f for f in found), found
    assert any("leaves the 400x300 figure" in f and "right edge" in f for f in found), found
