"""Start-up time of the CLI: `kb --help`, `kb stats`, `import kb`, against `python -c pass` in the same run.

    python bench/bench_startup.py [--runs 7] [--before REV] [--stats-db PATH ...] [--demo N]

Each command runs --runs times in a fresh interpreter; the median wall time is printed with its
ratio to `python -c pass` measured alongside (so a loaded machine shows in the baseline too).
With --before REV the same commands also run on that revision of the code (extracted with
`git archive` into a temporary directory), and the after/before ratio is printed.

`kb stats` runs on an empty database, on a demo of --demo incidents (default 320, made here;
0 skips it) and on each --stats-db given (e.g. one made by `kb demo --incidents 10000 --db PATH`).
Every run also reports which heavy modules the command loaded (pandas, pydantic, numpy, ...).
Bytecode is cached (each command runs once unmeasured), as for an installed package.
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


HEAVY = ("pandas", "numpy", "pydantic", "yaml", "scipy", "plotly", "networkx", "ladybug")

# Runs the CLI like `python -m kb ARGS` and prints, at exit, which of HEAVY it loaded.
_LOADED = (
    "import atexit, runpy, sys\n"
    "atexit.register(lambda: sys.stderr.write('loaded: ' + ' '.join(m for m in {heavy!r} if m in sys.modules)))\n"
    "sys.argv = ['kb', *sys.argv[1:]]\n"
    "runpy.run_module('kb', run_name='__main__')\n"
)


def _commands(dbs: dict[str, Path]) -> dict[str, list[str]]:
    py = sys.executable
    commands = {
        "python -c pass": [py, "-c", "pass"],
        "import kb": [py, "-c", "import kb"],
        "import kb.cli": [py, "-c", "import kb.cli"],
        "kb --help": [py, "-m", "kb", "--help"],
    }
    for label, db in dbs.items():
        commands[f"kb stats ({label})"] = [py, "-m", "kb", "stats", "--db", str(db)]
    return commands


def loaded_modules(code: Path, args: list[str]) -> list[str]:
    """Which of HEAVY `kb ARGS` loads."""
    env = _env(code)
    run = subprocess.run(
        [sys.executable, "-c", _LOADED.format(heavy=HEAVY), *args],
        env=env,
        cwd=code,
        capture_output=True,
        text=True,
        check=False,
    )
    last = run.stderr.strip().splitlines()[-1] if run.stderr.strip() else ""
    return last.removeprefix("loaded:").split() if last.startswith("loaded:") else ["?"]


def _env(code: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(code)}
    env.pop("NEO4J_URI", None)
    # Bytecode cached, as for an installed package (pip compiles it) or any second run: with
    # PYTHONDONTWRITEBYTECODE set, every kb module would be compiled from source each time.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def measure(codes: list[Path], dbs: dict[str, Path], runs: int) -> list[dict[str, tuple[float, float]]]:
    """Median (wall, CPU) seconds per command for each code tree, after one unmeasured run of each
    (it writes the bytecode). Commands and trees are interleaved run by run, so a burst of load on
    this shared machine hits all of them alike."""
    envs = [_env(code) for code in codes]
    for env in envs:
        for cmd in _commands(dbs).values():
            _time(cmd, env)
    results: list[dict[str, list[tuple[float, float]]]] = [{name: [] for name in _commands(dbs)} for _ in codes]
    for _ in range(runs):
        for name, cmd in _commands(dbs).items():
            for env, found in zip(envs, results, strict=True):
                found[name].append(_time(cmd, env))
    return [
        {
            name: (statistics.median(w for w, _ in values), statistics.median(c for _, c in values))
            for name, values in found.items()
        }
        for found in results
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--before", help="a git revision to compare with (e.g. main, or a commit)")
    parser.add_argument(
        "--stats-db", type=Path, action="append", default=[], help="also time `kb stats` on this database"
    )
    parser.add_argument("--demo", type=int, default=320, help="incidents of the demo database made here (0: none)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-bench-startup-") as tmp:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("NEO4J_URI", None)
        dbs = {"empty": Path(tmp) / "empty.lbug"}
        subprocess.run(
            [sys.executable, "-m", "kb", "init", "--db", str(dbs["empty"])],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        if args.demo:
            dbs[f"{args.demo} incidents"] = Path(tmp) / "demo.lbug"
            demo = ["demo", "--incidents", str(args.demo), "--out", str(Path(tmp) / "demo"), "--quiet"]
            subprocess.run(
                [sys.executable, "-m", "kb", *demo, "--db", str(dbs[f"{args.demo} incidents"])],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        for db in args.stats_db:
            dbs[db.name] = db
        loaded = {name: loaded_modules(ROOT, cmd[3:]) for name, cmd in _commands(dbs).items() if name.startswith("kb ")}
        before: dict[str, tuple[float, float]] | None = None
        if args.before:
            old = Path(tmp) / "before"
            old.mkdir()
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", args.before], check=True, capture_output=True
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
            after, before = measure([ROOT, old], dbs, args.runs)
            loaded_before = {
                name: loaded_modules(old, cmd[3:]) for name, cmd in _commands(dbs).items() if name.startswith("kb ")
            }
        else:
            [after] = measure([ROOT], dbs, args.runs)
    base_wall, base_cpu = after["python -c pass"]
    print(f"median of {args.runs} runs; baseline `python -c pass` {base_wall:.3f} s wall, {base_cpu:.3f} s CPU")
    width = max(map(len, after))
    header = f"{'command':<{width}} {'wall s':>7} {'CPU s':>6} {'wall x pass':>11}"
    if before:
        header += f" | {'before wall':>11} {'CPU s':>6} {'wall x pass':>11} | {'after/before wall':>17} {'CPU':>5}"
    print(header)
    for name, (wall, cpu) in after.items():
        line = f"{name:<{width}} {wall:7.3f} {cpu:6.3f} {wall / base_wall:11.1f}"
        if before:
            b_wall, b_cpu = before[name]
            line += (
                f" | {b_wall:11.3f} {b_cpu:6.3f} {b_wall / before['python -c pass'][0]:11.1f}"
                f" | {wall / b_wall:17.2f} {cpu / b_cpu:5.2f}"
            )
        print(line)
    print("heavy modules loaded:")
    for name, modules in loaded.items():
        line = f"  {name:<{width}} {' '.join(modules) or '-'}"
        if before:
            line += f"  (before: {' '.join(loaded_before[name]) or '-'})"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
