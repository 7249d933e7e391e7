"""Execute the notebooks N times in a row and time every run (the notebook stall of issue 13).

    python bench/notebook_soak.py --runs 20 [--db PATH] [--log DIR] [NOTEBOOK ...]

Each run executes the notebooks one after another in fresh kernels, as tests/test_notebooks.py
does, against one demo database (made once, at --db, when it does not exist). Per run it prints the
wall time and, per notebook, the time to a ready kernel, the cells and the shutdown after the
last cell; at the end the median and the slowest run against twice the median.
With --log DIR, nbclient's debug log of every notebook (timestamps) goes to DIR.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
SHUTDOWN = "immediate"  # as tests/test_notebooks.py: see there why
EMULATE_OUTPUT_WIDGETS = False


def _demo_db(path: Path) -> None:
    if path.exists():
        return
    sys.path.insert(0, str(ROOT))
    from kb.knowledge_base import connect
    from kb.quickstart import load_demo

    with connect(engine="ladybug", db=path) as kbase:
        load_demo(kbase)


def run_one(path: Path, log_file: Path | None) -> dict[str, float]:
    marks: dict[str, float] = {"start": time.perf_counter()}
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        shutdown_kernel=SHUTDOWN,
        resources={"metadata": {"path": str(path.parent)}},
    )
    if not EMULATE_OUTPUT_WIDGETS:
        client.widget_registry = {}  # as tests/test_notebooks.py: see there why
    handler = None
    if log_file is not None:
        handler = logging.FileHandler(log_file, mode="w")
        handler.setFormatter(logging.Formatter("%(relativeCreated)9.0f %(levelname)s %(name)s %(message)s"))
        client.log.addHandler(handler)
        client.log.setLevel(logging.DEBUG)

    def first_cell(**_: object) -> None:
        marks.setdefault("kernel_ready", time.perf_counter())

    def cell_done(**_: object) -> None:
        marks["cells_done"] = time.perf_counter()  # the last cell's wins

    client.on_cell_start = first_cell
    client.on_cell_executed = cell_done
    client.execute()
    marks["end"] = time.perf_counter()
    if handler is not None:
        client.log.removeHandler(handler)
        handler.close()
    return {
        "kernel": marks.get("kernel_ready", marks["end"]) - marks["start"],
        "cells": marks.get("cells_done", marks["end"]) - marks.get("kernel_ready", marks["start"]),
        "after": marks["end"] - marks.get("cells_done", marks["end"]),
        "total": marks["end"] - marks["start"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "kb-soak" / "graph.lbug")
    parser.add_argument("--log", type=Path, default=None)
    parser.add_argument("--graceful", action="store_true", help="shut kernels down gracefully (nbclient's default)")
    parser.add_argument(
        "--output-widgets",
        action="store_true",
        help="let nbclient emulate Output widgets (its default; the cause of the stall)",
    )
    args = parser.parse_args()
    global SHUTDOWN, EMULATE_OUTPUT_WIDGETS
    SHUTDOWN = "graceful" if args.graceful else "immediate"
    EMULATE_OUTPUT_WIDGETS = args.output_widgets
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    _demo_db(args.db)
    os.environ["KB_DB"] = str(args.db)
    os.environ.pop("NEO4J_URI", None)
    os.environ.pop("KB_ENGINE", None)
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    if args.log:
        args.log.mkdir(parents=True, exist_ok=True)
    totals = []
    for run in range(1, args.runs + 1):
        started = time.perf_counter()
        parts = []
        for nb_path in notebooks:
            with tempfile.TemporaryDirectory() as tmp:
                os.environ["KB_REPORT_DIR"] = str(Path(tmp) / "review")
                log_file = args.log / f"run{run:02d}-{nb_path.stem}.log" if args.log else None
                t = run_one(nb_path, log_file)
            parts.append(f"{nb_path.name[:2]} {t['kernel']:.1f}+{t['cells']:.1f}+{t['after']:.1f}")
        total = time.perf_counter() - started
        totals.append(total)
        print(f"run {run:2d}: {total:6.1f} s  ({'; '.join(parts)}  kernel+cells+after-last-cell)", flush=True)
    median = statistics.median(totals)
    print(
        f"{len(totals)} runs: median {median:.1f} s, min {min(totals):.1f} s, max {max(totals):.1f} s "
        f"({max(totals) / median:.2f}x the median; limit 2x)",
        flush=True,
    )
    return 0 if max(totals) <= 2 * median else 1


if __name__ == "__main__":
    raise SystemExit(main())
