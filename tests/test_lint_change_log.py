"""`kb check --all` after an ingest reads back only the packets the change log (kb.graph.change_log)
says the ingest wrote; a write the log does not name, or a damaged log, makes it read everything,
and each way it gives what a lint computed from scratch gives."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import kb
from kb.analysis.hooks import DEFAULT_HOOKS
from kb.graph import change_log, reader
from kb.graph.reader import read_packets
from kb.knowledge_base import KnowledgeBase
from kb.lint import LintReport, lint_graph
from kb.lint import runner as lint_runner
from kb.quickstart import load_demo

from .test_lint_kept import _linted

DAY = datetime(2026, 10, 1, tzinfo=UTC)
BLAME = "The on-call engineer was careless and should have known better."


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("built") / "graph.lbug"
    with kb.connect(engine="ladybug", db=db, hooks=()) as kbase:
        load_demo(kbase, incidents=12, seed=7)
    return db


@pytest.fixture
def demo_db(built: Path, tmp_path: Path) -> Path:
    """A copy of the built database, with its content id kept valid (a copy has another inode)."""
    for f in built.parent.iterdir():
        if f.name == built.name or f.name.startswith(built.name + "."):
            shutil.copy2(f, tmp_path / f.name)
    db = tmp_path / built.name
    gen = tmp_path / f"{built.name}.generation"
    st = os.stat(db)
    gen.write_text(f"{gen.read_text(encoding='ascii').split()[0]} {st.st_ino} {st.st_size}", encoding="ascii")
    return db


@pytest.fixture
def demo_kb(demo_db: Path) -> Iterator[KnowledgeBase]:
    """Without the after-ingest hooks (a hook of no known effect would end the log: tested apart)."""
    with kb.connect(engine="ladybug", db=demo_db, hooks=()) as kbase:
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
    real = reader.read_parts

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
    demo_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
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
    # A hook of unknown effect: the ingest it ran in names nothing, so everything is read.
    demo_kb.after_ingest.append(lambda _kb, _keys: None)
    demo_kb.ingest_packets([_blamed(demo_kb, first.incidents[-1])])
    asked = _own_reads(monkeypatch)
    lint_graph(demo_kb, None, None, DAY)
    assert asked == [None]


def test_the_default_hooks_are_known_to_write_no_packet_data() -> None:
    """`kb ingest` runs them: unmarked, no ingest would be noted (tests/test_lint_kept.py's
    test_kb_ingest_keeps_the_older_lint_for_the_next_check runs them and compares with a fresh lint)."""
    assert all(getattr(hook, "packet_data_unchanged", False) for hook in DEFAULT_HOOKS)


def test_a_work_item_two_packets_share_relints_both_when_one_is_ingested(
    demo_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A work item (or barrier, objective, roadmap item) is one node for every packet naming it: an
    ingest of one packet changes what the other reads back, though the log names only the one."""
    packets = read_packets(demo_kb, None)
    a, b = [p for p in packets if any(f.work_items for an in p.analyses for f in an.findings)][:2]
    item = next(w for an in a.analyses for f in an.findings for w in f.work_items).model_copy()
    item.external_id, item.status = "SHARED-1", "open"
    for p in (a, b):
        next(f for an in p.analyses for f in an.findings if f.work_items).work_items[0] = item
    demo_kb.ingest_packets([a, b])
    lint_graph(demo_kb, None, None, DAY)
    item.status = "done"
    demo_kb.ingest_packets([a])
    linted = _linted(monkeypatch)
    asked = _own_reads(monkeypatch)
    after = lint_graph(demo_kb, None, None, DAY)
    monkeypatch.undo()
    assert asked == [[a.key]]
    assert sorted(linted) == sorted([a.key, b.key])
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


def test_a_damaged_log_makes_it_read_everything(
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
    monkeypatch.undo()
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
    assert change_log.changed_since(log, "other-content", "c") is None
    change_log.record(log, "e", "f", [f"k{i}" for i in range(change_log.MAX_KEYS + 1)])
    assert change_log.changed_since(log, "d", "f") is None  # too many to name: "all"
