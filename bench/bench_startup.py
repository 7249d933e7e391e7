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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _time(cmd: list[str], env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(cmd, env=env, cwd=env["PYTHONPATH"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _commands(db: Path) -> dict[str, list[str]]:
    py = sys.executable
    return {
        "python -c pass": [py, "-c", "pass"],
        "import kb": [py, "-c", "import kb"],
        "import kb.cli": [py, "-c", "import kb.cli"],
        "kb --help": [py, "-m", "kb", "--help"],
        "kb stats": [py, "-m", "kb", "stats", "--db", str(db)],
    }


def measure(code: Path, db: Path, runs: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(code)}
    env.pop("NEO4J_URI", None)
    # Interleave the commands run by run, so a burst of load hits all of them alike.
    results: dict[str, list[float]] = {name: [] for name in _commands(db)}
    for _ in range(runs):
        for name, cmd in _commands(db).items():
            results[name].append(_time(cmd, env, 1))
    return {name: statistics.median(values) for name, values in results.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--before", help="a git revision to compare with (e.g. main, or a commit)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-bench-startup-") as tmp:
        db = Path(tmp) / "graph.lbug"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-m", "kb", "init", "--db", str(db)], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        after = measure(ROOT, db, args.runs)
        before: dict[str, float] | None = None
        if args.before:
            old = Path(tmp) / "before"
            old.mkdir()
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.before], check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
            before = measure(old, db, args.runs)
    base = after["python -c pass"]
    print(f"median of {args.runs} runs; baseline `python -c pass` {base:.3f} s")
    header = f"{'command':<16} {'after s':>8} {'x pass':>7}"
    if before:
        header += f" {'before s':>9} {'x pass':>7} {'after/before':>13}"
    print(header)
    for name, seconds in after.items():
        line = f"{name:<16} {seconds:8.3f} {seconds / base:7.1f}"
        if before:
            b = before[name]
            line += f" {b:9.3f} {b / before['python -c pass']:7.1f} {seconds / b:13.2f}"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
