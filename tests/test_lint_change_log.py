"""`kb check --all` after an ingest reads back only the packets the change log (kb.graph.change_log)
says the ingest wrote; a write the log does not name, or a damaged log, makes it read everything,
and each way it gives what a lint computed from scratch gives."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import kb
from kb.graph import change_log
from kb.graph.reader import read_packets
from kb.knowledge_base import KnowledgeBase
from kb.lint import LintReport, lint_graph
from kb.lint import runner as lint_runner
from kb.quickstart import load_demo

DAY = datetime(2026, 10, 1, tzinfo=UTC)
BLAME = "The on-call engineer was careless and should have known better."


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    db = tmp_path / "graph.lbug"
    with kb.connect(engine="ladybug", db=db) as kbase:
        load_demo(kbase, incidents=12, seed=7)
    return db


@pytest.fixture
def demo_kb(demo_db: Path) -> Iterator[KnowledgeBase]:
    with kb.connect(engine="ladybug", db=demo_db) as kbase:
        yield kbase


def _plain(report: LintReport) -> tuple[list[str], list[dict[str, Any]]]:
    return report.incidents, [f.as_dict() for f in report.findings]


def _computed(kbase: KnowledgeBase) -> tuple[list[str], list[dict[str, Any]]]:
    """The lint of every incident named one by one: a run that keeps and reuses nothing."""
    keys = [str(r["incident"]) for r in kbase.query_rows("incidents")]
    return _plain(lint_graph(kbase, keys, None, DAY))


def _own_reads(monkeypatch: pytest.MonkeyPatch) -> list[Sequence[str] | None]:
    """The keys each read of the incidents' own parts asks for from now on (None: every incident)."""
    asked: list[Sequence[str] | None] = []
    real = lint_runner.read_parts

    def record(kbase: Any, keys: Sequence[str] | None, names: Any) -> Any:
        names = list(names)
        if "timeline" in names:
            asked.append(None if keys is None else list(keys))
        return real(kbase, keys, names)

    monkeypatch.setattr(lint_runner, "read_parts", record)
    return asked


def _blamed(kbase: KnowledgeBase, key: str) -> Any:
    packet = next(p for p in read_packets(kbase, [key]))
    packet.incident.summary = f"{packet.incident.summary or ''} {BLAME}".strip()
    return packet


def _blame_found(report: LintReport, key: str) -> bool:
    return any(f.incident == key and f.rule == "blame-language" for f in report.findings)


def test_after_an_ingest_only_the_packets_it_wrote_are_read(
    demo_db: Path, demo_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = lint_graph(demo_kb, None, None, DAY)
    target = next(k for k in first.incidents if not _blame_found(first, k))
    demo_kb.ingest_packets([_blamed(demo_kb, target)])
    asked = _own_reads(monkeypatch)
    after = lint_graph(demo_kb, None, None, DAY)
    monkeypatch.undo()
    assert asked == [[target]]
    assert _blame_found(after, target)
    assert _plain(after) == _computed(demo_kb)


def test_a_write_the_log_does_not_name_makes_it_read_everything(
    demo_db: Path, demo_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log names the ingest's packet; a later write (no ingest) changes another's text. Trusting
    the log past the write it does not name would keep that incident's stale lint."""
    first = lint_graph(demo_kb, None, None, DAY)
    clean = [k for k in first.incidents if not _blame_found(first, k)]
    target, other = clean[0], clean[1]
    demo_kb.ingest_packets([_blamed(demo_kb, target)])
    demo_kb.write([("MATCH (i:Incident) WHERE i.key = $k SET i.summary = $s", {"k": other, "s": BLAME})])
    asked = _own_reads(monkeypatch)
    after = lint_graph(demo_kb, None, None, DAY)
    monkeypatch.undo()
    assert asked == [None]
    assert _blame_found(after, target) and _blame_found(after, other)
    assert _plain(after) == _computed(demo_kb)


def test_a_damaged_log_or_one_of_other_content_makes_it_read_everything(
    demo_db: Path, demo_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = lint_graph(demo_kb, None, None, DAY)
    clean = [k for k in first.incidents if not _blame_found(first, k)]
    log = demo_db.with_name(f"{demo_db.name}.{change_log.FILE}")
    demo_kb.ingest_packets([_blamed(demo_kb, clean[0])])
    assert log.exists()
    log.write_text(log.read_text(encoding="utf-8")[:-7], encoding="utf-8")  # cut short
    asked = _own_reads(monkeypatch)
    after = lint_graph(demo_kb, None, None, DAY)
    assert asked == [None]
    assert _plain(after) == _computed(demo_kb)
    # A log naming other content (another database's, say) is no chain from the kept results.
    demo_kb.ingest_packets([_blamed(demo_kb, clean[1])])
    snapshot = demo_kb.snapshot()
    assert snapshot is not None
    log.unlink()
    change_log.record(log, "another-content", snapshot, [clean[2]])
    asked.clear()
    after = lint_graph(demo_kb, None, None, DAY)
    monkeypatch.undo()
    assert asked == [None]
    assert _blame_found(after, clean[1])
    assert _plain(after) == _computed(demo_kb)


def test_the_log_follows_a_chain_of_ingests_and_stops_at_a_gap(tmp_path: Path) -> None:
    log = tmp_path / "x.changes.json"
    change_log.record(log, "a", "b", ["k1"])
    change_log.record(log, "b", "c", ["k2", "k1"])
    change_log.record(log, "d", "e", ["k3"])
    assert change_log.changed_since(log, "a", "c") == {"k1", "k2"}
    assert change_log.changed_since(log, "b", "c") == {"k1", "k2"}
    assert change_log.changed_since(log, "c", "c") == set()
    assert change_log.changed_since(log, "a", "e") is None  # c -> d was not recorded
    assert change_log.changed_since(log, "a", "x") is None
    change_log.record(log, "e", "f", [f"k{i}" for i in range(change_log.MAX_KEYS + 1)])
    assert change_log.changed_since(log, "d", "f") is None  # too many to name: "all"
