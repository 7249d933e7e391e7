"""What crash-safe writes cost on the embedded engine: the 320-packet ingest (first load and
re-ingest) and a one-incident write into a database of 3,200 incidents, each the time the
user waits for (`KnowledgeBase.ingest_packets`, including the similar-incident hook).

Run it on two checkouts (before / after a change) on the same machine and compare; the
machine is shared and noisy, so each figure is the median of `--repeat` runs.

    python bench/bench_write_safety.py [--repeat 3] [--big 3200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import timed  # noqa: E402

import kb  # noqa: E402
from kb.demo import generate_corpus  # noqa: E402


def _median(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    return statistics.median(fn() for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--big", type=int, default=3200)
    args = parser.parse_args()
    small = generate_corpus(n_incidents=320, seed=7).packets
    big = generate_corpus(n_incidents=args.big, seed=11).packets

    def first_load() -> float:
        with kb.connect(engine="ladybug", db=Path(tempfile.mkdtemp(prefix="kb-bench-")) / "g.lbug") as k:
            return timed(lambda: k.ingest_packets(small))[0]

    def reingest() -> float:
        with kb.connect(engine="ladybug", db=Path(tempfile.mkdtemp(prefix="kb-bench-")) / "g.lbug") as k:
            k.ingest_packets(small)
            return timed(lambda: k.ingest_packets(small))[0]

    print(f"ladybug  320 packets, first load   {_median(first_load, args.repeat):6.2f} s")
    print(f"ladybug  320 packets, re-ingest    {_median(reingest, args.repeat):6.2f} s")
    path = Path(tempfile.mkdtemp(prefix="kb-bench-")) / "g.lbug"
    with kb.connect(engine="ladybug", db=path) as k:
        k.ingest_packets(big[:-1])
        size = sum(p.stat().st_size for p in path.parent.iterdir()) / 1e6
        one_new = timed(lambda: k.ingest_packets(big[-1:]))[0]
        one_again = _median(lambda: timed(lambda: k.ingest_packets(big[-1:]))[0], args.repeat)
    print(f"ladybug  1 new packet into {args.big - 1} ({size:.0f} MB)   {one_new:6.2f} s")
    print(f"ladybug  1 packet replaced in {args.big}        {one_again:6.2f} s")


if __name__ == "__main__":
    main()
