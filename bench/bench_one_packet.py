"""Time `kb ingest` of ONE edited packet into a big embedded database, against a baseline tree, in the same run.

    python bench/bench_one_packet.py --base /work/wt/base --db /tmp/kb10000.lbug \
        --packet corpus/INC-2024-00001.yaml [--repeat 2]

What a team does between reviews: one post-mortem corrected and ingested again. Each run copies every
file of --db (the database and what is kept beside it) into a temporary folder, re-keys the copy's
generation file (a copy has another inode: kb.engines.ladybug_files), writes the packet with its title
edited, and runs `kb ingest` on it in a fresh process, this checkout and --base alternating. Figures
per run: CPU seconds of the process (user + system, children included) and wall seconds; `ratio` is
new / base of the median CPU. The machine's load moves wall time: read the CPU ratio. The kept files
in --db decide what can be taken rather than computed: use a database last written by the tree you
measure (a copy ingested once more with it), or both trees compute every answer.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def copy_database(db: Path, into: Path) -> Path:
    """Every file named like `db` copied into `into`, with the copy's generation id kept valid."""
    into.mkdir(parents=True, exist_ok=True)
    for f in db.parent.iterdir():
        if f.name == db.name or f.name.startswith(db.name + "."):
            (shutil.copytree if f.is_dir() else shutil.copy2)(f, into / f.name)
    copy = into / db.name
    gen = into / f"{db.name}.generation"
    if gen.exists():
        parts = gen.read_text(encoding="ascii").split()
        if parts:
            st = os.stat(copy)
            gen.write_text(f"{parts[0]} {st.st_ino} {st.st_size}", encoding="ascii")
    return copy


def edited(packet: Path, folder: Path) -> Path:
    """A copy of `packet` with its title changed (bench/bench_scale.py's edited_copy)."""
    sys.path.insert(0, str(HERE / "bench"))
    from bench_scale import edited_copy

    return edited_copy(packet, folder)


def run(tree: Path, db: Path, packet: Path) -> tuple[float, float]:
    """(CPU s, wall s) of `kb ingest packet --db db` with `tree`'s code."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    before = os.times()
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "kb", "ingest", str(packet), "--quiet", "--db", str(db)],
        cwd=tree,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    after = os.times()
    return (after.children_user - before.children_user) + (after.children_system - before.children_system), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="the baseline source tree")
    parser.add_argument("--db", type=Path, required=True, help="an embedded database (copied, never written)")
    parser.add_argument("--packet", type=Path, required=True, help="a packet file already in --db")
    parser.add_argument("--repeat", type=int, default=2, help="runs per tree (alternating)")
    args = parser.parse_args()
    got: dict[str, list[tuple[float, float]]] = {"base": [], "new": []}
    with tempfile.TemporaryDirectory(prefix="kb-one-packet-") as tmp:
        packet = edited(args.packet, Path(tmp) / "edited")
        for i in range(args.repeat):
            for name, tree in (("base", args.base), ("new", HERE)):
                copy = copy_database(args.db, Path(tmp) / f"{name}{i}")
                got[name].append(run(tree, copy, packet))
                print(f"{name} run {i + 1}: cpu {got[name][-1][0]:.2f} s, wall {got[name][-1][1]:.2f} s", flush=True)
                shutil.rmtree(copy.parent)
    base, new = (statistics.median(c for c, _ in got[k]) for k in ("base", "new"))
    print(f"median cpu: base {base:.2f} s, new {new:.2f} s, ratio {new / base:.2f}")


if __name__ == "__main__":
    main()
