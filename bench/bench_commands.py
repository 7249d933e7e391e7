"""Time the interactive commands on a database against a baseline source tree, in the same run.

    python bench/bench_commands.py --base /tmp/main-checkout --db /tmp/kb10k [--db ...] [--repeat 3]

Each command runs in a fresh process per tree (this checkout = new, --base = baseline) on a copy
of the database whose similarity index file a writer has just saved (what `kb ingest` and
`kb demo` leave behind). Two figures per run: `wall`, the whole process as a user waits for it,
`cmd`, the command alone after its modules are imported (start-up is issue #13's), and `cpu`, the
CPU seconds of that part (what a loaded machine disturbs least). Medians of --repeat runs; `ratio`
is new / base of the median cpu. The figures move with the machine's load:
read the ratios, measured side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

CHILD = r"""
import importlib, json, sys, time, resource
t0 = time.perf_counter()
for m in sys.argv[2].split(","):
    if m:
        try:
            importlib.import_module(m)
        except ImportError:
            pass
from kb.cli import app
t1 = time.perf_counter()
c1 = time.process_time()
rc = 0
try:
    app(json.loads(sys.argv[1]), standalone_mode=False)
except SystemExit as exc:
    rc = exc.code or 0
except BaseException as exc:  # a failed run is reported, not timed as fast
    rc = repr(exc)
t2 = time.perf_counter()
c2 = time.process_time()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
got = {"import": t1 - t0, "cmd": t2 - t1, "cpu": c2 - c1, "rc": rc, "peak_mb": peak}
print("BENCH " + json.dumps(got), file=sys.stderr)
"""

PREIMPORT = ",".join(
    [
        *("ladybug", "kb.engines.ladybug_engine", "pandas", "numpy", "scipy.sparse", "scipy.stats"),
        *("kb.analysis.similarity", "kb.analysis.clusters", "kb.analysis.metrics", "kb.lint"),
    ]
)


def commands(incident: str, out: Path, quarter: str) -> dict[str, list[str]]:
    return {
        "stats": ["stats", "-f", "json"],
        "similar": ["similar", incident, "-f", "json"],
        "hotspots": ["hotspots", "-f", "json"],
        "repeats": ["repeats", "-f", "json"],
        "clusters": ["clusters", "-f", "json"],
        "check --all": ["check", "--all", "-f", "json"],
        "metrics": ["metrics", "-f", "json"],
        "report": ["report", "--quarter", quarter, "--out", str(out), "--quiet"],
    }


def run(src: Path, args: list[str], db: Path | None, preimport: str = PREIMPORT) -> dict[str, float]:
    """`db` None: on the Neo4j server of NEO4J_URI, with a fresh copy of the cache folder NEO4J_CACHE
    names (what its ingest kept) as KB_CACHE_DIR."""
    env = {**os.environ, "PYTHONPATH": str(src), "COLUMNS": "200"}
    if db is not None:
        env.pop("NEO4J_URI", None)
    import time

    with tempfile.TemporaryDirectory(prefix="kb-bench-cache-") as cache:
        if db is None:
            shutil.copytree(os.environ["NEO4J_CACHE"], cache, dirs_exist_ok=True)
            env["KB_CACHE_DIR"] = cache
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, json.dumps([*args, *(["--db", str(db)] if db else [])]), preimport],
            env=env,
            cwd=tempfile.gettempdir(),  # python puts the cwd before PYTHONPATH: not this checkout
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - start
    line = [x for x in proc.stderr.splitlines() if x.startswith("BENCH ")]
    if not line:
        raise SystemExit(f"{args[0]} failed under {src}:\n{proc.stderr[-2000:]}")
    got = json.loads(line[-1][6:])
    if got["rc"] not in (0, None) and not (args[0] == "check" and got["rc"] == 1):  # 1: it found problems
        raise SystemExit(f"{args[0]} exited {got['rc']} under {src}:\n{proc.stderr[-2000:]}")
    return {"wall": wall, "cmd": got["cmd"], "cpu": got["cpu"], "peak_mb": got["peak_mb"]}


def prepare(db: Path, tmp: Path) -> tuple[Path, str, str]:
    """A copy of `db` with its similarity index saved; the latest incident and its quarter."""
    copy = tmp / db.name
    shutil.copyfile(db, copy)
    code = (
        "from kb.knowledge_base import connect\n"
        "from kb.analysis.similarity_store import load_index\n"
        f"k = connect(db={str(copy)!r})\n"
        "k.write([('MATCH (i:Incident) WITH i LIMIT 1 SET i.title = i.title', {})])\n"
        "load_index(k)\n"
        "from kb.analysis.hooks import DEFAULT_HOOKS\n"  # and what the other after-ingest hooks keep
        "for hook in DEFAULT_HOOKS:\n    hook(k, [])\n"
    )
    incident, quarter = _latest_incident(code)
    return copy, incident, quarter


def prepare_server() -> tuple[str, str]:
    """The latest incident on the Neo4j server of NEO4J_URI and its quarter (its graph is left as it is)."""
    return _latest_incident("from kb.knowledge_base import connect\nk = connect(engine='neo4j', read_only=True)\n")


def _latest_incident(connect: str) -> tuple[str, str]:
    """Run `connect` (code leaving a connection in `k`) in this tree; the latest incident and its quarter."""
    code = connect + (
        "r = k.cypher('MATCH (i:Incident) RETURN i.key AS k, i.started_at AS t '\n"
        "             'ORDER BY i.started_at DESC, i.key LIMIT 1')\n"
        "t = r['t'][0]\n"
        "print(r['k'][0], f'{t.year}Q{(t.month - 1) // 3 + 1}')\n"
        "k.close()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(HERE)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tempfile.gettempdir(), capture_output=True, text=True, check=True
    )
    incident, quarter = out.stdout.split()
    return incident, quarter


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True, help="source tree of the baseline (e.g. a main checkout)")
    ap.add_argument("--db", type=Path, action="append", default=[], help="embedded database (repeatable)")
    ap.add_argument(
        "--neo4j-cache",
        type=Path,
        help="time on the Neo4j server of NEO4J_URI instead (its graph as it is); each run gets a fresh copy "
        "of this folder (what `kb ingest` kept in KB_CACHE_DIR) as its KB_CACHE_DIR",
    )
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", action="append", help="command names to time (default: all)")
    ap.add_argument("--no-base", action="store_true", help="time this checkout only")
    ap.add_argument(
        "--with-imports",
        action="store_true",
        help="import nothing before the command: `cmd` and `cpu` then include the imports the command makes "
        "(what a user waits for; scipy.stats, say)",
    )
    args = ap.parse_args()
    args.base = args.base.resolve()
    head = ["base wall", "base cmd", "base cpu", "new wall", "new cmd", "new cpu"]
    print(f"{'db':>10} {'command':<12} " + " ".join(f"{h:>9}" for h in head) + f" {'ratio':>6} peak MB")
    if not args.db and not args.neo4j_cache:
        ap.error("give --db or --neo4j-cache")
    if args.neo4j_cache:
        os.environ["NEO4J_CACHE"] = str(args.neo4j_cache.resolve())
    targets: list[Path | None] = [None] if args.neo4j_cache else list(args.db)
    for db in targets:
        with tempfile.TemporaryDirectory(prefix="kb-bench-cmd-") as tmp_s:
            tmp = Path(tmp_s)
            copy: Path | None
            if db is None:
                copy, (incident, quarter) = None, prepare_server()
            else:
                copy, incident, quarter = prepare(db, tmp)
            for name, cmd in commands(incident, tmp / "report", quarter).items():
                if args.only and name not in args.only:
                    continue
                runs: dict[str, list[dict[str, float]]] = {"base": [], "new": []}
                for _ in range(args.repeat):  # interleaved: both trees see the same load
                    pre = "" if args.with_imports else PREIMPORT
                    if not args.no_base:
                        runs["base"].append(run(args.base, cmd, copy, pre))
                    runs["new"].append(run(HERE, cmd, copy, pre))

                def med(tree: str, key: str, runs: dict[str, list[dict[str, float]]] = runs) -> float:
                    return statistics.median(r[key] for r in runs[tree]) if runs[tree] else float("nan")

                ratio = med("new", "cpu") / med("base", "cpu") if runs["base"] else float("nan")
                print(
                    f"{db.name if db else 'neo4j':>10} {name:<12} {med('base', 'wall'):9.2f} {med('base', 'cmd'):9.2f} "
                    f"{med('base', 'cpu'):9.2f} {med('new', 'wall'):9.2f} {med('new', 'cmd'):9.2f} "
                    f"{med('new', 'cpu'):9.2f} {ratio:6.2f} "
                    f"{med('base', 'peak_mb'):.0f}/{med('new', 'peak_mb'):.0f}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
