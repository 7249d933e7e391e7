"""Parsing packet files: `load_yaml` (the block-YAML fast path, declining to PyYAML) against
`load_yaml_with_pyyaml` (libyaml and PyYAML's nodes, what it ran before), same files, same run,
CPU seconds. Also counts the files the fast path declines and checks the values are identical.

    python bench/bench_block_yaml.py [--packets DIR] [--incidents 320] [--rounds 3]
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kb.demo import generate_corpus, write_corpus
from kb.model.block_yaml import DECLINE, load_block_yaml
from kb.model.documents import load_yaml, load_yaml_with_pyyaml


def cpu_per_file(load: Callable[[str], Any], texts: list[str]) -> float:
    gc.collect()
    start = time.process_time()
    for text in texts:
        load(text)
    return (time.process_time() - start) / len(texts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--packets", type=Path, help="a folder of packet files (default: a fresh demo corpus)")
    parser.add_argument("--incidents", type=int, default=320, help="demo corpus size without --packets")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.packets
        if folder is None:
            folder = Path(tmp)
            write_corpus(generate_corpus(args.incidents), folder)
        files = sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml"))
        texts = [p.read_text(encoding="utf-8-sig") for p in files]
    declined = sum(load_block_yaml(t) is DECLINE for t in texts)
    differ = sum(repr(load_yaml(t)) != repr(load_yaml_with_pyyaml(t)) for t in texts)  # types too: True, 1, 1.0
    print(f"{len(texts)} files; the fast path declines {declined}; values differing from PyYAML's (repr): {differ}")
    for r in range(1, args.rounds + 1):
        before = cpu_per_file(load_yaml_with_pyyaml, texts)
        now = cpu_per_file(load_yaml, texts)
        print(f"round {r}: PyYAML {before * 1000:.3f} ms a file, load_yaml {now * 1000:.3f} ms ({now / before:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
