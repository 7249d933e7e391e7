"""Kept files do not pile up beside a database (kb.atomic_file.prune_kept): when kb keeps a command's
rows or a lint for the current content, the kept files of older content go (except a lint, which the
next lint reuses), and at most KEPT_PER_KIND of one kind stay for the current one. Only files kb wrote
are deleted: a file of a kept file's name with other content, a kept file's content under another name,
another database's files stay."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import kb
from kb.atomic_file import KEPT_PER_KIND
from kb.cli import kept_output
from kb.knowledge_base import KnowledgeBase
from kb.lint import kept as lint_kept
from kb.packets import read_packet

from .conftest import ENGINES, EXAMPLES, fresh_kb


def _packets() -> list[Any]:
    return [read_packet(p) for p in sorted(EXAMPLES.glob("*.yaml"))]


@pytest.fixture(params=ENGINES)
def kept_kb(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[KnowledgeBase]:
    """A knowledge base that keeps files: Ladybug in a file, or the session's Neo4j with a cache folder
    of this test's own (the session's is shared with tests that count what it holds)."""
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path / "cache"))
    db = tmp_path / "graph.lbug" if request.param == "ladybug" else None
    kbase = fresh_kb(request, request.param, db)
    kbase.ingest_packets(_packets()[:2])
    yield kbase
    kbase.close()


def _keep(kbase: KnowledgeBase, command: str, **options: Any) -> Path:
    """Keep a command's rows for these options as `kb` does; the file it kept."""
    kept_output.answer(kbase, command, options, lambda: (["a"], [[1]], command))
    path = kbase.cache_path(kept_output._name(command, options))
    assert path is not None and path.exists()
    return path


def _write(kbase: KnowledgeBase) -> None:
    before = kbase.snapshot()
    kbase.write([("MATCH (i:Incident) WITH i LIMIT 1 SET i.title = i.title + '!'", {})])
    assert kbase.snapshot() not in (None, before)


def test_a_write_makes_the_older_kept_files_go_at_the_next_keep(kept_kb: KnowledgeBase) -> None:
    old_rows = _keep(kept_kb, "clusters", limit=3)
    old_other = _keep(kept_kb, "repeats")
    old_lint = kept_kb.cache_path(lint_kept.file_name({"probe": 1}))
    assert old_lint is not None
    lint_kept.kept(kept_kb, {"probe": 1}, lambda _previous: ([], frozenset()))
    assert old_lint.exists()
    # Files kb did not write, or not for this database: a kept file's name with other content, the
    # content under another name, another database's kept file, and a plain note.
    probe = kept_kb.cache_path("x")
    assert probe is not None
    folder, prefix = probe.parent, probe.name[:-1]
    foreign = [
        folder / f"{prefix}output-clusters-{'0' * 16}.json",
        folder / f"{prefix}output-clusters-notes.json",
        folder / f"other.lbug.output-clusters-{'1' * 16}.json",
        folder / f"{prefix}notes.txt",
    ]
    foreign[0].write_text(json.dumps({"mine": True}))
    foreign[1].write_bytes(old_rows.read_bytes())
    foreign[2].write_bytes(old_rows.read_bytes())
    foreign[3].write_text("my notes")
    assert old_rows.exists() and old_other.exists()

    _write(kept_kb)
    assert old_rows.exists(), "a write alone deletes nothing"
    new = _keep(kept_kb, "clusters", limit=5)
    assert new.exists()
    assert not old_rows.exists() and not old_other.exists()
    assert old_lint.exists(), "a lint of older content stays: check --all after a write reuses its untouched incidents"
    assert all(f.exists() for f in foreign)
    assert kept_output.answer(kept_kb, "clusters", {"limit": 5}, lambda: ([], [], "recomputed")).title == "clusters"


def test_at_most_so_many_kept_files_of_a_kind_stay_for_one_content(kept_kb: KnowledgeBase) -> None:
    paths = []
    for n in range(KEPT_PER_KIND + 4):
        paths.append(_keep(kept_kb, "hotspots", limit=n))
        os.utime(paths[-1], (1_700_000_000 + n, 1_700_000_000 + n))  # one a second, whatever the clock's grain
    other = _keep(kept_kb, "clusters")
    left = [p for p in paths if p.exists()]
    assert len(left) == KEPT_PER_KIND
    assert paths[-1] in left and paths[0] not in left  # the oldest went
    assert other.exists(), "another kind is counted apart"


def test_a_reader_of_older_content_deletes_nothing(tmp_path: Path) -> None:
    """A reader that opened the database before a write still keeps its rows for the content it saw,
    but the current content's kept files stay: it cannot tell which files are older than its own."""
    db = tmp_path / "graph.lbug"
    with kb.connect(engine="ladybug", db=db) as writer:
        writer.ingest_packets(_packets()[:2])
    reader = kb.connect(engine="ladybug", db=db, read_only=True)
    try:
        with kb.connect(engine="ladybug", db=db) as writer:
            _write(writer)
            current = _keep(writer, "clusters")
        assert reader.snapshot() != reader.live_snapshot()
        stale = _keep(reader, "repeats")
        assert current.exists() and stale.exists()
    finally:
        reader.close()
