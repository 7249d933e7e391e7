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


def test_neo4j_warm_up_ingests_and_unwinds_untimed_then_leaves_an_empty_graph(
    tmp_path: Path, neo4j_settings: object, monkeypatch: object
) -> None:
    """The bench warms a fresh server (its JIT) before timing: the warm-up's writes must reach the
    server and be gone before the first timed command, and its folder of links with them."""
    from types import SimpleNamespace

    from kb.demo import generate_corpus, write_corpus
    from kb.engines.neo4j_engine import Neo4jEngine

    bench = bench_scale()
    write_corpus(generate_corpus(n_incidents=6), tmp_path / "corpus")
    packets = tmp_path / "corpus" / "packets"
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setattr(bench, "WARM_UP_PACKETS", 4)  # type: ignore[attr-defined]
    env = {"NEO4J_URI": neo4j_settings.uri, "NEO4J_USERNAME": neo4j_settings.user}  # type: ignore[attr-defined]
    env |= {"NEO4J_PASSWORD": neo4j_settings.password, "NEO4J_DATABASE": neo4j_settings.database}  # type: ignore[attr-defined]
    opts = SimpleNamespace(neo4j=neo4j_settings, unwind_batches=[1000])
    bench.warm_neo4j(opts, packets, work, env)
    # The untimed ingest accepted the first four packets (NO_HOOKS_INGEST prints accepted, rejected, rows).
    printed = (work / "neo4j-warm-up.log").read_text().split()
    assert printed[:2] == ["4", "0"], printed
    assert [p.name for p in work.iterdir()] == ["neo4j-warm-up.log"]
    engine = Neo4jEngine(neo4j_settings)  # type: ignore[arg-type]
    try:
        assert engine.read("MATCH (n) RETURN count(n) AS n")["n"].tolist() == [0]
    finally:
        engine.close()
