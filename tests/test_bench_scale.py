"""bench/bench_scale.py: its small mode runs end to end, and README's benchmark block is its table.

No timings are asserted (the machine is shared): only that every command ran and answered,
that the bare COPY stored the same rows `kb ingest` writes, and that the tables parse."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def bench_scale() -> ModuleType:
    sys.path.insert(0, str(ROOT / "bench"))
    spec = importlib.util.spec_from_file_location("bench_scale", ROOT / "bench" / "bench_scale.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_scale"] = module
    spec.loader.exec_module(module)
    return module


def test_small_run_measures_every_command_and_the_copy_limit(tmp_path: Path) -> None:
    bench = bench_scale()
    md = tmp_path / "table.md"
    results = bench.main(
        ["--sizes", "50", "--big", "0", "--engine", "ladybug", "--work", str(tmp_path / "w"), "--markdown", str(md)]
    )
    measured = {r.what: r for r in results}
    expected = {"ingest", "ingest (no hooks)", *bench.commands("X", tmp_path), *bench.AFTER_A_WRITE}
    expected.add("limit: bare COPY FROM parquet")
    assert set(measured) == expected
    failed = [f"{r.what}: {r.note}" for r in results if not r.ok]
    assert not failed
    assert all(r.seconds > 0 and (r.peak_mb or 0) > 0 for r in results)
    # The limit loads exactly the rows the kb writer produces: every one of them stored.
    found = re.fullmatch(r"([\d,]+) rows, ([\d,]+) entities stored", measured["limit: bare COPY FROM parquet"].note)
    assert found, measured["limit: bare COPY FROM parquet"].note
    assert found[1] == found[2] and int(found[1].replace(",", "")) > 1000
    table = bench.parse_table(md.read_text())
    assert table[0] == ["engine", "what", "50"]
    assert {row[1] for row in table[1:]} == expected
    assert "ingest / COPY" in md.read_text()


def test_readme_benchmark_block_is_a_generated_table() -> None:
    bench = bench_scale()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.count(bench.README_START) == 1 and text.count(bench.README_END) == 1
    block = text.split(bench.README_START, 1)[1].split(bench.README_END, 1)[0]
    table = bench.parse_table(block)
    assert table[0][:2] == ["engine", "what"] and len(table[0]) >= 3
    whats = {row[1] for row in table[1:]}
    assert {"ingest", "ingest (no hooks)", "check --all", "limit: bare COPY FROM parquet"} <= whats
    for row in table[1:]:
        assert all(re.fullmatch(r"|failed|[\d,.]+ s(, [\d,]+ MB)?", cell) for cell in row[2:]), row


def test_a_commands_peak_memory_is_its_own_not_the_benchmarks(tmp_path: Path) -> None:
    """Linux carries ru_maxrss over fork and exec: read from os.wait4, a small command showed the
    memory the benchmark process held when it started it. The peak is the command's own."""
    import os

    bench = bench_scale()
    held = bytearray(200 * 2**20)  # the benchmark process holds 200 MB when it starts the commands
    held[::4096] = b"x" * len(held[::4096])  # touched, so resident
    env = dict(os.environ)
    sleep = "import time; time.sleep(0.3)"
    _, small, code = bench.run_child([sys.executable, "-c", sleep], env, tmp_path / "small.log")
    assert code == 0 and 0 < small < 100, small
    grow = f"x = bytearray(120 * 2**20); x[::4096] = b'x' * len(x[::4096]); {sleep}"
    _, large, code = bench.run_child([sys.executable, "-c", grow], env, tmp_path / "large.log")
    assert code == 0 and 120 <= large < 200, large
    del held
