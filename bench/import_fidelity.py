"""How faithfully the importer reads real post-mortems: per document and in total, against
the hand-counted expectations in tests/fidelity/expected.yaml.

    PYTHONPATH=. python bench/import_fidelity.py [--data ../shared/data] [--shapes]

Prints documents imported, the share of timeline events, factors, findings, work items and
participants captured, and the documents whose stated anchors (started / detected /
mitigated) the import agrees with. Floors (issue 11): every document imported, >= 95% of
events, factors and findings, anchors right in >= 95% of documents.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fidelity.compare import COUNTS, DATA, SHAPES, DocResult, load, measure, share  # noqa: E402


def _row(r: DocResult) -> str:
    counts = " ".join(f"{r.got.get(c, 0):>3}/{r.expected[c]:<3}" for c in COUNTS)
    bad = [
        f"{k} {'-' if g is None else g:%Y-%m-%d %H:%M} != {'-' if e is None else e:%Y-%m-%d %H:%M}"
        if g is not None and e is not None
        else f"{k} {g} != {e}"
        for k, (e, g) in r.anchors.items()
        if e != g
    ]
    anchors = "ok" if r.anchors_right else ("; ".join(bad) if r.imported else r.reason or r.status)
    return f"{Path(r.file).name[:58]:<58} {r.status:<9} {counts}  {anchors}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=DATA, help="folder holding postmortems-dfds and incident-reports-2i2c"
    )
    parser.add_argument("--shapes", action="store_true", help="also measure the shape fixtures")
    args = parser.parse_args()
    docs = load()
    start = time.perf_counter()
    results = measure(docs, args.data)
    if args.shapes:
        results += measure(load(SHAPES / "expected.yaml"), SHAPES)
    elapsed = time.perf_counter() - start
    print(f"{'document':<58} {'status':<9} " + " ".join(f"{c[:7]:>7}" for c in COUNTS) + "  anchors")
    for r in results:
        print(_row(r))
    n = len(results)
    imported = sum(r.imported for r in results)
    print(f"\ndocuments imported: {imported}/{n} ({imported / n:.0%})")
    for c in COUNTS:
        got, want = share(results, c)
        print(f"{c + ' captured:':<24} {got}/{want} ({got / want:.1%})" if want else f"{c}: none expected")
    right = sum(r.anchors_right for r in results)
    print(f"anchors right: {right}/{n} documents ({right / n:.1%})")
    print(f"import time: {elapsed:.2f} s for {n} documents")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
