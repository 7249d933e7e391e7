"""Review lint over a whole corpus: `lint_graph` (one query per packet part for all incidents)
against a per-incident baseline (read and lint each incident on its own), same run, same graph.

    python bench/bench_lint.py [--incidents 320] [--engine ladybug|neo4j|both]
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import fresh_ladybug, fresh_neo4j, neo4j_server, timed  # noqa: E402

from kb.demo import generate_corpus  # noqa: E402
from kb.knowledge_base import KnowledgeBase  # noqa: E402
from kb.lint import lint_graph  # noqa: E402

NOW = datetime(2026, 10, 1, tzinfo=UTC)


def measure(name: str, kbase: KnowledgeBase, n: int) -> None:
    corpus = generate_corpus(n_incidents=n, seed=7)
    kbase.ingest_packets(corpus.packets)
    keys = [p.key for p in corpus.packets]
    sample = keys[:: max(1, len(keys) // 40)]  # the baseline on a sample, reported per incident
    t_all, report = timed(lambda: lint_graph(kbase, now=NOW))
    t_one, _ = timed(lambda: [lint_graph(kbase, [k], now=NOW) for k in sample])
    per_all, per_one = t_all / len(keys), t_one / len(sample)
    print(
        f"{name}: {len(keys)} incidents, {len(report.findings)} findings; lint --all {t_all:.2f} s "
        f"({per_all * 1000:.1f} ms/incident); one at a time {per_one * 1000:.1f} ms/incident; "
        f"ratio {per_one / per_all:.1f}x"
    )
    print(f"{name}: per rule {report.counts()}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--incidents", type=int, default=320)
    ap.add_argument("--engine", choices=["ladybug", "neo4j", "both"], default="ladybug")
    args = ap.parse_args()
    if args.engine in ("ladybug", "both"):
        with fresh_ladybug() as kbase:
            measure("ladybug", kbase, args.incidents)
    if args.engine in ("neo4j", "both"):
        with neo4j_server() as settings:
            if settings is not None:
                with fresh_neo4j(settings) as kbase:
                    measure("neo4j", kbase, args.incidents)


if __name__ == "__main__":
    main()
