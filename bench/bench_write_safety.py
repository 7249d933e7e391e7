"""What crash-safe writes cost on the embedded engine: the 320-packet ingest (first load and
re-ingest) and a one-incident write into a database of 3,200 incidents, each the time the
user waits for (`KnowledgeBase.ingest_packets`, including the similar-incident hook).

Run it on two checkouts (before / after a change) on the same machine and compare; the
machine is shared and noisy, so each figure is the median of `--repeat` runs, given as
wall-clock seconds and as this process's CPU seconds (less sensitive to other load).

    python bench/bench_write_safety.py [--repeat 3] [--big 3200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import kb  # noqa: E402
from kb.demo import generate_corpus  # noqa: E402
from kb.graph import writer  # noqa: E402


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of fn()."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def _median(fn, repeat: int):  # type: ignore[no-untyped-def]
    runs = [fn() for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def show(label: str, result) -> None:  # type: ignore[no-untyped-def]
    print(f"ladybug  {label:38} {result[0]:7.2f} s wall {result[1]:7.2f} s CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--big", type=int, default=3200)
    args = parser.parse_args()
    small = generate_corpus(n_incidents=320, seed=7).packets
    big = generate_corpus(n_incidents=args.big, seed=11).packets

    def first_load():  # type: ignore[no-untyped-def]
        with kb.connect(engine="ladybug", db=Path(tempfile.mkdtemp(prefix="kb-bench-")) / "g.lbug") as k:
            return timed(lambda: k.ingest_packets(small))

    def reingest():  # type: ignore[no-untyped-def]
        with kb.connect(engine="ladybug", db=Path(tempfile.mkdtemp(prefix="kb-bench-")) / "g.lbug") as k:
            k.ingest_packets(small)
            return timed(lambda: k.ingest_packets(small))

    show("320 packets, first load", _median(first_load, args.repeat))
    show("320 packets, re-ingest", _median(reingest, args.repeat))
    path = Path(tempfile.mkdtemp(prefix="kb-bench-")) / "g.lbug"
    with kb.connect(engine="ladybug", db=path) as k:
        k.ingest_packets(big[:-1])
        size = path.stat().st_size / 1e6
        show(f"1 new packet into {args.big - 1} ({size:.0f} MB)", timed(lambda: k.ingest_packets(big[-1:])))
        show(
            f"1 packet replaced in {args.big}", _median(lambda: timed(lambda: k.ingest_packets(big[-1:])), args.repeat)
        )
        # The write alone, without the similar-incident check that ingest runs after it.
        show(
            "  the write alone (writer.write_packets)",
            _median(lambda: timed(lambda: writer.write_packets(k.engine, big[-1:])), args.repeat),
        )


if __name__ == "__main__":
    main()
