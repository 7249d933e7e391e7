"""The answers of `kb repeats` and `kb hotspots` kept beside an embedded database: in step with every
write, equal to a fresh computation, never written by a reader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import kb
from kb.analysis import answer_store
from kb.analysis.hotspots import STORE as HOTSPOT_STORE
from kb.analysis.hotspots import hotspots, subject_incidents
from kb.analysis.repeat_evidence import STORE as EVIDENCE_STORE
from kb.analysis.repeat_evidence import follow_up_documents
from kb.analysis.repeats import find_repeats

from .loop_fixture import loop_packets
from .test_real_lint_repeats import provisioning_reports

STORES = ("repeats", EVIDENCE_STORE, HOTSPOT_STORE, "hotspots")


class Fresh:
    """The graph's queries alone: no snapshot and no files, so every answer is computed now."""

    def __init__(self, kbase: Any) -> None:
        self.kbase = kbase

    def query(self, name: str, **params: Any) -> pd.DataFrame:
        return self.kbase.query(name, **params)


def _file(db: Path, name: str) -> Path:
    return db.with_name(f"{db.name}.{name}.npz")


def _assert_answers_fresh(kbase: Any) -> None:
    """Every stored answer equals the one computed from the graph now, dtypes included."""
    fresh = Fresh(kbase)
    pd.testing.assert_frame_equal(find_repeats(kbase), find_repeats(fresh))
    pd.testing.assert_frame_equal(follow_up_documents(kbase), follow_up_documents(fresh))
    pd.testing.assert_frame_equal(hotspots(kbase), hotspots(fresh))
    pd.testing.assert_frame_equal(hotspots(kbase, ["theme"]), hotspots(fresh, ["theme"]))
    pd.testing.assert_frame_equal(hotspots(kbase, window_days=30), hotspots(fresh, window_days=30))
    pd.testing.assert_frame_equal(hotspots(kbase, ["team", "service"]), hotspots(fresh, ["team", "service"]))
    assert subject_incidents(kbase, ["barrier", "service"]) == subject_incidents(fresh, ["barrier", "service"])


def test_each_ingest_keeps_the_answers_in_step(tmp_path: Path) -> None:
    db = tmp_path / "graph.lbug"
    a, b, c, d, e = loop_packets()
    with kb.connect(engine="ladybug", db=db) as writer:
        writer.ingest_packets([a, b, c])
    for name in STORES:
        assert _file(db, name).exists(), f"the after-ingest hook keeps {name}"
    with kb.connect(engine="ladybug", db=db, read_only=True) as reader:
        assert all(answer_store.in_step(reader, name) for name in STORES)
        before = find_repeats(reader)
        _assert_answers_fresh(reader)
    assert "INC-D" not in set(before["incident"])

    with kb.connect(engine="ladybug", db=db) as writer:
        writer.ingest_packets([d, e])  # D repeats B's theme after B's agreed finding
    with kb.connect(engine="ladybug", db=db, read_only=True) as reader:
        assert all(answer_store.in_step(reader, name) for name in STORES)
        after = find_repeats(reader)
        _assert_answers_fresh(reader)
    assert "INC-D" in set(after["incident"]), "the kept answer moved on with the ingest"


def test_text_twin_and_follow_up_evidence_kept_as_computed(tmp_path: Path) -> None:
    """Imported, unreviewed reports: a near twin and a follow-up document, kept and loaded exactly."""
    db = tmp_path / "graph.lbug"
    with kb.connect(engine="ladybug", db=db) as writer:
        writer.ingest_packets(provisioning_reports())
    with kb.connect(engine="ladybug", db=db, read_only=True) as reader:
        assert answer_store.in_step(reader, EVIDENCE_STORE)
        rep, fu = find_repeats(reader), follow_up_documents(reader)
        _assert_answers_fresh(reader)
    assert "twin" in set(rep["via_kind"]) and len(fu) == 1


def test_a_write_outside_the_hooks_is_answered_fresh_and_the_reader_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "graph.lbug"
    with kb.connect(engine="ladybug", db=db) as writer:
        writer.ingest_packets(loop_packets())
        # A write the answers read, made outside any hook: B's finding no longer agreed.
        writer.write([("MATCH (f:Finding {key: 'INC-B/finding/R1'}) SET f.status = 'proposed'", {})])
    kept = {name: _file(db, name).read_bytes() for name in STORES}
    with kb.connect(engine="ladybug", db=db, read_only=True) as reader:
        assert not answer_store.in_step(reader, "repeats")
        got = find_repeats(reader)
        _assert_answers_fresh(reader)
    assert ("INC-D", "INC-B/finding/R1") not in set(zip(got["incident"], got["finding"], strict=True))
    assert {name: _file(db, name).read_bytes() for name in STORES} == kept, "a reader never writes"
    with kb.connect(engine="ladybug", db=db) as writer:
        from kb.analysis.hooks import refresh_answers

        refresh_answers(writer)  # what `kb demo` runs after its roadmap write
        assert answer_store.in_step(writer, "repeats")
        _assert_answers_fresh(writer)


def test_a_damaged_or_foreign_file_is_computed_again(tmp_path: Path) -> None:
    db = tmp_path / "graph.lbug"
    with kb.connect(engine="ladybug", db=db) as writer:
        writer.ingest_packets(loop_packets())
    kept = _file(db, "repeats").read_bytes()
    for damaged in (b"not an npz", kept[: len(kept) // 2]):  # the second is a zip cut short
        _file(db, "repeats").write_bytes(damaged)
        with kb.connect(engine="ladybug", db=db, read_only=True) as reader:
            assert not answer_store.in_step(reader, "repeats")
            pd.testing.assert_frame_equal(find_repeats(reader), find_repeats(Fresh(reader)))


def test_an_in_memory_database_keeps_nothing(ladybug_kb: kb.KnowledgeBase) -> None:
    """No file and no snapshot id; on Neo4j the answers are kept in the cache folder
    (tests/test_neo4j_kept.py)."""
    ladybug_kb.ingest_packets(loop_packets())
    assert not answer_store.keeps_files(ladybug_kb)
    _assert_answers_fresh(ladybug_kb)


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text": pd.Series(["a", None, "ü\x00b", "a"], dtype="str"),
            "objects": pd.Series(["x", None, float("nan"), ""], dtype=object),
            "at": pd.to_datetime(
                ["2025-01-01T00:00:00Z", None, "2025-03-01T12:30:00.5Z", "2024-12-31T23:59:59Z"], format="ISO8601"
            ),
            "n": [1, 2, 3, 4],
            "w": [0.25, float("nan"), 1.0, -2.5],
            "ok": [True, False, True, True],
            "tags": [["campaign", "x"], [], ["y"], ["campaign"]],
        }
    )


def test_frames_round_trip_exactly(tmp_path: Path) -> None:
    frames = {"one": _frame(), "empty": pd.DataFrame(columns=["a", "b"]), "rows": _frame().iloc[:0].reset_index()}
    frames["rows"] = frames["rows"].drop(columns="index")
    path = tmp_path / "x.npz"
    answer_store.save(path, frames, "snap")
    got = answer_store.load(path, "snap")
    assert got is not None and list(got) == list(frames)
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(got[name], frame)
    objects = got["one"]["objects"].tolist()
    assert objects[1] is None and isinstance(objects[2], float) and np.isnan(objects[2])
    assert got["one"]["tags"].tolist() == [["campaign", "x"], [], ["y"], ["campaign"]]
    assert answer_store.load(path, "another snapshot") is None


def test_text_and_list_columns_are_told_apart_by_their_cells(tmp_path: Path) -> None:
    """A column is text when its cells are strings and missing ones (None, NaN of any float type),
    lists when they are lists of strings: what the fast test by cell types decides."""
    frame = pd.DataFrame(
        {
            "nan64": pd.Series(["x", np.float64("nan"), None], dtype=object),
            "text": pd.Series(["x", None, "y"], dtype=object),
            "lists": pd.Series([["a"], [], ["b", "c"]], dtype=object),
        }
    )
    path = tmp_path / "x.npz"
    answer_store.save(path, {"f": frame}, "snap")
    got = answer_store.load(path, "snap")
    assert got is not None
    pd.testing.assert_frame_equal(got["f"], frame)
    assert got["f"]["nan64"].tolist()[2] is None and np.isnan(got["f"]["nan64"].tolist()[1])


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"a": ["x", "y"]}, index=[3, 4]),  # an index other than 0..n-1
        pd.DataFrame({"a": [pd.Timestamp("2025-01-01"), "x"]}),  # mixed objects
        pd.DataFrame({"a": pd.Series(["x", 1.5], dtype=object)}),  # a float that is no missing cell
        pd.DataFrame({"a": pd.Series([["x"], ["y", 2]], dtype=object)}),  # a list of more than strings
        pd.DataFrame({"a": pd.Series([["x"], ("y",)], dtype=object)}),  # a tuple is no list
        pd.DataFrame({"a": ["fine", "ends in NUL\x00"]}),  # numpy strings would drop it
    ],
)
def test_what_cannot_be_restored_exactly_is_not_kept(frame: pd.DataFrame, tmp_path: Path) -> None:
    with pytest.raises(answer_store.Unstorable):
        answer_store.save(tmp_path / "x.npz", {"f": frame}, "snap")
    assert not (tmp_path / "x.npz").exists()
