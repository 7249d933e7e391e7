"""Ladybug's `read_rows` of a big result goes through Arrow (kb.engines.ladybug_rows) and must give the
rows `native_rows(get_all())` gives, value for value and type for type: `kb check --all` digests them
(kb.lint.runner) and rebuilds every packet from them."""

from __future__ import annotations

import math
import sys
from datetime import UTC
from typing import Any

import pytest

from kb.engines import ladybug_rows
from kb.engines.frames import native_rows
from kb.graph import catalogue
from kb.graph.reader import canonical_incident
from kb.knowledge_base import KnowledgeBase
from kb.lint.runner import _validated

from .test_read_columns import CASES, _packets, _params


def _typed(value: Any) -> Any:
    """A cell with its type (and a timestamp's zone object), nested: equal values of other types differ.
    A list's items sorted: collect() may give them in another order from one run to the next."""
    if isinstance(value, list):
        return ["list", sorted((_typed(v) for v in value), key=repr)]
    if isinstance(value, float) and math.isnan(value):
        return ["float", "nan"]
    return [type(value).__name__, value, getattr(value, "tzinfo", None)]


def _row_by_row(kb: KnowledgeBase, text: str, params: dict[str, Any]) -> list[list[Any]]:
    return native_rows(kb.engine._execute(text, params).get_all())  # type: ignore[attr-defined]


@pytest.fixture
def every_result_through_arrow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ladybug_rows, "ARROW_FROM_ROWS", 1)
    monkeypatch.setattr(ladybug_rows, "LOAD_ARROW_FROM_ROWS", 1)


def _arrow_read(kb: KnowledgeBase, text: str, params: dict[str, Any]) -> bool:
    """Whether the result is one the Arrow path converts (else `read_rows` reads it row by row)."""
    result = kb.engine._execute(text, params)  # type: ignore[attr-defined]
    names, types = result.get_column_names(), result.get_column_data_types()
    return result.get_num_tuples() > 0 and ladybug_rows.convertible(names, types)


@pytest.mark.usefixtures("every_result_through_arrow")
def test_every_catalogue_query_reads_the_same_rows_through_arrow(ladybug_kb: KnowledgeBase) -> None:
    ladybug_kb.ingest_packets(_packets())
    keys = [str(r["incident"]) for r in ladybug_kb.query_rows("incidents")]
    through_arrow = 0
    for name in catalogue.names():
        text = catalogue.query_text(name, "ladybug")
        params = _params(text, keys)
        # (rows of equal sort keys may come in another order from one run to the next)
        got = sorted((_typed(r) for r in ladybug_kb.engine.read_rows(text, params)[1]), key=repr)
        want = sorted((_typed(r) for r in _row_by_row(ladybug_kb, text, params)), key=repr)
        assert got == want, name
        through_arrow += _arrow_read(ladybug_kb, text, params)
    assert through_arrow > 20  # most queries took the Arrow path


@pytest.mark.usefixtures("every_result_through_arrow")
def test_nulls_and_kinds_read_the_same_through_arrow(ladybug_kb: KnowledgeBase) -> None:
    ladybug_kb.ingest_packets(_packets())
    assert _arrow_read(ladybug_kb, CASES, {})
    got = ladybug_kb.engine.read_rows(CASES)[1]
    assert [_typed(r) for r in got] == [_typed(r) for r in _row_by_row(ladybug_kb, CASES, {})]
    assert all(type(row) is list for row in got)
    started = got[0][2]
    assert started.tzinfo is UTC  # the zone object native() gives, not pyarrow's ZoneInfo
    empty = CASES.replace("ORDER BY k", "ORDER BY k LIMIT 0")
    assert ladybug_kb.engine.read_rows(empty)[1] == []


def test_small_reads_do_not_load_pyarrow(monkeypatch: pytest.MonkeyPatch) -> None:
    """A read under LOAD_ARROW_FROM_ROWS rows loads no pyarrow (~60 MB): once loaded, smaller ones use it."""
    big, small = ladybug_rows.LOAD_ARROW_FROM_ROWS, ladybug_rows.ARROW_FROM_ROWS
    import pyarrow  # noqa: PLC0415

    assert ladybug_rows.through_arrow(small) and not ladybug_rows.through_arrow(small - 1)
    monkeypatch.delitem(sys.modules, pyarrow.__name__)  # as in a process that has not loaded it
    assert not ladybug_rows.through_arrow(big - 1)
    assert ladybug_rows.through_arrow(big)


def test_the_incident_row_digest_ignores_the_order_of_collected_services_and_teams() -> None:
    a = {"incident": "X", "services": ["db", "api"], "teams": ["b", "a"], "tags": ["z", "y"]}
    b = {"incident": "X", "services": ["api", "db"], "teams": ["a", "b"], "tags": ["z", "y"]}
    canonical_incident(a)
    canonical_incident(b)
    assert a == b and a["tags"] == ["z", "y"]  # tags are the packet's own order: kept
    none: dict[str, Any] = {"incident": "Y", "services": None, "teams": []}
    canonical_incident(none)
    assert none == {"incident": "Y", "services": None, "teams": []}


def test_validated_packets_keep_their_order_and_drop_their_data() -> None:
    data = [p.model_dump(mode="json") for p in _packets()[:5]]
    keys = [d["incident"]["id"] for d in data]
    read = _validated(data)
    assert [p.key for p in read] == keys and data == []


def _records(kb: KnowledgeBase, text: str, params: dict[str, Any]) -> list[list[Any]]:
    """`read_records` as a `read_rows` row per dict, for `_typed` to compare."""
    columns = kb.engine.read_rows(text, params)[0]
    records = kb.engine.read_records(text, params)
    assert all(list(r) == columns for r in records)  # every column, in order
    return [[r[c] for c in columns] for r in records]


@pytest.mark.usefixtures("every_result_through_arrow")
def test_every_catalogue_query_reads_the_same_records_through_arrow(ladybug_kb: KnowledgeBase) -> None:
    """`read_records` makes its dicts from Arrow's columns (no row lists): the values of the rows."""
    ladybug_kb.ingest_packets(_packets())
    keys = [str(r["incident"]) for r in ladybug_kb.query_rows("incidents")]
    for name in catalogue.names():
        text = catalogue.query_text(name, "ladybug")
        params = _params(text, keys)
        got = sorted((_typed(r) for r in _records(ladybug_kb, text, params)), key=repr)
        want = sorted((_typed(r) for r in _row_by_row(ladybug_kb, text, params)), key=repr)
        assert got == want, name
    got = _records(ladybug_kb, CASES, {})
    assert [_typed(r) for r in got] == [_typed(r) for r in _row_by_row(ladybug_kb, CASES, {})]
    assert got[0][2].tzinfo is UTC
    assert ladybug_kb.engine.read_records(CASES.replace("ORDER BY k", "ORDER BY k LIMIT 0")) == []


@pytest.mark.usefixtures("every_result_through_arrow")
def test_records_are_the_rows_as_dicts_on_both_engines(any_kb: KnowledgeBase) -> None:
    """`read_records(_many)` and the KnowledgeBase's `query_rows(_many)` are `read_rows` as dicts, in order."""
    any_kb.ingest_packets(_packets())
    texts = [CASES, CASES.replace("ORDER BY k", "ORDER BY k DESC"), CASES.replace("ORDER BY k", "ORDER BY k LIMIT 0")]
    wanted = []
    for text in texts:
        columns, rows = any_kb.engine.read_rows(text)
        wanted.append([dict(zip(columns, row, strict=True)) for row in rows])
        assert any_kb.engine.read_records(text) == wanted[-1]
    assert wanted[0] and wanted[0] == wanted[1][::-1]
    assert list(any_kb.engine.read_records_many([(t, None) for t in texts])) == wanted
    keys = [str(r["incident"]) for r in any_kb.query_rows("incidents")]
    columns, rows = any_kb.engine.read_rows(catalogue.query_text("packet_timeline", any_kb.dialect), {"keys": keys})
    # (rows of equal sort keys may come in another order from one read to the next)
    timeline = sorted((dict(zip(columns, row, strict=True)) for row in rows), key=repr)
    assert timeline and sorted(any_kb.query_rows("packet_timeline", keys=keys), key=repr) == timeline
    many = any_kb.query_rows_many(["packet_timeline", "incidents"], keys=keys)
    assert sorted(many["packet_timeline"], key=repr) == timeline
