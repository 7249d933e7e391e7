"""The metric snapshots of one incident as an HTML page beside its markdown review (`kb export --out`)."""

from __future__ import annotations

from pathlib import Path

from kb.model import EventPacket

GENERATOR = '<meta name="generator" content="incident-kb metric snapshots">'
"""Marks a page this tool wrote: only such a page is ever written over."""


class MetricPageExists(FileExistsError):
    """The page's name is taken by a file this tool did not write."""


def write_metric_page(packet: EventPacket, path: Path) -> Path:
    """Draw the snapshots (kb.charts.metrics) into `path`, with plotly.js loaded from its CDN; an
    existing file is replaced only if this tool wrote it."""
    import plotly.io as pio

    from kb.charts.metrics import metric_snapshots_figure

    if path.exists():
        head = path.read_text(encoding="utf-8", errors="replace")[:2000]
        if GENERATOR not in head:
            raise MetricPageExists(f"{path}: exists and was not written by kb export; the charts were not drawn")
    html = pio.to_html(metric_snapshots_figure(packet), include_plotlyjs="cdn", full_html=True)
    html = html.replace("<head>", f"<head>{GENERATOR}", 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
