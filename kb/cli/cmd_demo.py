"""`kb demo`: generate the synthetic corpus, write it to disk, load it, summarise."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from kb.cli.app import DbOpt, EngineOpt, QuietOpt, app, console, err_console, fail, open_kb
from kb.cli.output import print_frame


@app.command()
def demo(
    incidents: Annotated[int, typer.Option(help="How many incidents to generate.", min=10)] = 320,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same corpus.")] = 7,
    out: Annotated[Path, typer.Option(help="Where the packet files, roadmap.yaml and truth.json go.")] = Path(
        "demo-output"
    ),
    engine: EngineOpt = None,
    db: DbOpt = None,
    keep: Annotated[bool, typer.Option("--keep", help="Add to the database instead of starting afresh.")] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Empty a database that holds more than demo data, and "
            "overwrite files in OUT that an earlier demo did not write.",
        ),
    ] = False,
    quiet: QuietOpt = False,
) -> None:
    """Generate a deterministic demo corpus, load it into the knowledge base and summarise it.

    The packets are also written to OUT/packets as valid files (so `kb ingest OUT/packets`
    reloads them), with the roadmap in OUT/roadmap.yaml and the generator's ground
    truth (planted clusters, near-duplicates, repeats) in OUT/truth.json. Files the demo
    did not write are never deleted or overwritten (without --force); neither is a
    database that holds anything but demo data emptied (without --force, or a yes at the prompt).
    """
    from kb.quickstart import DemoError, replace_with_demo, reset_risk

    started = time.perf_counter()

    def say(message: str) -> None:
        if not quiet:
            err_console.print(f"[dim]{message}…[/dim]", highlight=False)

    with open_kb(engine, db) as kbase:
        risk = None if keep or force else reset_risk(kbase)
        if risk is not None:
            if not sys.stdin.isatty():
                raise fail(risk)
            err_console.print(f"[yellow]warning:[/yellow] {risk}", highlight=False)
            if not typer.confirm(f"Empty {kbase.description} and load the demo?", default=False, err=True):
                raise fail("nothing changed", 1)
            force_db = True
        else:
            force_db = force
        try:
            corpus = replace_with_demo(
                kbase,
                incidents=incidents,
                seed=seed,
                out=out,
                keep=keep,
                force=force_db,
                files_force=force,
                progress=say,
            )
        except DemoError as exc:
            raise fail(str(exc)) from None
        from kb.cli.cmd_patterns import keep_default_answers

        keep_default_answers(kbase)
        stats = kbase.stats().set_index("name")["count"]
        elapsed = time.perf_counter() - started
        console.print(
            f"[bold]demo corpus[/bold] seed {seed}: {len(corpus.packets)} incidents loaded into "
            f"{kbase.description} in {elapsed:.1f} s"
        )
        console.print(f"packets written to {out / 'packets'}; ground truth in {out / 'truth.json'}")
        summary = stats.loc[
            [
                "Incident",
                "Service",
                "Team",
                "Analysis",
                "Factor",
                "Theme",
                "Barrier",
                "Finding",
                "WorkItem",
                "Objective",
                "RoadmapItem",
                "RELATED_TO",
            ]
        ].reset_index()
        print_frame(summary, title="what is in the graph")
        clusters = ", ".join(f"{c.name} ({len(c.incidents)} incidents)" for c in corpus.truth.clusters)
        console.print(f"planted clusters: {clusters}")
        console.print(
            "next: [bold]kb clusters[/bold], [bold]kb check --all[/bold], [bold]kb metrics[/bold], "
            "or open notebooks/ in JupyterLab"
        )
