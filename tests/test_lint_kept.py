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
from kb.model import EventPacket
from kb.packets import write_packet
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
    monkeypatch.setattr(lint_runner, "read_packet_rows", refuse)


def _linted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The incidents the rules run on from now on (the real rules, recorded)."""
    linted: list[str] = []
    real = lint_runner._lint_one

    def record(packet: EventPacket, *rest: Any) -> Any:
        linted.append(packet.key)
        return real(packet, *rest)

    monkeypatch.setattr(lint_runner, "_lint_one", record)
    return linted


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


def test_after_a_write_only_the_incidents_whose_inputs_moved_are_linted_again(
    demo_db: Path, demo_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first `kb check --all` after a write reuses the kept results of every incident whose
    packet, links, related incidents and citable ids are unchanged, and equals a fresh lint."""
    day = DAYS[1]
    packets = {p.key: p for p in read_packets(demo_kb, None)}
    first = lint_graph(demo_kb, None, None, day)
    # An incident whose review cites no other incident and has no RELATED_TO link.
    isolated = sorted({f.incident for f in first.findings if f.rule == "no-related-check"})
    assert isolated, "the demo must have an incident without a related-incident check"
    target, newcomer = isolated[0], "INC-2031-0001"
    linted = _linted(monkeypatch)

    # 1. A write changes one packet: its summary now names an incident the graph does not hold.
    cites = packets[target].model_copy(deep=True)
    cites.incident.summary = f"{cites.incident.summary or ''} Compare with {newcomer}, an earlier outage.".strip()
    demo_kb.ingest_packets([cites])
    after = lint_graph(demo_kb, None, None, day)
    assert target in linted and len(set(linted)) < len(packets) // 2, linted
    monkeypatch.undo()
    assert _as_plain(after) == _computed(demo_kb, None, day)
    assert any(f.incident == target and f.rule == "no-related-check" for f in after.findings)

    # 2. The incident it names arrives: the target's packet is unchanged, yet its lint is not.
    linted = _linted(monkeypatch)
    other = next(p for k, p in packets.items() if k != target)
    arrival = other.model_copy(deep=True)
    arrival.incident.id = newcomer
    demo_kb.ingest_packets([arrival])
    after = lint_graph(demo_kb, None, None, day)
    assert {target, newcomer} <= set(linted) and len(set(linted)) < len(packets) // 2, linted
    monkeypatch.undo()
    assert _as_plain(after) == _computed(demo_kb, None, day)
    assert not any(f.incident == target and f.rule == "no-related-check" for f in after.findings)

    # 3. Read back for the content it was computed for, and equal on another day.
    _no_reads(monkeypatch)
    again = lint_graph(demo_kb, None, None, DAYS[2])
    monkeypatch.undo()
    assert _as_plain(again) == _computed(demo_kb, None, DAYS[2])


def test_a_kept_file_of_other_code_or_settings_is_not_reused(
    demo_db: Path, demo_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    lint_graph(demo_kb, None, None, DAYS[1])
    (path,) = _kept(demo_db)
    path.write_text(path.read_text(encoding="utf-8").replace('"code": "', '"code": "x', 1), encoding="utf-8")
    demo_kb.write([("MATCH (i:Incident) WHERE i.key = $k SET i.title = 'renamed'", {"k": "INC-2024-0001"})])
    linted = _linted(monkeypatch)
    lint_graph(demo_kb, None, None, DAYS[1])
    lint_graph(demo_kb, None, STRICT, DAYS[1])  # other settings: a file of its own, nothing to reuse
    assert len(linted) == 2 * len(read_packets(demo_kb, None))


def test_a_related_incident_that_turns_out_to_follow_up_relints_the_incident_it_follows(
    demo_db: Path, demo_kb: KnowledgeBase
) -> None:
    """An imported review is asked to compare with its similar earlier incidents, except one that
    follows it up: that depends on the earlier incident's packet, which a write may change alone."""
    day = DAYS[1]
    related = {
        str(r["incident"]): list(r["related"])
        for r in demo_kb.query_rows("review_related_earlier", every_incident=True)
    }
    key, earlier = next((k, rel[0]) for k, rel in sorted(related.items()) if len(rel) == 1)
    demo_kb.write([("MATCH (i:Incident) WHERE i.key = $k SET i.imported = true, i.reviewed = false", {"k": key})])
    todo = f"compare with {earlier}"
    before = lint_graph(demo_kb, None, None, day)
    assert any(f.incident == key and todo in f.message for f in before.findings)
    # The earlier incident's own text now says it follows this one up (no RELATED_TO link moves).
    demo_kb.write(
        [
            (
                "MATCH (i:Incident) WHERE i.key = $k SET i.summary = $s",
                {"k": earlier, "s": f"Addendum to the initial incident report ({key}): what we learned since."},
            )
        ]
    )
    assert {
        str(r["incident"]): list(r["related"])
        for r in demo_kb.query_rows("review_related_earlier", every_incident=True)
    } == related
    after = lint_graph(demo_kb, None, None, day)
    assert _as_plain(after) == _computed(demo_kb, None, day)
    assert not any(f.incident == key and todo in f.message for f in after.findings)


def test_a_new_link_to_an_incident_relints_it(demo_db: Path, demo_kb: KnowledgeBase) -> None:
    """A RELATED_TO link from another incident changes no packet and not the incident's own earlier
    incidents, only how many links it has."""
    day = DAYS[1]
    first = lint_graph(demo_kb, None, None, day)
    target = min(f.incident for f in first.findings if f.rule == "no-related-check")
    other = next(k for k in first.incidents if k != target)
    link = "MATCH (a:Incident), (b:Incident) WHERE a.key = $a AND b.key = $b CREATE (a)-[:RELATED_TO {score: 0.5}]->(b)"
    demo_kb.write([(link, {"a": other, "b": target})])
    after = lint_graph(demo_kb, None, None, day)
    assert _as_plain(after) == _computed(demo_kb, None, day)
    assert not any(f.incident == target and f.rule == "no-related-check" for f in after.findings)


def test_kb_ingest_keeps_the_older_lint_for_the_next_check(
    demo_db: Path, demo_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`kb ingest` keeps its default answers after the write, which prunes kept files of older
    content; the lint of older content must survive it, or the next `kb check --all` lints all again."""
    day = DAYS[1]
    lint_graph(demo_kb, None, None, day)
    packet = read_packets(demo_kb, None)[0]
    packet.incident.title = f"{packet.incident.title} (edited)"
    path = write_packet(packet, tmp_path / "edited.yaml")
    demo_kb.close()
    result = CliRunner().invoke(app, ["ingest", "--quiet", "--db", str(demo_db), str(path)])
    assert result.exit_code == 0, result.output
    assert _kept(demo_db), "the lint of the content before the ingest is gone"
    with kb.connect(engine="ladybug", db=demo_db) as kbase:
        linted = _linted(monkeypatch)
        after = lint_graph(kbase, None, None, day)
        assert packet.key in linted and len(set(linted)) < len(read_packets(kbase, None)) // 2, linted
        monkeypatch.undo()
        assert _as_plain(after) == _computed(kbase, None, day)
