"""`kb demo`: generate the synthetic corpus, write it to disk, load it, summarise."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Annotated

import typer

from kb.cli.app import DbOpt, app, console, open_kb
from kb.cli.output import print_frame
from kb.quickstart import load_demo


@app.command()
def demo(
    incidents: Annotated[int, typer.Option(help="How many incidents to generate.", min=10)] = 320,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same corpus.")] = 7,
    out: Annotated[Path, typer.Option(help="Where the packet files, roadmap.yaml and truth.json go.")] = Path(
        "demo-output"),
    db: DbOpt = None,
    keep: Annotated[bool, typer.Option("--keep", help="Add to the database instead of starting afresh.")] = False,
) -> None:
    """Generate a deterministic demo corpus, load it into the embedded engine and summarise it.

    The packets are also written to OUT/packets as valid files (so `kb ingest OUT/packets`
    reloads them), with the roadmap in OUT/roadmap.yaml and the generator's ground
    truth (planted clusters, near-duplicates, repeats) in OUT/truth.json.
    """
    started = time.perf_counter()
    shutil.rmtree(out / "packets", ignore_errors=True)  # a smaller corpus must not leave stale files
    with open_kb("ladybug", db) as kbase:
        if not keep:
            kbase.reset()
        corpus = load_demo(kbase, incidents=incidents, seed=seed, out=out)
        stats = kbase.stats().set_index("name")["count"]
        elapsed = time.perf_counter() - started
        console.print(f"[bold]demo corpus[/bold] seed {seed}: {len(corpus.packets)} incidents loaded into "
                      f"{kbase.description} in {elapsed:.1f} s")
        console.print(f"packets written to {out / 'packets'}; ground truth in {out / 'truth.json'}")
        summary = stats.loc[["Incident", "Service", "Team", "Analysis", "Factor", "Theme", "Barrier",
                             "Finding", "WorkItem", "Objective", "RoadmapItem", "RELATED_TO"]].reset_index()
        print_frame(summary, title="what is in the graph")
        clusters = ", ".join(f"{c.name} ({len(c.incidents)} incidents)" for c in corpus.truth.clusters)
        console.print(f"planted clusters: {clusters}")
        console.print("next: [bold]kb clusters[/bold], [bold]kb check --all[/bold], [bold]kb metrics[/bold], "
                      "or open notebooks/ in JupyterLab")
