"""`kb report`: the quarterly review as one HTML page, slide-ready PNG and SVG charts, optionally a PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kb.cli.app import DbOpt, EngineOpt, QuietOpt, app, console, err_console, esc, fail, open_kb


@app.command()
def report(
    quarter: Annotated[
        str | None,
        typer.Option(
            "--quarter",
            "-q",
            help="The review quarter, e.g. 2026Q3 (default: the quarter of the latest incident).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write the review into.")] = Path("review"),
    static: Annotated[
        bool, typer.Option("--static/--no-static", help="Also write PNG and SVG (needs Chrome/Chromium for kaleido).")
    ] = True,
    pdf: Annotated[
        bool,
        typer.Option("--pdf/--no-pdf", help="Also print the page to OUT/review-QUARTER.pdf (needs Chrome/Chromium)."),
    ] = False,
    engine: EngineOpt = None,
    db: DbOpt = None,
    quiet: QuietOpt = False,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite files in OUT that an earlier `kb report` did not write.")
    ] = False,
) -> None:
    """Write the quarterly review: one self-contained page OUT/review-QUARTER.html, every chart as PNG and SVG.

    The page holds the headline numbers, every chart, the figures behind each chart
    (expandable tables) and the metric definitions, and opens offline. PNGs are slide-ready
    (16:9, exported at scale 2); OUT/README.md is a short markdown summary.

    Charts: loop-metric trends, themes by quarter, recurring clusters (table, co-occurrence
    network, the top cluster's incidents), where the quarter's findings went, what the roadmap
    traces back to, untraced roadmap items, and the causal web of the quarter's most severe
    incident. Without a Chrome/Chromium the HTML and markdown are still written and a message
    says how to get PNG/SVG.
    """
    # Imported here: charts pull in plotly and scipy, which every other command would pay for.
    from kb.file_guard import OverwriteRefused
    from kb.report import ReportError, check_quarter, latest_quarter, write_report

    if quarter is not None:
        try:
            check_quarter(quarter)
        except ReportError as exc:
            raise fail(str(exc)) from None
    with open_kb(engine, db, read_only=True) as kbase:
        quarter = quarter or latest_quarter(kbase)
        if quarter is None:
            raise fail("the knowledge base holds no incident: ingest packets first, or run `kb demo`", 1)
        try:
            result = write_report(
                kbase,
                quarter,
                out,
                static=static,
                pdf=pdf,
                progress=None if quiet else (lambda step: err_console.print(f"[dim]{step}…[/dim]", highlight=False)),
                force=force,
            )
        except ReportError as exc:
            raise fail(str(exc), 1) from None
        except OverwriteRefused as exc:
            raise fail(f"{exc}: choose another --out, or add --force to overwrite; nothing was written") from None
    kinds = "one HTML page" + (", PNG and SVG" if result.static else "") + (", PDF" if result.pdf else "")
    console.print(
        f"[bold]quarterly review {quarter}[/bold]: {len(result.charts)} charts as {kinds} "
        f"in {out} ({result.seconds:.1f} s)"
    )
    for chart in result.charts:
        console.print(f"  {chart.name:<22} {esc(chart.title)}")
    console.print(f"page: {result.page}")
    if result.pdf:
        console.print(f"pdf: {result.pdf}")
    if result.static_error and static:
        err_console.print(f"[yellow]note:[/yellow] {esc(result.static_error)}")
    if result.pdf_error:
        err_console.print(f"[yellow]note:[/yellow] no PDF: {esc(result.pdf_error)}")
