"""Reading packet files: `read_packet` (libyaml's CSafeLoader, unique keys, limits) against the
pure-Python `yaml.safe_load` it replaced, same files, same run; and `kb ingest` of the files
into a fresh Ladybug database, the part reading takes of it.

    python bench/bench_packet_read.py [--incidents 320] [--rounds 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import fresh_ladybug  # noqa: E402

from kb.demo import generate_corpus, write_corpus  # noqa: E402
from kb.model import EventPacket  # noqa: E402
from kb.packets import packet_files, read_packet  # noqa: E402


def cpu(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall and CPU seconds: on a shared machine the CPU time is the steadier figure."""
    wall, cpu0 = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu0, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--incidents", type=int, default=320)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = write_corpus(generate_corpus(n_incidents=args.incidents, seed=7), tempfile.mkdtemp()) / "packets"
    files = list(packet_files([folder]))

    def before() -> list[EventPacket]:
        return [EventPacket.model_validate(yaml.safe_load(f.read_text(encoding="utf-8"))) for f in files]

    def after() -> list[EventPacket]:
        return [read_packet(f) for f in files]

    w_before, t_before, _ = min((cpu(before) for _ in range(args.rounds)), key=lambda r: r[1])
    w_after, t_after, packets = min((cpu(after) for _ in range(args.rounds)), key=lambda r: r[1])
    assert packets == before(), "the two readers disagree"
    print(f"{len(files)} packet files, best of {args.rounds} (CPU seconds; wall in brackets):")
    print(
        f"  yaml.safe_load + validate  {t_before:7.2f} s  {1000 * t_before / len(files):6.2f} ms/file  "
        f"[{w_before:.2f} s]"
    )
    print(
        f"  read_packet (CSafeLoader)  {t_after:7.2f} s  {1000 * t_after / len(files):6.2f} ms/file  "
        f"[{w_after:.2f} s]  {t_before / t_after:.1f}x faster"
    )
    kbase = fresh_ladybug()
    w_ingest, t_ingest, report = cpu(lambda: kbase.ingest_paths([folder]))
    kbase.close()
    assert not report.rejected
    print(
        f"  kb ingest into Ladybug     {t_ingest:7.2f} s  [{w_ingest:.2f} s]  (reading is "
        f"{100 * t_after / t_ingest:.0f}% of it; with safe_load it would be ~{t_ingest - t_after + t_before:.2f} s)"
    )


if __name__ == "__main__":
    main()
