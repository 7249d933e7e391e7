"""Cross-incident patterns at scale: `kb clusters` end to end, and the similar-incident query.

A synthetic corpus with ten factors per incident (10,000 incidents ~ 100,000 factor
instances: the demo generator writes about four, and rich packets that take minutes to
build at 100,000), five planted clusters, and planted near-duplicates (an earlier
incident's wording with a few words changed, same themes, barriers and services).

Measured on the embedded engine, in this run:
- `kb clusters --format json` as a subprocess (python start-up included), median of 3,
  at --small (10,000) and --large (100,000) incidents, and their ratio (target <= 15x;
  < 5 s at 10,000);
- the similarity index build, the similar-incident query p50 / p95 over sampled incidents
  (target p95 < 50 ms at 10,000) and recall@5 on the planted near-duplicates (>= 0.9);
- the after-ingest similarity check for the whole 10,000-incident bulk ingest (one index
  build, blocked top-k queries, RELATED_TO writes). The 100,000-incident load skips it
  (run_hooks=False): it is not part of what `kb clusters` reads.

    python bench/bench_patterns.py [--small 10000] [--large 100000] [--queries 300]
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import timed  # noqa: E402

import kb  # noqa: E402
from kb.analysis.similarity import SimilarityIndex, record_related  # noqa: E402
from kb.model import EventPacket  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FACTORS = 10
BACKGROUND_THEMES = 80
BARRIERS = 30
SERVICES = 40
CLUSTERS = 5
CLUSTER_RATE = 0.04  # per cluster
NEAR_DUP_RATE = 0.01
WORDS = [f"w{i}" for i in range(4000)]
START = datetime(2020, 1, 1, tzinfo=UTC)


def _statement(rng: random.Random, theme: str) -> str:
    return f"{theme.replace('-', ' ')} " + " ".join(rng.choices(WORDS, k=9))


def corpus(n: int, seed: int = 1) -> tuple[list[EventPacket], list[tuple[str, str]]]:
    rng = random.Random(seed)
    themes = [f"theme-{i}" for i in range(BACKGROUND_THEMES)]
    clusters = [
        ([f"cluster{c}-t{j}" for j in range(3)], [f"cluster{c}-b{j}" for j in range(2)]) for c in range(CLUSTERS)
    ]
    raw: list[dict[str, Any]] = []
    near: list[tuple[str, str]] = []
    minutes = int(5 * 365 * 24 * 60 / n) or 1
    for i in range(n):
        key = f"B-{i:06d}"
        started = START + timedelta(minutes=i * minutes)
        if i > 100 and rng.random() < NEAR_DUP_RATE:
            j = rng.randrange(0, i - 1)
            src = raw[j]
            d = _copy_with_changes(rng, src, key, started)
            raw.append(d)
            near.append((key, src["incident"]["id"]))
            continue
        chosen = rng.sample(themes, FACTORS)
        barriers = [
            {"barrier": f"barrier-{b}", "status": rng.choice(["failed", "held", "held", "missing"])}
            for b in rng.sample(range(BARRIERS), 2)
        ]
        for c_themes, c_barriers in clusters:
            if rng.random() < CLUSTER_RATE:
                chosen = c_themes + chosen[: FACTORS - len(c_themes)]
                barriers = [{"barrier": b, "status": "failed"} for b in c_barriers]
                break
        factors = [
            {"id": f"F{k}", "statement": _statement(rng, t), "category": "technical", "themes": [t]}
            for k, t in enumerate(chosen)
        ]
        services = rng.sample([f"svc-{s}" for s in range(SERVICES)], 2)
        raw.append(
            {
                "incident": {
                    "id": key,
                    "title": f"{services[0]} " + " ".join(rng.choices(WORDS, k=5)),
                    "severity": rng.randint(1, 4),
                    "services": services,
                    "teams": [f"team-{services[0]}"],
                    "started_at": started,
                    "summary": " ".join(rng.choices(WORDS, k=20)),
                    "tags": ["campaign"] if rng.random() < 0.1 else [],
                },
                "analyses": [
                    {
                        "id": "A1",
                        "method": "contribution_map",
                        "factors": factors,
                        "influences": [{"source": f["id"], "target": "impact"} for f in factors],
                        "barriers": barriers,
                        "findings": [
                            {
                                "id": "R1",
                                "statement": "Fix " + " ".join(rng.choices(WORDS, k=6)),
                                "status": "agreed",
                                "addresses": ["F0"],
                                "tags": ["bench"],
                            }
                        ],
                    }
                ],
            }
        )
    return [EventPacket.model_validate(d) for d in raw], near


def _copy_with_changes(rng: random.Random, src: dict[str, Any], key: str, started: datetime) -> dict[str, Any]:
    def tweak(text: str) -> str:
        words = text.split()
        for _ in range(2):
            words[rng.randrange(len(words))] = rng.choice(WORDS)
        return " ".join(words)

    inc = dict(
        src["incident"],
        id=key,
        started_at=started,
        title=tweak(src["incident"]["title"]),
        summary=tweak(src["incident"]["summary"]),
    )
    a = src["analyses"][0]
    factors = [dict(f, statement=tweak(f["statement"])) for f in a["factors"]]
    return {"incident": inc, "analyses": [dict(a, factors=factors)]}


def clusters_cli(db: Path, runs: int = 3) -> tuple[float, float]:
    """Median wall-clock and CPU (user + system) seconds of `kb clusters` as a subprocess. On a
    shared, loaded machine the CPU time is the steadier of the two; both are printed."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "kb", "clusters", "--db", str(db), "--format", "json"],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def load(n: int, hooks: bool) -> tuple[Path, list[tuple[str, str]], float, float, int]:
    db = Path(tempfile.mkdtemp(prefix="kb-bench-patterns-")) / "g.lbug"
    gen_s, (packets, near) = timed(lambda: corpus(n))
    factors = sum(len(a.factors) for p in packets for a in p.analyses)
    print(
        f"{n:>7} incidents, {factors} factor instances, {len(near)} planted near-duplicates "
        f"(generated in {gen_s:.1f} s)"
    )
    hook_s = 0.0
    with kb.connect(engine="ladybug", db=db) as kbase:
        ingest_s, _ = timed(lambda: kbase.ingest_packets(packets, run_hooks=False))
        if hooks:
            hook_s, edges = timed(lambda: record_related(kbase, [p.key for p in packets]))
            print(
                f"        after-ingest similarity check: {hook_s:.2f} s for {n} fresh incidents, "
                f"{edges} RELATED_TO edges ({1000 * hook_s / n:.2f} ms per incident)"
            )
    print(f"        bulk ingest {ingest_s:.1f} s")
    return db, near, ingest_s, hook_s, factors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", type=int, default=10_000)
    ap.add_argument("--large", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=300)
    args = ap.parse_args()

    db, near, _, _, _ = load(args.small, hooks=True)
    small_s, small_cpu = clusters_cli(db)
    print(f"kb clusters end to end at {args.small}: {small_s:.2f} s wall, {small_cpu:.2f} s CPU (target < 5 s)")

    with kb.connect(engine="ladybug", db=db) as kbase:
        build_s, index = timed(lambda: SimilarityIndex.build(kbase))
    rng = random.Random(3)
    sample = rng.sample(range(len(index)), min(args.queries, len(index)))
    lat = []
    for r in sample:
        start = time.perf_counter()
        index.similar(index.keys[r], 5)
        lat.append(time.perf_counter() - start)
    lat.sort()
    p50, p95 = lat[len(lat) // 2], lat[int(0.95 * (len(lat) - 1))]
    hits = sum(dup in set(index.similar(q, 5)["similar"]) for q, dup in near)
    recall = hits / len(near) if near else float("nan")
    print(
        f"similar at {args.small}: index build {build_s:.2f} s (once); query p50 {1000 * p50:.1f} ms, "
        f"p95 {1000 * p95:.1f} ms (target < 50 ms); recall@5 on {len(near)} near-duplicates {recall:.3f} "
        f"(target >= 0.9)"
    )

    if args.large:
        big_db, _, _, _, _ = load(args.large, hooks=False)
        large_s, large_cpu = clusters_cli(big_db)
        print(
            f"kb clusters end to end at {args.large}: {large_s:.2f} s wall, {large_cpu:.2f} s CPU; "
            f"ratio {args.large}/{args.small} = {large_s / small_s:.1f}x wall, {large_cpu / small_cpu:.1f}x CPU "
            f"(target <= 15x)"
        )


if __name__ == "__main__":
    main()
