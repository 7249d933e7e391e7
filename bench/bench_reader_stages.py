"""A packet reader's CPU per file, stage by stage, against a baseline tree in the same run.

The stages are what a `kb ingest` reader process does with each file (kb.graph.parallel_read):
YAML -> data (`load_yaml`), validation (`parse_packet`), rows (`packet_rows`), pickling the
rows for the parent, and the parent's unpickling. Each tree runs in its own process, the trees
alternate round by round, and each stage's best CPU time of the rounds is kept.

    python bench/bench_reader_stages.py --base /work/wt/base --packets /work/scale/corpus-10000/packets
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

STAGES = ("yaml", "validate", "rows", "pickle", "unpickle")

# Run inside each tree's process (its kb first on the path): ms per file for each stage.
PROBE = r"""
import gc, json, pickle, sys, time
from pathlib import Path
from kb.graph.rows import packet_rows
from kb.model.documents import decode, load_yaml
from kb.packets import parse_packet

files = sorted(Path(sys.argv[1]).glob("*.yaml"))[: int(sys.argv[2])]
raws = [f.read_bytes() for f in files]
gc.freeze()
gc.disable()  # as in a reader process (kb.graph.parallel_read._serve)


def best(fn, rounds=3):
    times = []
    for _ in range(rounds):
        start = time.process_time()
        out = fn()
        times.append(time.process_time() - start)
    return 1000 * min(times) / len(files), out


out = {}
out["yaml"], data = best(lambda: [load_yaml(decode(r)) for r in raws])
out["validate"], packets = best(lambda: [parse_packet(d, f) for d, f in zip(data, files)])
out["rows"], rows = best(lambda: [packet_rows(p) for p in packets])
tasks = [rows[i : i + 64] for i in range(0, len(rows), 64)]  # a reader's task: 64 files
out["pickle"], blobs = best(lambda: [pickle.dumps(t, protocol=pickle.HIGHEST_PROTOCOL) for t in tasks])
out["unpickle"], _ = best(lambda: [pickle.loads(b) for b in blobs])
print(json.dumps(out))
"""


def probe(tree: Path, packets: Path, files: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(packets), str(files)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, required=True, help="the baseline tree (a checkout of another commit)")
    parser.add_argument("--packets", type=Path, required=True, help="a folder of packet files (*.yaml)")
    parser.add_argument("--files", type=int, default=2000, help="how many of them (sorted by name)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of base, then this tree")
    args = parser.parse_args()
    trees = {"base": args.base.resolve(), "this": ROOT}
    best: dict[str, dict[str, float]] = {name: {} for name in trees}
    for _ in range(args.rounds):
        for name, tree in trees.items():
            for stage, ms in probe(tree, args.packets, args.files).items():
                best[name][stage] = min(ms, best[name].get(stage, ms))
    print(f"CPU ms per file, best of {args.rounds} alternating rounds, {args.files} files of {args.packets}")
    print(f"{'stage':<10} {'base':>8} {'this':>8} {'ratio':>7}")
    for stage in (*STAGES, "total"):
        if stage == "total":
            base, this = (sum(best[n].values()) for n in trees)
        else:
            base, this = best["base"][stage], best["this"][stage]
        print(f"{stage:<10} {base:8.3f} {this:8.3f} {this / base:7.2f}x")


if __name__ == "__main__":
    main()
