"""Ingest throughput: the batched path against a naive one-transaction-per-row baseline.

Both are measured in the same run on the same machine, and the ratio is what counts
(machines here are shared and noisy). The baseline (one MERGE statement per row, each
in its own transaction) runs on a sample of rows and is reported as rows per second.
Measured paths: the first load of new incidents and a re-ingest of the same corpus (both
through the bulk path: Ladybug COPY FROM, Neo4j UNWIND CREATE; shared nodes merged;
a replaced incident is deleted first, in the same transaction).

    python bench/bench_ingest.py [--incidents 10000] [--baseline-rows 3000] [--engine both|ladybug|neo4j]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import fresh_ladybug, fresh_neo4j, neo4j_server, timed  # noqa: E402

from kb.demo import generate_corpus  # noqa: E402
from kb.graph import writer  # noqa: E402
from kb.graph.rows import GraphRows  # noqa: E402
from kb.knowledge_base import KnowledgeBase  # noqa: E402
from kb.model import EventPacket  # noqa: E402
from kb.model.schema import NODE_BY_LABEL, REL_BY_TYPE  # noqa: E402


def naive_rows_per_second(kbase: KnowledgeBase, rows: GraphRows, sample: int) -> tuple[float, int]:
    """One MERGE statement per row, each in its own transaction (a common first implementation)."""
    engine = kbase.engine
    statements = []
    for label, nodes in rows.nodes.items():
        cypher = writer.node_merge(engine, NODE_BY_LABEL[label])
        statements += [(cypher, {"rows": [r]}) for r in nodes]
    for (rtype, src, dst), rels in rows.rels.items():
        cypher = writer.rel_merge(engine, REL_BY_TYPE[rtype], src, dst)
        statements += [(cypher, {"rows": [r]}) for r in rels]
    # Nodes before relationships keeps MATCHes meaningful; sample across the whole range.
    step = max(1, len(statements) // sample)
    chosen = statements[::step][:sample]
    seconds, _ = timed(lambda: [engine.write([s]) for s in chosen])
    return len(chosen) / seconds, len(chosen)


Load = Callable[[KnowledgeBase], object]


def measure(
    name: str,
    make: Callable[[], KnowledgeBase],
    packets: list[EventPacket],
    baseline_rows: int,
    paths: dict[str, tuple[Load | None, Load]],
) -> None:
    """Each path: (setup, timed load) on a fresh database; then the naive baseline, then ratios."""
    total = writer.collect_rows(packets).count()
    results = {}
    for label, (setup, load) in paths.items():
        kbase = make()
        if setup:
            setup(kbase)
        seconds, _ = timed(lambda: load(kbase))  # noqa: B023 - called at once
        stored = int(kbase.stats()["count"].sum())
        kbase.close()
        results[label] = total / seconds
        print(
            f"{name:8} {label:34} {len(packets):>7} incidents {total:>9,} rows {seconds:8.1f} s "
            f"{total / seconds:>10,.0f} rows/s   ({stored:,} entities stored)"
        )
    kbase = make()
    rate, n = naive_rows_per_second(kbase, writer.collect_rows(packets), baseline_rows)
    kbase.close()
    print(f"{name:8} {'naive, 1 tx per row':34} {'':>7} (sample of {n:,} rows) {'':>12} {rate:>10,.0f} rows/s")
    for label, r in results.items():
        print(f"{name:8} ratio {label} / naive = {r / rate:,.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--baseline-rows", type=int, default=3000)
    parser.add_argument("--engine", choices=["both", "ladybug", "neo4j"], default="both")
    args = parser.parse_args()
    random.seed(0)
    seconds, corpus = timed(lambda: generate_corpus(n_incidents=args.incidents))
    print(f"generated {len(corpus.packets):,} incidents in {seconds:.1f} s")
    packets = corpus.packets

    def load(k: KnowledgeBase) -> object:
        return k.ingest_packets(packets, run_hooks=False)

    # The first load of new incidents, and a re-ingest of the same corpus (every packet
    # replaces itself: delete + bulk insert in one transaction per batch).
    paths: dict[str, tuple[Load | None, Load]] = {
        "load (new incidents)": (None, load),
        "re-ingest (replace)": (load, load),
    }
    if args.engine in ("both", "ladybug"):
        measure("ladybug", fresh_ladybug, packets, args.baseline_rows, paths)
    if args.engine in ("both", "neo4j"):
        with neo4j_server() as settings:
            if settings is not None:
                measure("neo4j", lambda: fresh_neo4j(settings), packets, args.baseline_rows, paths)


if __name__ == "__main__":
    main()
