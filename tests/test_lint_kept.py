"""`kb check --all` keeps every incident's lint for the content and settings it was computed from
(kb.lint.kept): read back, it gives what computing gives on any day; after a write, with other
settings or from a damaged file, it is computed again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import kb
from kb.cli import app
from kb.graph.reader import read_packets
from kb.knowledge_base import KnowledgeBase
from kb.lint import RULES, LintConfig, LintContext, LintReport, lint_graph
from kb.lint import runner as lint_runner
from kb.quickstart import load_demo

DAYS = [datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)]
STRICT = LintConfig({"untracked-finding": {"days": 5, "level": "error"}, "missing-tags": {"enabled": False}})


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    db = tmp_path / "graph.lbug"
    with kb.connect(engine="ladybug", db=db) as kbase:
        load_demo(kbase, incidents=24, seed=7)
    return db


@pytest.fixture
def demo_kb(demo_db: Path) -> Iterator[KnowledgeBase]:
    with kb.connect(engine="ladybug", db=demo_db) as kbase:
        yield kbase


def _kept(db: Path) -> list[Path]:
    return sorted(db.parent.glob(f"{db.name}.lint-*.json"))


def _as_plain(report: LintReport) -> tuple[list[str], list[dict[str, Any]]]:
    return report.incidents, [f.as_dict() for f in report.findings]


def _computed(kbase: KnowledgeBase, config: LintConfig | None, now: datetime) -> tuple[list[str], list[dict[str, Any]]]:
    """The lint of every incident named one by one: a run that never keeps anything."""
    keys = [str(k) for k in kbase.query("incidents")["incident"]]
    return _as_plain(lint_graph(kbase, keys, config, now))


def _no_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("the packets were read again")

    monkeypatch.setattr(lint_runner, "read_packets", refuse)


@pytest.mark.parametrize("config", [None, STRICT])
def test_kept_lint_equals_computed_on_any_day(
    demo_db: Path, demo_kb: KnowledgeBase, config: LintConfig | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _as_plain(lint_graph(demo_kb, None, config, DAYS[0]))
    assert _kept(demo_db), "nothing kept"
    assert first == _computed(demo_kb, config, DAYS[0])
    _no_reads(monkeypatch)
    ages = set()
    for day in DAYS:
        kept = lint_graph(demo_kb, None, config, day)
        ages.add(sum(f.rule == "untracked-finding" for f in kept.findings))
        monkeypatch.undo()
        assert _as_plain(kept) == _computed(demo_kb, config, day)
        _no_reads(monkeypatch)
    assert len(ages) > 1, "the days chosen must change which findings are old enough"


def test_other_settings_keep_their_own_results(demo_db: Path, demo_kb: KnowledgeBase) -> None:
    lint_graph(demo_kb, None, None, DAYS[1])
    strict = lint_graph(demo_kb, None, STRICT, DAYS[1])
    assert len(_kept(demo_db)) == 2
    assert _as_plain(strict) == _computed(demo_kb, STRICT, DAYS[1])
    assert _as_plain(strict) != _as_plain(lint_graph(demo_kb, None, None, DAYS[1]))


def test_a_write_makes_it_compute_again(demo_db: Path, demo_kb: KnowledgeBase) -> None:
    before = _as_plain(lint_graph(demo_kb, None, None, DAYS[1]))
    demo_kb.write([("MATCH (f:Finding) SET f.tags = [] ", {})])  # every finding now lacks tags
    after = _as_plain(lint_graph(demo_kb, None, None, DAYS[1]))
    assert after != before
    assert after == _computed(demo_kb, None, DAYS[1])


def test_a_damaged_or_foreign_file_is_computed_again(demo_db: Path, demo_kb: KnowledgeBase) -> None:
    expected = _as_plain(lint_graph(demo_kb, None, None, DAYS[1]))
    (path,) = _kept(demo_db)
    kept_text = path.read_text(encoding="utf-8")
    for damaged in (
        kept_text[: len(kept_text) // 2],
        kept_text.replace('"incidents": [[', '"incidents": [[1, 2], [', 1),
        kept_text.replace('"code": "', '"code": "x', 1),
    ):
        path.write_text(damaged, encoding="utf-8")
        assert _as_plain(lint_graph(demo_kb, None, None, DAYS[1])) == expected
        assert path.read_text(encoding="utf-8") == kept_text  # computed and kept again


def test_cli_check_all_prints_the_same_bytes_from_what_it_kept(demo_db: Path) -> None:
    runner = CliRunner()
    variants = [
        ["check", "--all", "--now", "2026-10-01"],
        ["check", "--all", "--format", "json", "--now", "2030-01-01"],
    ]
    first = [runner.invoke(app, [*args, "--db", str(demo_db)]) for args in variants]
    assert _kept(demo_db)
    again = [runner.invoke(app, [*args, "--db", str(demo_db)]) for args in variants]
    assert [(r.exit_code, r.output) for r in again] == [(r.exit_code, r.output) for r in first]
    assert first[0].exit_code == 1 and "untracked-finding" in first[0].output


def test_only_untracked_finding_depends_on_the_day(demo_kb: KnowledgeBase) -> None:
    """What kb.lint.kept relies on: every other rule gives the same hits whatever `now` is."""
    packets = read_packets(demo_kb, None)
    by_day = {
        rule.id: [[rule.run(p, LintContext(now=day)) for p in packets] for day in (DAYS[0], DAYS[2])]
        for rule in RULES.values()
    }
    changed = {rule for rule, (early, late) in by_day.items() if early != late}
    assert changed == {"untracked-finding"}
