"""Reading packet files: `read_packet` (libyaml's CSafeLoader, unique keys, limits) against the
pure-Python `yaml.safe_load` it replaced, same files, same run; and `kb ingest` of the files
into a fresh Ladybug database, the part reading takes of it.

    python bench/bench_packet_read.py [--incidents 320] [--rounds 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import fresh_ladybug, timed  # noqa: E402

from kb.demo import generate_corpus, write_corpus  # noqa: E402
from kb.model import EventPacket  # noqa: E402
from kb.packets import packet_files, read_packet  # noqa: E402


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

    t_before = min(timed(before)[0] for _ in range(args.rounds))
    t_after, packets = min((timed(after) for _ in range(args.rounds)), key=lambda r: r[0])
    assert packets == before(), "the two readers disagree"
    print(f"{len(files)} packet files, best of {args.rounds}:")
    print(f"  yaml.safe_load + validate  {t_before:7.2f} s  {1000 * t_before / len(files):6.2f} ms/file")
    print(f"  read_packet (CSafeLoader)  {t_after:7.2f} s  {1000 * t_after / len(files):6.2f} ms/file  "
          f"{t_before / t_after:.1f}x faster")
    kbase = fresh_ladybug()
    t_ingest, report = timed(lambda: kbase.ingest_paths([folder]))
    kbase.close()
    assert not report.rejected
    print(f"  kb ingest into Ladybug     {t_ingest:7.2f} s  (reading is {100 * t_after / t_ingest:.0f}% of it; "
          f"with safe_load it would be ~{t_ingest - t_after + t_before:.2f} s)")


if __name__ == "__main__":
    main()
