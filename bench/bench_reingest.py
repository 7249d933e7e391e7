"""Time re-ingesting N packets that are already stored in a big embedded database (the replace path),
against a baseline tree, in the same run.

    python bench/bench_reingest.py --base /work/wt/base --db /tmp/kb10000.lbug \
        --packets /work/scale/corpus-10000/packets --count 250 [--repeat 2] [--dump]

N packets, spread evenly over the sorted files of --packets (all of them stored in --db), each with
its title edited (bench/bench_scale.py's edited_copy), are ingested into a fresh copy of --db
(bench/bench_one_packet.py's copy_database) by the library's ingest without the after-ingest hooks,
so what shows is the writer: finding and deleting what the stored incidents said, inserting what
they say now, restoring tool-made links. This checkout and --base alternate, each in a fresh
process; figures per run are that process's CPU seconds (user + system) and wall seconds, and
`ratio` is new / base of the median CPU (read it, not wall time, on a shared machine).
With --dump, each run's graph is dumped (tests/graph_dump.py) and the dumps must be equal.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE / "bench"))

from bench_one_packet import copy_database  # noqa: E402
from bench_scale import edited_copy  # noqa: E402

REINGEST = (
    "import sys; from pathlib import Path; from kb.knowledge_base import connect; "
    "k = connect(engine='ladybug', db=sys.argv[1]); r = k.ingest_paths([Path(sys.argv[2])]); k.close(); "
    "sys.exit(0 if r.ok and len(r.accepted) == int(sys.argv[3]) else 1)"
)

DUMP = (
    "import sys, pickle; sys.path.insert(0, sys.argv[3]); from graph_dump import graph_dump; "
    "from kb.knowledge_base import connect; k = connect(engine='ladybug', db=sys.argv[1], read_only=True); "
    "d = graph_dump(k); k.close(); open(sys.argv[2], 'wb').write(pickle.dumps(d))"
)


def spread(packets: Path, count: int) -> list[Path]:
    files = sorted(p for p in packets.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    step = max(1, len(files) // count)
    return files[::step][:count]


def run(tree: Path, db: Path, folder: Path, count: int) -> tuple[float, float]:
    """(CPU s, wall s) of re-ingesting `folder` into `db` with `tree`'s code, without hooks."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    before = os.times()
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", REINGEST, str(db), str(folder), str(count)], cwd=tree, env=env, check=True)
    wall = time.perf_counter() - started
    after = os.times()
    return (after.children_user - before.children_user) + (after.children_system - before.children_system), wall


def dump_digest(db: Path, out: Path) -> str:
    """A digest of the whole graph's canonical dump (with this checkout's code: the same reader for both)."""
    env = {**os.environ, "PYTHONPATH": str(HERE)}
    subprocess.run([sys.executable, "-c", DUMP, str(db), str(out), str(HERE / "tests")], env=env, check=True)
    dump = pickle.loads(out.read_bytes())
    return hashlib.sha256(repr(sorted(dump.items())).encode()).hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="the baseline source tree")
    parser.add_argument("--db", type=Path, required=True, help="an embedded database (copied, never written)")
    parser.add_argument("--packets", type=Path, required=True, help="the folder of packet files stored in --db")
    parser.add_argument("--count", type=int, default=250, help="how many stored packets to ingest again")
    parser.add_argument("--repeat", type=int, default=2, help="runs per tree (alternating)")
    parser.add_argument("--dump", action="store_true", help="dump each run's graph and require equal dumps")
    args = parser.parse_args()
    got: dict[str, list[tuple[float, float]]] = {"base": [], "new": []}
    digests: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="kb-reingest-") as tmp:
        folder = Path(tmp) / "edited"
        for packet in spread(args.packets, args.count):
            edited_copy(packet, folder)
        count = len(list(folder.iterdir()))
        for i in range(args.repeat):
            for name, tree in (("base", args.base), ("new", HERE)):
                copy = copy_database(args.db, Path(tmp) / f"{name}{i}")
                got[name].append(run(tree, copy, folder, count))
                note = ""
                if args.dump:
                    digest = dump_digest(copy, Path(tmp) / "dump.pickle")
                    digests.add(digest)
                    note = f", graph {digest}"
                print(
                    f"{name} run {i + 1}: cpu {got[name][-1][0]:.2f} s, wall {got[name][-1][1]:.2f} s{note}", flush=True
                )
                shutil.rmtree(copy.parent)
    base, new = (statistics.median(c for c, _ in got[k]) for k in ("base", "new"))
    print(f"{count} packets: median cpu base {base:.2f} s, new {new:.2f} s, ratio {new / base:.2f}")
    if args.dump:
        print("graphs equal" if len(digests) == 1 else f"GRAPHS DIFFER: {sorted(digests)}")
        if len(digests) != 1:
            sys.exit(1)


if __name__ == "__main__":
    main()
