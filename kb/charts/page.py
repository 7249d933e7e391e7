"""The review as one self-contained HTML page: plotly.js inlined once, every chart, its table, the definitions.

The page opens offline (no CDN, no sibling files needed to render). A small script
records script errors and, once loaded, how many charts drew an SVG, in
`body[data-charts-rendered]` / `#kb-render-errors`, so a reader sees a broken chart
and a headless browser test can check it from the DOM.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import plotly.io as pio
from plotly.offline import get_plotlyjs

from kb.charts.section import Chart

CSS = """
body { font-family: Inter, 'Helvetica Neue', Arial, sans-serif; color: #222; margin: 0 auto; max-width: 1320px;
       padding: 24px; }
h1 { font-size: 28px; margin-bottom: 4px; } h2 { font-size: 21px; margin-top: 36px; }
.meta { color: #555; } nav ol { columns: 2; }
table.kb { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
table.kb th, table.kb td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
table.kb th { background: #f0f0f0; }
.chart { break-inside: avoid; page-break-inside: avoid; }
.caption { color: #444; max-width: 1000px; } .files { font-size: 13px; color: #555; }
details { margin: 6px 0 18px; } summary { cursor: pointer; color: #1f4e99; }
#kb-render-errors { color: #b00; white-space: pre-wrap; }
@page { size: 15in 9.5in; margin: 0.35in; }
@media print { details { display: block; } summary { display: none; } .files { display: none; } }
"""

WATCH = """
window.kbErrors = [];
window.addEventListener('error', function (e) { window.kbErrors.push(String(e.message || e)); });
window.addEventListener('unhandledrejection', function (e) { window.kbErrors.push(String(e.reason)); });
"""

REPORT = """
window.addEventListener('load', function () {
  var charts = document.querySelectorAll('.kb-chart .plotly-graph-div'), ok = 0;
  charts.forEach(function (c) { if (c.querySelector('svg.main-svg')) { ok += 1; } });
  document.body.setAttribute('data-charts-expected', String(charts.length));
  document.body.setAttribute('data-charts-rendered', String(ok));
  if (window.kbErrors.length) {
    var box = document.getElementById('kb-render-errors');
    box.textContent = 'Some charts failed to render:\\n' + window.kbErrors.join('\\n');
    box.hidden = false;
  }
});
"""


def _table(rows: Sequence[tuple[str, str]], header: tuple[str, str]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return (
        f'<table class="kb"><thead><tr><th>{html.escape(header[0])}</th><th>{html.escape(header[1])}</th>'
        f"</tr></thead><tbody>{body}</tbody></table>"
    )


def chart_html(chart: Chart, files: Sequence[str] = ()) -> str:
    div = pio.to_html(
        chart.figure,
        include_plotlyjs=False,
        full_html=False,
        div_id=f"chart-{chart.name}",
        config={"displaylogo": False, "responsive": False},
    )
    parts = [
        f'<section class="chart" id="{chart.name}">',
        f"<h2>{html.escape(chart.title)}</h2>",
        f'<p class="caption">{html.escape(chart.caption)}</p>',
        f'<div class="kb-chart">{div}</div>',
    ]
    if files:
        links = " · ".join(f'<a href="{html.escape(f)}">{html.escape(f.rsplit(".", 1)[-1].upper())}</a>' for f in files)
        parts.append(f'<p class="files">Slide images: {links}</p>')
    if not chart.table.empty:
        table = chart.table.to_html(index=False, classes="kb", border=0, na_rep="–", escape=True)
        parts.append(
            f"<details><summary>The figures behind this chart ({len(chart.table)} rows)</summary>{table}</details>"
        )
    parts.append("</section>")
    return "\n".join(parts)


def render_page(
    title: str,
    meta: str,
    headline: Mapping[str, str],
    charts: Sequence[Chart],
    definitions: Mapping[str, str],
    files: Mapping[str, Sequence[str]] | None = None,
    notes: Sequence[str] = (),
) -> str:
    """The whole review as one HTML document (plotly.js inlined once)."""
    files = files or {}
    toc = "".join(f'<li><a href="#{c.name}">{html.escape(c.title)}</a></li>' for c in charts)
    body = [
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">{html.escape(meta)}</p>',
        '<pre id="kb-render-errors" hidden></pre>',
    ]
    body += [f'<p class="meta"><b>Note:</b> {html.escape(n)}</p>' for n in notes]
    body += [
        "<h2>Headline numbers</h2>",
        _table(list(headline.items()), ("measure", "this quarter")),
        f"<nav><h2>Charts</h2><ol>{toc}</ol></nav>",
    ]
    body += [chart_html(c, files.get(c.name, ())) for c in charts]
    body += [
        '<section id="definitions"><h2>Definitions</h2>',
        _table(list(definitions.items()), ("measure", "definition")),
        "</section>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{CSS}</style>"
        f"<script>{WATCH}</script><script>{get_plotlyjs()}</script></head>\n<body>\n"
        + "\n".join(body)
        + f"\n<script>{REPORT}</script>\n</body></html>\n"
    )
