"""Kept answers taken for a new snapshot when the queries they were computed from answer the same
(kb.analysis.answer_store, kb.knowledge_base.recording_reads): equal to a fresh computation after
writes that change those queries and writes that do not, and computed again whenever a read could
not be named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import kb
from kb.analysis import answer_store, hotspots
from kb.analysis.entities import DOCUMENT_QUERIES
from kb.analysis.hotspots import STORE as HOTSPOT_STORE
from kb.analysis.repeat_evidence import STORE as EVIDENCE_STORE
from kb.analysis.repeats import find_repeats
from kb.analysis.similarity import INPUT_QUERIES
from kb.knowledge_base import SnapshotReads
from kb.model import EventPacket

from .loop_fixture import loop_packets
from .test_answer_store import STORES, _assert_answers_fresh


def _edited(packet: EventPacket, **incident: Any) -> EventPacket:
    data = packet.model_dump(mode="json", exclude_none=True)
    data["incident"].update(incident)
    return EventPacket.model_validate(data)


def _kept(db: Path, name: str) -> Any:
    kept = answer_store._kept(db.with_name(f"{db.name}.{name}.npz"))
    assert kept is not None
    return kept


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each computation of the hotspot subjects (what the kept hotspots are made from), counted."""
    calls: list[str] = []
    real = hotspots._read_joined

    def counted(kbase: Any, kinds: Any) -> Any:
        calls.append("subjects")
        return real(kbase, kinds)

    monkeypatch.setattr(hotspots, "_read_joined", counted)
    return calls


def test_an_answer_whose_inputs_answer_the_same_is_taken_not_computed(tmp_path: Path, computed: list[str]) -> None:
    db = tmp_path / "graph.lbug"
    a, b, c, d, e = loop_packets()
    with kb.connect(engine="ladybug", db=db) as writer:
        writer.ingest_packets([a, b, c, d, e])
    assert computed == ["subjects"]
    inputs = {name for name, _ in _kept(db, HOTSPOT_STORE).inputs}
    assert {"incidents_with_tags", "patterns_incident_services", "patterns_incident_mentions"} <= inputs
    assert "incidents_with_text" not in inputs, "the hotspots read no text"
    # The twins come from the similarity index loaded from its file, the claims from the documents the
    # hook read before its own write: their queries are inputs too.
    evidence = {name for name, _ in _kept(db, EVIDENCE_STORE).inputs}
    assert {name for name, _ in INPUT_QUERIES} | {name for name, _ in DOCUMENT_QUERIES} <= evidence

    # A title edited: a new snapshot, and none of the hotspots' queries answers otherwise.
    with kb.connect(engine="ladybug", db=db) as writer:
        writer.ingest_packets([_edited(c, title="pool exhausted again (edited)")])
        snapshot = writer.snapshot()
    assert computed == ["subjects"], "taken from the file, not computed"
    for name in STORES:
        assert _kept(db, name).snapshot == snapshot, f"{name} is kept for the new content"
    with kb.connect(engine="ladybug", db=db, read_only=True) as reader:
        _assert_answers_fresh(reader)

    # A service changed: the subjects answer otherwise, so they are computed again.
    before = len(computed)  # the fresh answers above computed them too
    with kb.connect(engine="ladybug", db=db) as writer:
        writer.ingest_packets([_edited(c, services=["payments"])])
    assert len(computed) == before + 1
    with kb.connect(engine="ladybug", db=db, read_only=True) as reader:
        _assert_answers_fresh(reader)
        assert "payments" in set(hotspots.hotspots(reader, ["service"], min_incidents=1)["subject"])


def test_the_repeats_move_on_when_a_finding_they_read_changes(tmp_path: Path) -> None:
    """D repeats B's theme after B's agreed finding; deferring that finding changes the repeats."""
    db = tmp_path / "graph.lbug"
    with kb.connect(engine="ladybug", db=db) as writer:
        writer.ingest_packets(loop_packets())
    with kb.connect(engine="ladybug", db=db, read_only=True) as reader:
        assert "INC-B/finding/R1" in set(find_repeats(reader)["finding"])
    b = loop_packets()[1]
    data = b.model_dump(mode="json", exclude_none=True)
    data["analyses"][0]["findings"][0]["status"] = "deferred"
    data["analyses"][0]["findings"][0]["deferred_reason"] = "not this year"
    with kb.connect(engine="ladybug", db=db) as writer:
        writer.ingest_packets([EventPacket.model_validate(data)])
    with kb.connect(engine="ladybug", db=db, read_only=True) as reader:
        _assert_answers_fresh(reader)
        got = find_repeats(reader)
    assert "INC-B/finding/R1" not in set(got["finding"])


def _frame(values: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"v": pd.Series(values, dtype=object)})


def test_a_read_no_log_can_name_keeps_no_inputs(tmp_path: Path) -> None:
    db = tmp_path / "graph.lbug"
    with kb.connect(engine="ladybug", db=db) as writer:
        writer.ingest_packets(loop_packets())
        reads = SnapshotReads(writer)

        def named() -> dict[str, pd.DataFrame]:
            return {"f": _frame(sorted(reads.query("incidents_with_tags")["incident"]))}

        def ad_hoc() -> dict[str, pd.DataFrame]:
            rows = reads.cypher("MATCH (i:Incident) RETURN i.key AS k")
            return {"f": _frame(sorted(rows["k"]))}

        def through_another_connection() -> dict[str, pd.DataFrame]:
            return {"f": _frame(sorted(writer.query("incidents_with_tags")["incident"]))}

        answer_store.stored(reads, "named", named)
        answer_store.stored(reads, "ad-hoc", ad_hoc)
        answer_store.stored(reads, "other", through_another_connection)
        # An answer made from a kept answer read what that one read.
        answer_store.stored(reads, "outer", lambda: answer_store.stored(reads, "named", named))
        answer_store.stored(reads, "outer-ad-hoc", lambda: answer_store.stored(reads, "ad-hoc", ad_hoc))
    assert [n for n, _ in _kept(db, "named").inputs] == ["incidents_with_tags"]
    assert _kept(db, "ad-hoc").inputs is None
    assert _kept(db, "other").inputs is None
    assert [n for n, _ in _kept(db, "outer").inputs] == ["incidents_with_tags"]
    assert _kept(db, "outer-ad-hoc").inputs is None


def test_a_kept_answer_of_other_content_is_taken_only_if_its_inputs_answer_the_same(tmp_path: Path) -> None:
    db = tmp_path / "graph.lbug"
    a, b, c, d, e = loop_packets()
    with kb.connect(engine="ladybug", db=db) as writer:
        writer.ingest_packets([a, b, c])
        reads = SnapshotReads(writer)
        answer_store.stored(
            reads, "keys", lambda: {"f": _frame(sorted(reads.query("incidents_with_tags")["incident"]))}
        )
    with kb.connect(engine="ladybug", db=db) as writer:
        writer.ingest_packets([_edited(c, title="edited")])  # the same incidents: taken
        reads = SnapshotReads(writer)
        got = answer_store.stored(reads, "keys", lambda: {"f": _frame(["computed"])})
        assert got["f"]["v"].tolist() == ["INC-A", "INC-B", "INC-C"]
        assert _kept(db, "keys").snapshot == writer.snapshot()
        writer.ingest_packets([d])  # one more incident: computed
        reads = SnapshotReads(writer)
        got = answer_store.stored(
            reads, "keys", lambda: {"f": _frame(sorted(reads.query("incidents_with_tags")["incident"]))}
        )
        assert got["f"]["v"].tolist() == ["INC-A", "INC-B", "INC-C", "INC-D"]


def test_kept_cluster_rows_are_taken_when_what_they_read_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kb ingest` keeps the rows `kb clusters` prints (kb.cli.kept_output): a write that leaves the
    clusters' queries alone takes them; one that changes them computes them again."""
    from dataclasses import asdict

    from kb.cli import cmd_patterns, kept_output
    from kb.cli.cmd_patterns import ClusterOptions, clusters_answer, keep_default_answers

    from .test_answer_store import Fresh

    calls: list[int] = []
    real = cmd_patterns._find_clusters

    def counted(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(cmd_patterns, "_find_clusters", counted)
    db = tmp_path / "graph.lbug"
    a, b, c, d, e = loop_packets()

    def ingest(packet: EventPacket) -> int:
        """Ingest `packet` as `kb ingest` does; how many times the clusters were computed."""
        before = len(calls)
        with kb.connect(engine="ladybug", db=db) as writer:
            reads = SnapshotReads(writer)
            reads.ingest_packets([packet])
            keep_default_answers(reads)
        return len(calls) - before

    def assert_kept_as_computed() -> None:
        for table in (True, False):
            options = ClusterOptions(table=table)
            kept = kept_output.replay("clusters", asdict(options), "ladybug", db)
            with kb.connect(engine="ladybug", db=db, read_only=True) as reader:
                fresh: Any = Fresh(reader)  # no snapshot, no files: computed now
                assert kept == clusters_answer(fresh, options)

    assert [ingest(p) for p in (a, b, c, d)] == [1, 1, 1, 1], "each a new incident: computed once for both"
    assert_kept_as_computed()
    assert ingest(_edited(c, title="pool exhausted again (edited)")) == 0, "taken from the kept rows"
    assert_kept_as_computed()
    assert ingest(e) == 1, "a new incident: computed again"
    assert_kept_as_computed()
