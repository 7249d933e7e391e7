"""Start-up time of the CLI: `kb --help`, `kb stats`, `import kb`, against `python -c pass` in the same run.

    python bench/bench_startup.py [--runs 7] [--before REV]

Each command runs --runs times in a fresh interpreter; the median wall time is printed with its
ratio to `python -c pass` measured alongside (so a loaded machine shows in the baseline too).
With --before REV the same commands also run on that revision of the code (extracted with
`git archive` into a temporary directory), and the after/before ratio is printed.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _time(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run: on a shared machine the CPU time varies less."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        cmd, env=env, cwd=env["PYTHONPATH"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _commands(db: Path) -> dict[str, list[str]]:
    py = sys.executable
    return {
        "python -c pass": [py, "-c", "pass"],
        "import kb": [py, "-c", "import kb"],
        "import kb.cli": [py, "-c", "import kb.cli"],
        "kb --help": [py, "-m", "kb", "--help"],
        "kb stats": [py, "-m", "kb", "stats", "--db", str(db)],
    }


def measure(code: Path, db: Path, runs: int) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds per command."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    env.pop("NEO4J_URI", None)
    # Interleave the commands run by run, so a burst of load hits all of them alike.
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in _commands(db)}
    for _ in range(runs):
        for name, cmd in _commands(db).items():
            results[name].append(_time(cmd, env))
    return {
        name: (statistics.median(w for w, _ in values), statistics.median(c for _, c in values))
        for name, values in results.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--before", help="a git revision to compare with (e.g. main, or a commit)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-bench-startup-") as tmp:
        db = Path(tmp) / "graph.lbug"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run(
            [sys.executable, "-m", "kb", "init", "--db", str(db)], env=env, check=True, stdout=subprocess.DEVNULL
        )
        after = measure(ROOT, db, args.runs)
        before: dict[str, tuple[float, float]] | None = None
        if args.before:
            old = Path(tmp) / "before"
            old.mkdir()
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", args.before], check=True, capture_output=True
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
            before = measure(old, db, args.runs)
    base_wall, base_cpu = after["python -c pass"]
    print(f"median of {args.runs} runs; baseline `python -c pass` {base_wall:.3f} s wall, {base_cpu:.3f} s CPU")
    header = f"{'command':<16} {'wall s':>7} {'CPU s':>6} {'CPU x pass':>10}"
    if before:
        header += f" | {'before wall':>11} {'CPU s':>6} {'CPU x pass':>10} | {'after/before wall':>17} {'CPU':>5}"
    print(header)
    for name, (wall, cpu) in after.items():
        line = f"{name:<16} {wall:7.3f} {cpu:6.3f} {cpu / base_cpu:10.1f}"
        if before:
            b_wall, b_cpu = before[name]
            line += (
                f" | {b_wall:11.3f} {b_cpu:6.3f} {b_cpu / before['python -c pass'][1]:10.1f}"
                f" | {wall / b_wall:17.2f} {cpu / b_cpu:5.2f}"
            )
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
