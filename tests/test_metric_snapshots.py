"""Metric snapshots drawn: the plotly figure (a row per snapshot, detection and mitigation marked),
the markdown review's text lines, and `kb export --out` writing the charts beside the review."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from kb.charts.metrics import metric_snapshots_figure, metric_sparkline
from kb.cli import app
from kb.export import review_markdown
from kb.export.metric_page import GENERATOR
from kb.graph.reader import read_packets
from kb.knowledge_base import KnowledgeBase
from kb.model import EventPacket

runner = CliRunner()


def _packet(metrics: bool = True) -> EventPacket:
    series = [
        ("2026-11-03T23:40:00+01:00", 0.4),  # an offset: normalised to UTC
        ("2026-11-03T22:45:00Z", 7.3),
        ("2026-11-03T23:00:00.000250Z", 7.1),
        ("2026-11-03T23:15:00Z", 0.3),
    ]
    return EventPacket.model_validate(
        {
            "incident": {
                "id": "INC-4471",
                "title": "Checkout 5xx",
                "started_at": "2026-11-03T22:40:00Z",
                "detected_at": "2026-11-03T22:47:12Z",
                "mitigated_at": "2026-11-03T23:09:12Z",
                "resolved_at": "2026-11-03T23:49:00Z",
            },
            "metrics": [
                {
                    "name": "checkout_5xx_ratio",
                    "unit": "%",
                    "points": [{"at": at, "value": v} for at, v in series],
                    "link": "https://grafana.example.com/d/checkout",
                },
                {"name": "orders_per_minute", "points": [{"at": "2026-11-03T23:00:00Z", "value": 120.0}]},
            ]
            if metrics
            else [],
        }
    )


def test_figure_has_a_row_per_snapshot_and_the_marks() -> None:
    packet = _packet()
    fig = metric_snapshots_figure(packet)
    assert [t.name for t in fig.data] == ["checkout_5xx_ratio", "orders_per_minute"]
    first = fig.data[0]
    assert list(first.y) == [0.4, 7.3, 7.1, 0.3]  # in time order: 23:40+01:00 is 22:40 UTC, the first
    assert first.x[0] == datetime(2026, 11, 3, 22, 40, tzinfo=UTC)
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    detected, mitigated = packet.incident.detected_at, packet.incident.mitigated_at
    assert {(s.x0, s.xref) for s in lines} == {(detected, "x"), (mitigated, "x"), (detected, "x2"), (mitigated, "x2")}
    texts = sorted(a.text for a in fig.layout.annotations)
    assert texts.count("detected 22:47") == 2 and texts.count("mitigated 23:09") == 2
    assert "metric snapshots" in fig.layout.title.text
    empty = metric_snapshots_figure(_packet(metrics=False))
    assert not empty.data and "no metric snapshots recorded" in [a.text for a in empty.layout.annotations]


def test_sparkline_follows_the_series_with_detection_and_mitigation_under_it() -> None:
    packet = _packet()
    line, under = metric_sparkline(packet, packet.metrics[0])
    # 22:40 .. 23:49 over 48 columns: rises to the 22:45 peak, holds to 23:00, falls to 23:15, then unmeasured.
    assert line == "▁▃▅████████████▇▆▆▅▄▄▃▂▂▁"
    assert under == "     D              M"
    lone, _ = metric_sparkline(packet, packet.metrics[1])
    assert lone.strip() == "▁" and len(lone) == 15  # one measurement at 23:00: one mark in its column
    unmarked = packet.model_copy(deep=True)
    unmarked.incident.detected_at = unmarked.incident.mitigated_at = None
    assert metric_sparkline(unmarked, unmarked.metrics[0])[1] == ""


def test_review_draws_each_snapshot_and_omits_the_section_without_any() -> None:
    text = review_markdown(_packet())
    section = text[text.index("## Metrics") : text.index("## ", text.index("## Metrics") + 3)]
    assert "**checkout_5xx_ratio** (%)" in section and "4 points" in section and "max 7.3 at 22:45" in section
    assert "```text\n▁▃▅████████████▇▆▆▅▄▄▃▂▂▁\n     D              M\n```" in section
    assert "1 point," in section and "_D: detected 2026-11-03 22:47; M: mitigated 2026-11-03 23:09 UTC._" in section
    assert "Charts:" not in section
    assert "](charts.html)" in review_markdown(_packet(), metrics_link="charts.html")
    assert "## Metrics" not in review_markdown(_packet(metrics=False))


def test_snapshots_read_back_from_the_graph_draw_the_same(any_kb: KnowledgeBase) -> None:
    packet = _packet()
    any_kb.ingest_packets([packet])
    [stored] = read_packets(any_kb, ["INC-4471"])
    assert stored.metrics == packet.metrics  # points in UTC, microseconds kept, on this engine
    assert review_markdown(stored) == review_markdown(packet)


def test_cli_export_writes_the_charts_beside_the_review(tmp_path: Path) -> None:
    from kb.packets import write_packet

    db = tmp_path / "db"
    write_packet(_packet(), tmp_path / "in" / "INC-4471.yaml")
    assert runner.invoke(app, ["ingest", str(tmp_path / "in"), "--db", str(db)]).exit_code == 0
    review = tmp_path / "out" / "review.md"
    args = ["export", "INC-4471", "--format", "markdown", "--out", str(review), "--db", str(db)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    page = tmp_path / "out" / "review.metrics.html"
    html = page.read_text(encoding="utf-8")
    assert GENERATOR in html and "checkout_5xx_ratio" in html and "detected 22:47" in html
    assert "Charts: [review.metrics.html](review.metrics.html)" in review.read_text(encoding="utf-8")
    assert runner.invoke(app, args).exit_code == 0  # its own page is redrawn
    page.write_text("<html>my notes</html>", encoding="utf-8")  # a file the command did not write
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "not written" in again.stderr
    assert page.read_text(encoding="utf-8") == "<html>my notes</html>"
    assert "Charts:" not in review.read_text(encoding="utf-8")
