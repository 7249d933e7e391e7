"""`kb repeats`, `kb hotspots` and `kb clusters` keep what they print beside the embedded database (kb.cli.kept_output):
asked again about the same content, they print the same bytes without loading pandas or the engine;
after a write they compute again; `kb ingest` keeps the answers of the commands without options."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import kb
from kb.demo import generate_corpus
from kb.packets import write_packet
from kb.quickstart import load_demo
from tests.cli_probe import run_kb

VARIANTS = [
    ["repeats"],
    ["repeats", "--limit", "3"],
    ["repeats", "--all-earlier", "--format", "csv"],
    ["repeats", "--follow-ups"],
    ["repeats", "--format", "json"],
    ["hotspots"],
    ["hotspots", "--format", "json"],
    ["hotspots", "--by", "service", "--limit", "3", "--format", "csv"],
    ["hotspots", "--weight", "cost"],
    ["clusters"],
    ["clusters", "--format", "json"],
    ["clusters", "--format", "csv"],
    ["clusters", "--limit", "2", "--weight", "cost"],
]


def _kb(*args: str) -> tuple[str, str, list[str]]:
    """(stdout, stderr without the probe line, heavy modules loaded) of one `kb` process."""
    out, err, loaded, code = run_kb(*args, watch=("pandas", "ladybug"))
    assert code == 0, err[-2000:]
    return out, err, loaded


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    db = tmp_path / "graph.lbug"
    with kb.connect(engine="ladybug", db=db) as kbase:
        load_demo(kbase, incidents=60, seed=7)
    return db


def _kept_files(db: Path) -> list[Path]:
    return sorted(db.parent.glob(db.name + ".output-*"))


def test_asked_again_the_same_bytes_without_pandas_or_the_engine(demo_db: Path) -> None:
    computed = 0
    # `repeats --limit 3` and `repeats --format json` print from the rows `repeats` kept: all formats
    # and limits of one option set share them. Hotspots' and clusters' tables are views of their own,
    # their JSON and CSV share rows.
    for args in VARIANTS:
        first = _kb(*args, "--db", str(demo_db))
        computed += "pandas" in first[2]
        again = _kb(*args, "--db", str(demo_db))
        assert first[0].strip() and again[:2] == first[:2], f"{args}: the kept answer printed otherwise"
        assert again[2] == [], f"{args}: asked again, it loaded {again[2]}"
    assert computed == len(VARIANTS) - 3


def test_a_write_makes_them_compute_again_and_a_damaged_file_is_ignored(demo_db: Path, tmp_path: Path) -> None:
    before = _kb("repeats", "--format", "json", "--db", str(demo_db))
    # A later incident that repeats an earlier one's text: the answer changes with the write.
    packet = generate_corpus(n_incidents=61, seed=7).packets[-1]
    write_packet(packet, tmp_path / "new.yaml")
    _kb("ingest", str(tmp_path / "new.yaml"), "--db", str(demo_db))
    after = _kb("repeats", "--format", "json", "--db", str(demo_db))
    fresh_copy = tmp_path / "fresh" / "graph.lbug"  # the same content, nothing kept beside it
    fresh_copy.parent.mkdir()
    shutil.copyfile(demo_db, fresh_copy)
    assert after[0] == _kb("repeats", "--format", "json", "--db", str(fresh_copy))[0]
    assert after[0] != before[0], "the new incident changed no repeat: the test shows nothing"
    for kept in _kept_files(demo_db):
        kept.write_text('{"format": "kb-output-1", "snapshot"', encoding="utf-8")  # cut short
    assert _kb("repeats", "--format", "json", "--db", str(demo_db))[0] == after[0]


def test_kb_ingest_keeps_the_answers_of_the_commands_without_options(tmp_path: Path) -> None:
    folder = tmp_path / "packets"
    for packet in generate_corpus(n_incidents=40, seed=3).packets:
        write_packet(packet, folder / f"{packet.key}.yaml")
    db = tmp_path / "graph.lbug"
    _kb("ingest", str(folder), "--db", str(db))
    kept = _kept_files(db)
    assert len(kept) == 4  # repeats, hotspots, clusters' table and its JSON and CSV rows
    for args in (["repeats"], ["hotspots"], ["clusters"], ["clusters", "--format", "json"]):
        out, _, loaded = _kb(*args, "--db", str(db))
        assert loaded == [] and out.strip(), f"kb {args} after kb ingest: loaded {loaded}"
    assert _kept_files(db) == kept  # nothing computed, so nothing new kept
