"""kb.charts: figures built from a small demo corpus on both engines, the big-web layout, and a real PNG."""

from __future__ import annotations

import os
import random
import struct
import zlib
from pathlib import Path

import pandas as pd
import pytest

from kb.analysis.clusters import find_clusters
from kb.analysis.metrics import loop_metrics, period_of
from kb.charts import export
from kb.charts.causal_web import ROW_PX, causal_web, causal_web_figure
from kb.charts.clusters import (
    cluster_incidents_figure,
    cluster_table_figure,
    cooccurrence_figure,
    cooccurrence_pairs,
    theme_heatmap_figure,
)
from kb.charts.data import FOLLOW_UP_ORDER, finding_followup, theme_categories, theme_quarter_counts
from kb.charts.palette import BARRIER_STATUS, CATEGORY, SEVERITY
from kb.charts.traceability import traceability_sankey
from kb.charts.trends import loop_trends_figure
from kb.graph.reader import read_packets
from kb.knowledge_base import KnowledgeBase
from kb.model import EventPacket
from kb.quickstart import load_demo

from .conftest import IN_CI, engines_fixture

SMALL = 60


# Loaded once per module and engine: the chart tests only read it.
demo_kb = engines_fixture(lambda kbase: load_demo(kbase, incidents=SMALL, seed=7))


def _richest(kbase: KnowledgeBase) -> EventPacket:
    """The incident with the most factors that also has barriers and findings."""
    packets = read_packets(kbase, kbase.query("incidents_with_factor_counts")["incident"].tolist())
    with_all = [p for p in packets if any(a.barriers and a.findings for a in p.analyses)]
    return max(with_all, key=lambda p: (sum(len(a.factors) for a in p.analyses), p.key))


def _traces(fig, prefix: str):  # type: ignore[no-untyped-def]
    """Node traces (markers) whose legend name starts with `prefix`."""
    return [t for t in fig.data if (t.name or "").startswith(prefix) and "markers" in (t.mode or "")]


# -- the causal web -------------------------------------------------------------------------------
def test_causal_web_from_the_graph(demo_kb: KnowledgeBase) -> None:
    packet = _richest(demo_kb)
    fig = causal_web(demo_kb, packet.key)
    factors = [f for a in packet.analyses for f in a.factors]
    barriers = {b.barrier: b.status.value for a in packet.analyses for b in a.barriers}
    findings = [n for a in packet.analyses for n in a.findings]

    # Every factor drawn once, in its category's palette colour, with its full statement on hover.
    drawn = {}
    for cat, colour in CATEGORY.items():
        for t in _traces(fig, f"{cat} factor"):
            assert t.marker.color == colour
            for text in t.hovertext:
                drawn[text] = cat
    assert len(drawn) == len(factors)
    for f in factors:
        hits = [h for h in drawn if f.statement[:60] in h.replace("<br>", " ")]
        assert hits and drawn[hits[0]] == f.category.value
    # Barriers in their status colour, findings as one trace, the impact rightmost.
    for status, colour in BARRIER_STATUS.items():
        for t in _traces(fig, f"barrier {status}"):
            assert t.marker.color == colour
    assert sum(len(t.x) for t in _traces(fig, "barrier ")) == len(barriers)
    assert sum(len(t.x) for t in _traces(fig, "finding")) == len(findings)
    impact = _traces(fig, "impact")[0]
    assert impact.x[0] == max(x for t in fig.data if t.mode == "markers+text" for x in t.x)
    # Influences point right, towards the impact (layered layout); an edge may bow around a node.
    influence = next(t for t in fig.data if t.name == "contributed to")
    paths: list[list[float]] = []
    current: list[float] = []
    for x in influence.x:
        if x is None:
            paths.append(current)
            current = []
        else:
            current.append(x)
    assert paths and all(p[0] < p[-1] for p in paths)
    assert packet.key in fig.layout.title.text
    # Every edge has an arrowhead; no static image asks for a hover.
    edges = sum(1 for a in packet.analyses for _ in a.influences) + sum(
        len(b.defeated_by) + 1 for a in packet.analyses for b in a.barriers
    )
    arrows = [a for a in fig.layout.annotations if a.showarrow]
    assert len(arrows) >= edges
    assert "hover" not in fig.layout.title.subtitle.text
    # Small webs: ids on the nodes, the full text of each in the key (never cut), a legend entry per status.
    key = next(a.text for a in fig.layout.annotations if not a.showarrow and "<b>factors</b>" in a.text)
    flat = " ".join(key.replace("<br>", " ").split())
    for f in factors:
        assert " ".join(f.statement.split()) in flat
    assert "…" not in key
    for n in findings:
        assert any(t.name == f"finding {n.status.value}" for t in fig.data)


def _big_packet(n: int = 120, seed: int = 3) -> EventPacket:
    rnd = random.Random(seed)
    cats = list(CATEGORY)
    words = ["cache", "deploy", "review", "alert", "quota", "owner", "runbook", "retry", "pool", "schema"]
    factors = [
        {
            "id": f"F{i}",
            "category": cats[i % 3],
            "statement": f"Factor {i}: " + " ".join(rnd.choice(words) for _ in range(10)),
        }
        for i in range(n)
    ]
    influences = [{"source": f"F{i}", "target": "impact"} for i in range(6)]
    for i in range(6, n):
        for t in rnd.sample(range(max(0, i - 30), i), k=rnd.choice([1, 1, 2])):
            influences.append({"source": f"F{i}", "target": f"F{t}"})
    barriers = [
        {
            "barrier": f"barrier-{j}",
            "status": ["failed", "missing", "bypassed", "held"][j % 4],
            "defeated_by": [f"F{rnd.randrange(n)}"] if j % 4 != 3 else [],
        }
        for j in range(8)
    ]
    findings = [{"id": f"R{j}", "statement": f"Fix {j}", "addresses": [f"F{rnd.randrange(n)}"]} for j in range(10)]
    return EventPacket.model_validate(
        {
            "incident": {
                "id": "INC-BIG",
                "title": "A very large web",
                "severity": 1,
                "started_at": "2025-03-01T00:00:00Z",
            },
            "analyses": [
                {
                    "id": "A1",
                    "method": "contribution_map",
                    "factors": factors,
                    "influences": influences,
                    "barriers": barriers,
                    "findings": findings,
                }
            ],
        }
    )


def _min_row_gap_px(fig) -> float:  # type: ignore[no-untyped-def]
    """Smallest vertical distance in pixels between two nodes of the same column."""
    lo, hi = fig.layout.yaxis.range
    plot_px = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    per_unit = plot_px / (hi - lo)
    columns: dict[float, list[float]] = {}
    for t in fig.data:
        if t.mode == "markers+text":
            for x, y in zip(t.x, t.y, strict=True):
                columns.setdefault(x, []).append(y)
    gaps = [b - a for ys in columns.values() for a, b in zip(sorted(ys), sorted(ys)[1:], strict=False)]
    return float(min(gaps) * per_unit)


def test_a_web_of_120_factors_is_cut_to_the_best_connected_and_stays_spaced() -> None:
    packet = _big_packet()
    fig = causal_web_figure(packet)
    shown = sum(len(t.x) for t in fig.data if (t.name or "").endswith(" factor"))
    assert shown == 40
    assert "showing 40 of 120 factors" in fig.layout.title.subtitle.text
    assert _min_row_gap_px(fig) >= 0.9 * ROW_PX  # two label lines never collide

    everything = causal_web_figure(packet, max_factors=None)
    assert sum(len(t.x) for t in everything.data if (t.name or "").endswith(" factor")) == 120
    assert _min_row_gap_px(everything) >= 0.9 * ROW_PX
    assert everything.layout.height > fig.layout.height  # the figure grows instead of squeezing

    org = causal_web_figure(packet, max_factors=None, categories=["organizational"], show_findings=False)
    names = {t.name for t in org.data if (t.name or "").endswith(" factor")}
    assert names == {"organizational factor"}
    assert not _traces(org, "finding")


# -- clusters, heatmap, drill-down ----------------------------------------------------------------
def test_cluster_charts(demo_kb: KnowledgeBase) -> None:
    result = find_clusters(demo_kb)
    assert not result.clusters.empty
    table = cluster_table_figure(result.clusters, top=3)
    assert len(table.data[0].cells.values[0]) == min(3, len(result.clusters))

    cats = theme_categories(demo_kb).to_dict()
    assert set(cats.values()) <= set(CATEGORY)
    net = cooccurrence_figure(result.graph, theme_category=cats)
    nodes = sum(len(t.x) for t in net.data if t.mode == "markers+text")
    assert nodes == result.graph.number_of_nodes()
    for t in net.data:
        if (t.name or "").startswith("theme (") and t.name != "theme (uncategorised)":
            assert t.marker.color == CATEGORY[t.name[7:-1]]

    # No colour in the table that encodes nothing; "all N" when every cluster is shown.
    full = cluster_table_figure(result.clusters)
    assert full.data[0].cells.fill.color == "white"
    assert f"all {len(result.clusters)} clusters" in full.layout.title.subtitle.text
    assert "highest-scoring of" in table.layout.title.subtitle.text or len(result.clusters) <= 3
    # Co-occurrence: no line between two clusters, every pair drawn or counted, all in the pairs table.
    drawn = 0
    for t in net.data:
        if (t.name or "").startswith("pair, lift"):
            drawn += sum(1 for x in t.x if x is None)
    hidden = int(net.layout.title.subtitle.text.split("; ")[1].split(" pairs")[0])
    assert drawn + hidden == result.graph.number_of_edges()
    pairs = cooccurrence_pairs(result.graph)
    assert len(pairs) == result.graph.number_of_edges() and (pairs["lift"] >= 1.5).all()

    drill = cluster_incidents_figure(result, 1)
    evidence = result.evidence[result.evidence["cluster"] == 1]
    severities = [t for t in drill.data if (t.name or "").startswith("SEV")]
    assert sum(len(t.x) for t in severities) == len(evidence)
    for t in severities:
        assert t.marker.color == SEVERITY[int(t.name[3:])]
    assert any((t.name or "").startswith("carries ") for t in drill.data)  # the marker-size legend
    with pytest.raises(KeyError):
        cluster_incidents_figure(result, 999)


def test_theme_heatmap_counts_incidents_per_quarter(demo_kb: KnowledgeBase) -> None:
    counts = theme_quarter_counts(demo_kb, top=5)
    themes = demo_kb.query("charts_incident_themes")
    top_theme = counts.index[0]
    assert counts.loc[top_theme].sum() == themes.loc[themes["theme"] == top_theme, "incident"].nunique()
    assert len(counts) == 5 and list(counts.columns) == sorted(counts.columns)
    fig = theme_heatmap_figure(counts, highlight=counts.columns[-1])
    assert fig.data[0].z.shape == counts.shape
    assert (fig.data[0].z == counts.to_numpy()).all()  # without incidents per quarter: counts
    # Rates per incident by default: a busy quarter does not look hot from volume alone.
    totals = {
        q: int(
            themes.assign(q=period_of(pd.to_datetime(themes["started_at"], utc=True), "quarter"))
            .query("q == @q")["incident"]
            .nunique()
        )
        for q in counts.columns
    }
    totals = {q: max(v, 1) for q, v in totals.items()}
    rate = theme_heatmap_figure(counts, incidents=totals, theme_category=theme_categories(demo_kb).to_dict())
    q = counts.columns[-1]
    assert rate.data[0].z[0][-1] == pytest.approx(counts.loc[top_theme, q] / totals[q])
    assert f"{q}<br>n={totals[q]}" in rate.layout.xaxis.ticktext
    assert (rate.data[0].customdata == counts.to_numpy()).all()  # the counts stay on hover
    assert {t.name for t in rate.data[1:]} == {f"{c} (dominant factor category)" for c in CATEGORY}
    counted = theme_heatmap_figure(counts, incidents=totals, values="count")
    assert (counted.data[0].z == counts.to_numpy()).all()


# -- traceability and trends ----------------------------------------------------------------------
def _node_values(fig) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Node label -> value, read from the Sankey's label annotations ("label: value")."""
    out = {}
    for a in fig.layout.annotations:
        text = " ".join((a.text or "").replace("<br>", " ").split())
        if ": " in text and not text.startswith("<b>"):
            label, value = text.rsplit(": ", 1)
            out[label] = float(value)
    return out


def test_sankey_flows_every_finding_once(demo_kb: KnowledgeBase) -> None:
    followup = finding_followup(demo_kb)
    assert len(followup) == demo_kb.cypher("MATCH (f:Finding) RETURN count(f) AS c")["c"].iloc[0]
    assert set(followup["follow_up"]) <= set(FOLLOW_UP_ORDER)
    fig = traceability_sankey(followup)
    values = _node_values(fig)
    assert sum(v for k, v in values.items() if k.startswith("SEV")) == pytest.approx(len(followup))
    assert sum(v for k, v in values.items() if k in FOLLOW_UP_ORDER) == pytest.approx(len(followup))
    roadmap = [v for k, v in values.items() if k.startswith(("on the roadmap", "not on the roadmap"))]
    assert sum(roadmap) == pytest.approx(len(followup))
    # Values on the flows: numbers right after a source bar (bands thick enough to hold one).
    numbers = [a for a in fig.layout.annotations if (a.text or "").replace(".", "").isdigit()]
    assert numbers and sum(float(a.text) for a in numbers) <= 3 * len(followup)

    traced = followup[[bool(x) for x in followup["roadmap_items"]]]
    detail = traceability_sankey(followup, traced_only=True, roadmap_titles={"RM-X": "x " * 80})
    values = _node_values(detail)
    assert sum(v for k, v in values.items() if k.startswith("SEV")) == pytest.approx(len(traced))
    assert not any(k.startswith("not on the roadmap") for k in values)
    assert all("…" not in (a.text or "") for a in detail.layout.annotations)  # labels wrap, never cut

    # Findings none of which reached the roadmap: no lone "not on the roadmap" column, an honest subtitle.
    loose = followup[[not x for x in followup["roadmap_items"]]]
    fig = traceability_sankey(loose)
    assert "none of them is behind a roadmap item yet" in fig.layout.title.subtitle.text
    assert not any(k.startswith(("on the roadmap", "not on the roadmap")) for k in _node_values(fig))


def test_loop_trends_has_four_panels_over_the_quarters(demo_kb: KnowledgeBase) -> None:
    metrics = loop_metrics(demo_kb)
    quarters = [p for p in metrics["period"] if p != "all"]
    fig = loop_trends_figure(metrics, quarter=quarters[-1])
    lines = [t for t in fig.data if t.mode == "lines+markers+text"]
    assert len(lines) == 4
    assert all(list(t.x) == quarters for t in lines)
    assert len(fig.layout.annotations) >= 4  # the panel titles
    assert all(fig.layout[f"yaxis{i if i > 1 else ''}"].title.text for i in range(1, 5))


# -- static export --------------------------------------------------------------------------------
def _png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA PNG: width, height, and each row's unfiltered bytes."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    height = depth = colour = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert depth == 8 and colour in (2, 6), f"unexpected PNG format (depth {depth}, colour type {colour})"
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for r in range(height):
        f = raw[r * (stride + 1)]
        line = bytearray(raw[r * (stride + 1) + 1 : (r + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xFF
            elif f == 2:
                line[i] = (line[i] + b) & 0xFF
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def test_png_export_is_a_non_blank_image_of_the_figure_size(tmp_path: Path) -> None:
    if export.find_browser() is None:
        if IN_CI:
            pytest.fail("CI must have Chromium for kaleido: scripts/bootstrap installs Debian's chromium as root")
        pytest.skip("no Chrome/Chromium for kaleido here (install Debian's chromium package, or set BROWSER_PATH)")
    fig = causal_web_figure(_big_packet(30), width=1000)
    [png, svg] = export.write_static({"web": fig}, tmp_path, scale=0.5)
    width, height, rows = _png_pixels(png.read_bytes())
    assert (width, height) == (round(fig.layout.width * 0.5), round(fig.layout.height * 0.5))
    bpp = len(rows[0]) // width
    pixels = {row[i : i + 3] for row in rows[::3] for i in range(0, len(row), bpp * 3)}
    assert len(pixels) > 20, "the image is (nearly) one colour"
    white = sum(1 for row in rows for i in range(0, len(row), bpp) if row[i : i + 3] == b"\xff\xff\xff")
    assert 0.5 < white / (width * height) < 0.995  # mostly background, but something drawn
    # The category colours of the palette made it into the picture.
    blue = bytes(int(CATEGORY["technical"][i : i + 2], 16) for i in (1, 3, 5))
    assert any(blue in row for row in rows)
    assert svg.read_text(encoding="utf-8").lstrip().startswith(("<svg", "<?xml"))


def test_static_export_without_a_browser_says_how_to_get_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chromium"))
    assert export.find_browser() is None
    with pytest.raises(export.NoBrowser, match="apt-get install chromium"):
        export.write_static({"web": causal_web_figure(_big_packet(10))}, tmp_path)
    assert not list(tmp_path.glob("*.png"))


def test_html_export_is_standalone(tmp_path: Path) -> None:
    page = export.write_html(causal_web_figure(_big_packet(10)), tmp_path / "web.html")
    text = page.read_text(encoding="utf-8")
    assert "plotly.min.js" in text and "INC-BIG" in text
    assert (tmp_path / "plotly.min.js").stat().st_size > 1_000_000
    assert os.path.getsize(page) < 500_000  # the library is shared, not inlined
