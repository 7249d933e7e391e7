"""Same answers before and after: run the interactive commands with two source trees on one database
and compare their output byte for byte.

    python bench/compare_commands.py --base /tmp/main-checkout --db /tmp/kb3200 [--db ...]

The new tree (this checkout) runs each command twice: on a copy of the database whose similarity
index file was just saved (loaded from disk), and on a copy without it (built in memory).
Prints one line per command and database, and exits 1 when any output differs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent


def commands(db: Path, incident: str) -> dict[str, list[str]]:
    return {
        "stats": ["stats", "-f", "json"],
        "similar": ["similar", incident, "-f", "json"],
        "similar --any-time": ["similar", incident, "--any-time", "-k", "8", "-f", "json"],
        "hotspots": ["hotspots", "-f", "json"],
        "repeats": ["repeats", "-f", "json"],
        "clusters": ["clusters", "-f", "json"],
        "check --all": ["check", "--all", "-f", "json", "--now", "2027-01-01T00:00:00Z"],
        "metrics": ["metrics", "-f", "json", "--as-of", "2027-01-01T00:00:00Z"],
    }


def run(src: Path, args: list[str], db: Path) -> bytes:
    """`db` a folder: on the Neo4j server of NEO4J_URI, with a fresh copy of that folder as KB_CACHE_DIR."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    server = db.is_dir()
    if not server:
        env.pop("NEO4J_URI", None)
    with tempfile.TemporaryDirectory(prefix="kb-compare-cache-") as cache:
        if server:
            shutil.copytree(db, cache, dirs_exist_ok=True)
            env["KB_CACHE_DIR"] = cache
        out = subprocess.run(
            [sys.executable, "-m", "kb", *args, *([] if server else ["--db", str(db)])],
            env=env,
            cwd=tempfile.gettempdir(),  # python puts the cwd before PYTHONPATH: not this checkout
            capture_output=True,
            check=False,
        )
    return out.stdout + b"\n--stderr--\n" + out.stderr + f"\n--rc {out.returncode}".encode()


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.10g}")
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def normalised(output: bytes) -> bytes:
    """JSON output with floats at 10 significant digits: main's own clusters output differs from
    run to run in the last digits of a float (summation order), which is not a different answer."""
    stdout, sep, rest = output.partition(b"\n--stderr--\n")
    try:
        data = json.loads(stdout)
    except ValueError:
        return output
    return json.dumps(_rounded(data), sort_keys=True).encode() + sep + rest


_VOLATILE = (
    (re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), b"UUID"),  # plotly div ids
    (re.compile(rb"\d{4}-\d\d-\d\d \d\d:\d\d UTC"), b"NOW"),  # "Generated ... at"
    (re.compile(rb"(?<=from )[^\n]*?(?= \(read-only\))"), b"DB"),
    (re.compile(rb"\d+\.\d{11,}"), lambda m: f"{float(m.group(0)):.10g}".encode()),
)


def report_output(src: Path, db: Path, quarter: str, out: Path) -> bytes:
    """The report's README.md and page, with what changes from run to run (ids, the time, the path) masked."""
    run(src, ["report", "--quarter", quarter, "--out", str(out), "--no-static", "--quiet"], db)
    data = b"".join(p.read_bytes() for p in sorted(out.glob("*")) if p.suffix in (".md", ".html"))
    for rx, repl in _VOLATILE:
        data = rx.sub(repl, data)
    return data


def last_incident(src: Path, db: Path) -> str:
    where = "engine='neo4j'" if db.is_dir() else f"db={str(db)!r}"
    code = (
        "from kb.knowledge_base import connect\n"
        f"k = connect({where}, read_only=True)\n"
        "print(k.cypher('MATCH (i:Incident) RETURN i.key AS k ORDER BY i.started_at DESC, i.key LIMIT 1')['k'][0])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def with_index(src: Path, db: Path) -> None:
    """Save the similarity index and the other kept answers beside `db` (a writer's refresh)."""
    code = (
        "from kb.knowledge_base import connect\n"
        "from kb.analysis.similarity_store import load_index\n"
        f"k = connect(db={str(db)!r})\n"
        "k.write([('MATCH (i:Incident) WITH i LIMIT 1 SET i.title = i.title', {})])\n"  # gives it a generation id
        "load_index(k)\n"
        "from kb.analysis.hooks import DEFAULT_HOOKS\n"  # and what the other after-ingest hooks keep
        "for hook in DEFAULT_HOOKS:\n    hook(k, [])\n"
        "k.close()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(src)}
    subprocess.run([sys.executable, "-c", code], env=env, cwd=tempfile.gettempdir(), check=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True, help="source tree of the baseline (e.g. main)")
    ap.add_argument("--db", type=Path, action="append", default=[], help="embedded database (repeatable)")
    ap.add_argument(
        "--neo4j-cache",
        type=Path,
        help="compare on the Neo4j server of NEO4J_URI instead (its graph as it is): with nothing kept (cold) "
        "and with a fresh copy of this folder (what `kb ingest` kept in KB_CACHE_DIR) as KB_CACHE_DIR (warm)",
    )
    ap.add_argument("--only", action="append", help="command names to compare (default: all)")
    ap.add_argument("--report", metavar="QUARTER", help="also compare `kb report --quarter QUARTER --no-static`")
    args = ap.parse_args()
    args.base = args.base.resolve()
    failed = 0
    if not args.db and not args.neo4j_cache:
        ap.error("give --db or --neo4j-cache")
    for db in [args.neo4j_cache] if args.neo4j_cache else args.db:
        with tempfile.TemporaryDirectory(prefix="kb-compare-") as tmp:
            cold, warm = Path(tmp) / "cold", Path(tmp) / "warm"
            if args.neo4j_cache:
                cold.mkdir()
                shutil.copytree(db, warm)
            else:
                shutil.copyfile(db, cold)
                shutil.copyfile(db, warm)
                with_index(HERE, warm)
            incident = last_incident(HERE, cold)
            if args.report:
                base = report_output(args.base, cold, args.report, Path(tmp) / "out-base")
                new_cold = report_output(HERE, cold, args.report, Path(tmp) / "out-cold")
                new_warm = report_output(HERE, warm, args.report, Path(tmp) / "out-warm")
                same = base == new_cold == new_warm
                failed += not same
                print(f"{db.name:>10} {'report':<20} {'same' if same else 'DIFFERENT'} ({len(base)} bytes)", flush=True)
                if not same:
                    for tag, data in (("base", base), ("cold", new_cold), ("warm", new_warm)):
                        (Path(tempfile.gettempdir()) / f"compare-{db.name}-report.{tag}").write_bytes(data)
            for name, cmd in commands(db, incident).items():
                if args.only and name not in args.only:
                    continue
                base = normalised(run(args.base, cmd, cold))
                new_cold = normalised(run(HERE, cmd, cold))
                new_warm = normalised(run(HERE, cmd, warm))
                same = base == new_cold == new_warm
                failed += not same
                print(
                    f"{db.name:>10} {name:<20} {'same' if same else 'DIFFERENT'} ({len(base)} bytes)"
                    + ("" if same else f" cold={base == new_cold} warm={base == new_warm}"),
                    flush=True,
                )
                if not same:
                    for tag, data in (("base", base), ("cold", new_cold), ("warm", new_warm)):
                        (Path(tempfile.gettempdir()) / f"compare-{db.name}-{name.replace(' ', '_')}.{tag}").write_bytes(
                            data
                        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
