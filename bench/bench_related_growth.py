"""How the after-ingest related-edge check grows with the corpus, against a baseline tree, sampled.

    python bench/bench_related_growth.py --base /work/wt/base --index COPY.similarity.npz [--sizes 10000,20000,40000]

The index file is one a writer kept beside a large database (copy it first: this only reads it).
For each size N the first N incidents of that index are taken as the corpus, and the related edges
of its last --rows incidents (each against every earlier one, as a first load checks every row) are
timed in a fresh process per tree, interleaved (CPU seconds of the process, all its threads; wall
seconds beside them, which show the threads only on a machine with a core to spare). A row's cost
grows with the incidents before it, so a first load of N costs about N/2 times the cost of a row at
N: `first load` extrapolates that (from CPU). The
edges (source, hit, score to the bit, basis) must be the same under both trees, else it stops.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

CHILD = r"""
import hashlib, json, sys, time
import numpy as np
from kb.analysis import similarity as S
from kb.analysis.similarity_store import _index
path, n, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
z = np.load(path, allow_pickle=False)
full = _index(z, [str(v) for v in z["meta"]])
n = min(n, len(full))
index = S.SimilarityIndex.from_arrays(
    full.keys[:n], full.titles[:n], full.started_at.iloc[:n], full.text_matrix[:n], full.text_terms,
    full.main_terms, full.labels, full.structure[:n],
)
c0, w0 = time.process_time(), time.perf_counter()
edges = S.related_edges(index, index.keys[n - rows:])
cpu, wall = time.process_time() - c0, time.perf_counter() - w0
checked = index.matches(range(n - rows, n), 5, True, 0.3)
raw = [(m.query, m.hit, m.score.hex(), m.text.hex(), m.structure.hex()) for m in checked]
digest = hashlib.blake2b(repr((edges, raw)).encode(), digest_size=16).hexdigest()
print("BENCH " + json.dumps({"cpu": cpu, "wall": wall, "edges": len(edges), "digest": digest}), file=sys.stderr)
"""


def run(src: Path, index: Path, n: int, rows: int) -> dict[str, float | str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(index), str(n), str(rows)],
        env=env,
        cwd=tempfile.gettempdir(),  # python puts the cwd before PYTHONPATH: not this checkout
        capture_output=True,
        text=True,
        check=False,
    )
    line = [x for x in proc.stderr.splitlines() if x.startswith("BENCH ")]
    if not line:
        raise SystemExit(f"failed under {src}:\n{proc.stderr[-2000:]}")
    got: dict[str, float | str] = json.loads(line[-1][6:])
    return got


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True, help="source tree of the baseline (e.g. a main checkout)")
    ap.add_argument("--index", type=Path, required=True, help="a copy of a kept DB.similarity.npz (read only)")
    ap.add_argument("--sizes", default="10000,20000,40000", help="corpus sizes N, comma-separated")
    ap.add_argument("--rows", type=int, default=1000, help="incidents checked at each size (the last ones)")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    head = (
        f"{'base ms/row':>11} {'new ms/row':>10} {'ratio':>6} {'base wall':>9} {'new wall':>8} "
        f"{'base 1st load s':>15} {'new 1st load s':>14}"
    )
    print(f"{'N':>7} {head} edges")
    first: dict[str, float] = {}
    for n in sizes:
        runs: dict[str, list[dict[str, float | str]]] = {"base": [], "new": []}
        for _ in range(args.repeat):  # interleaved: both trees see the same load
            runs["base"].append(run(args.base.resolve(), args.index, n, args.rows))
            runs["new"].append(run(HERE, args.index, n, args.rows))
        if {str(r["digest"]) for rs in runs.values() for r in rs} != {str(runs["base"][0]["digest"])}:
            raise SystemExit(f"N={n}: the edges or scores differ between the trees")
        per_row = {t: statistics.median(float(r["cpu"]) for r in rs) / args.rows for t, rs in runs.items()}
        wall = {t: statistics.median(float(r.get("wall", "nan")) for r in rs) / args.rows for t, rs in runs.items()}
        load = {t: per_row[t] * n / 2 for t in per_row}
        first.setdefault("base", load["base"])
        first.setdefault("new", load["new"])
        print(
            f"{n:>7} {per_row['base'] * 1000:>11.2f} {per_row['new'] * 1000:>10.2f} "
            f"{per_row['new'] / per_row['base']:>6.2f} {wall['base'] * 1000:>9.2f} {wall['new'] * 1000:>8.2f} "
            f"{load['base']:>15.1f} {load['new']:>14.1f} "
            f"{runs['base'][0]['edges']} (growth vs N={sizes[0]}: base {load['base'] / first['base']:.1f}x, "
            f"new {load['new'] / first['new']:.1f}x)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
