"""The demo's cross-incident figures, to print beside bench/real_eval.py's real-corpus figures.

On the deterministic demo corpus (320 incidents, seed 7) loaded into a fresh Ladybug
database: planted clusters found (precision / recall, and of evidence incidents),
`kb similar` recall@5 on the planted near-duplicates, `kb repeats` against the planted
repeats, and whether the stored RELATED_TO edges depend on load order (one load, against
the same packets loaded in 8 shuffled batches into a fresh database).

    python bench/real_eval_demo.py [--incidents 320] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import kb  # noqa: E402
from kb.analysis.clusters import find_clusters, score_clusters  # noqa: E402
from kb.analysis.repeats import find_repeats  # noqa: E402
from kb.analysis.similarity import SimilarityIndex, stored_related  # noqa: E402
from kb.demo import generate_corpus  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--incidents", type=int, default=320)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    corpus = generate_corpus(n_incidents=args.incidents, seed=args.seed)
    truth = corpus.truth
    with tempfile.TemporaryDirectory(prefix="kb-demo-eval-") as tmp, kb.connect(db=Path(tmp) / "db") as kbase:
        kbase.ingest_packets(corpus.packets)
        result = find_clusters(kbase)
        scored = score_clusters(result, truth.clusters)
        print(f"demo: {len(corpus.packets)} incidents, seed {args.seed}")
        print(
            f"clusters: {len(result.clusters)} found; planted precision {scored.precision:.2f} "
            f"recall {scored.recall:.2f}; evidence incidents precision {scored.incident_precision:.2f} "
            f"recall {scored.incident_recall:.2f}"
        )
        index = SimilarityIndex.build(kbase)
        near = truth.near_duplicates
        hits = sum(nd.duplicate_of in set(index.similar(nd.incident, 5)["similar"]) for nd in near)
        print(f"similar recall@5 on {len(near)} planted near-duplicates: {hits / len(near):.3f}")
        rep = find_repeats(kbase)
        planted = {(r.incident, r.earlier) for r in truth.repeats}
        flagged = set(rep["incident"])
        right = flagged & {i for i, _ in planted}
        print(
            f"repeats: {len(flagged)} flagged, {len(planted)} planted; precision "
            f"{len(right) / len(flagged) if flagged else float('nan'):.3f} "
            f"recall {len(right) / len(planted) if planted else float('nan'):.3f}"
        )
        first = stored_related(kbase)
    # The same packets loaded in 8 batches in a shuffled order, into a fresh database.
    shuffled = list(corpus.packets)
    random.Random(1).shuffle(shuffled)
    with tempfile.TemporaryDirectory(prefix="kb-demo-eval-") as tmp, kb.connect(db=Path(tmp) / "db") as kbase:
        size = -(-len(shuffled) // 8)
        for i in range(0, len(shuffled), size):
            kbase.ingest_packets(shuffled[i : i + size])
        again = stored_related(kbase)
    a = set(zip(first["incident"], first["related"], strict=True))
    b = set(zip(again["incident"], again["related"], strict=True))
    print(
        f"RELATED_TO: {len(first)} after one load, {len(again)} after 8 shuffled batches "
        f"({len(a & b)} in both, {len(a ^ b)} in one only)"
    )


if __name__ == "__main__":
    main()
