"""The clusters' lift and score are the same bits in every process: a cluster's lift is the mean of
its internal pairs' lifts, whose order follows set iteration, which Python's hash seed changes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import kb
from kb.quickstart import load_demo

ROOT = Path(__file__).resolve().parents[1]
PRINT_BITS = (
    "import sys, kb; from kb.analysis.clusters import find_clusters\n"
    "with kb.connect(engine='ladybug', db=sys.argv[1]) as k:\n"
    "    c = find_clusters(k).clusters\n"
    "    print([float(x).hex() for x in c['lift']], [float(x).hex() for x in c['score']])\n"
)


def test_lift_and_score_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    db = tmp_path / "graph.lbug"
    with kb.connect(engine="ladybug", db=db) as kbase:
        load_demo(kbase, incidents=320, seed=7)
    outputs = set()
    for seed in ("1", "2", "3", "4"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-c", PRINT_BITS, str(db)], env=env, capture_output=True, text=True, check=True
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1, outputs
    assert "0x" in next(iter(outputs)), "no cluster found: the test proves nothing"
