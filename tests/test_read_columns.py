"""An engine's `read` gives the frame that its rows make (kb.engines.frames.frame): dtype for dtype and
cell for cell, None apart from NaN. Ladybug reads big results column by column through Arrow
(kb.engines.ladybug_columns); every analysis relies on the frames being what they were."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pandas as pd

from kb.demo import generate_corpus
from kb.engines.frames import frame
from kb.graph import catalogue
from kb.knowledge_base import KnowledgeBase
from kb.model import EventPacket
from kb.packets import read_packet

from .conftest import EXAMPLES

_EXAMPLE = re.compile(r"^//\s*example:\s*(\{.*\})\s*$", re.MULTILINE)
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def _packets() -> list[EventPacket]:
    return [read_packet(p) for p in sorted(EXAMPLES.glob("*.yaml"))] + generate_corpus(n_incidents=60, seed=5).packets


def _cell(value: Any) -> tuple[str, Any]:
    """A cell's type and value, comparable whatever order the engine gave rows and collect() lists in."""
    kind = type(value).__name__
    if isinstance(value, float) and math.isnan(value):
        return kind, "nan"
    if value is pd.NaT:
        return kind, "NaT"
    if isinstance(value, list):
        return kind, tuple(sorted((_cell(v) for v in value), key=repr))
    return kind, value


def assert_same_frame(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    assert type(got.index) is type(want.index) and got.index.equals(want.index)
    for column in want.columns:
        a, b = got[column], want[column]
        assert (str(a.dtype), type(a.array)) == (str(b.dtype), type(b.array)), column
    rows = [
        sorted((tuple(map(_cell, r)) for r in zip(*(df[c].tolist() for c in df.columns), strict=True)), key=repr)
        for df in (got, want)
    ]
    assert rows[0] == rows[1]


def _params(text: str, keys: list[str]) -> dict[str, Any]:
    found = _EXAMPLE.search(text)
    params: dict[str, Any] = json.loads(found.group(1)) if found else {}
    for p in set(_PARAM.findall(text)) - params.keys():
        params[p] = {"keys": keys, "key": keys[0], "incident": keys[0], "limit": 10}[p]
    return params


def test_every_catalogue_query_reads_as_its_rows(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets(_packets())
    keys = any_kb.query("incidents")["incident"].tolist()
    engine, dialect = any_kb.engine, any_kb.engine.name
    read = 0
    for name in catalogue.names():
        text = catalogue.query_text(name, dialect)
        params = _params(text, keys)
        got = engine.read(text, params)
        assert_same_frame(got, frame(*engine.read_rows(text, params)))
        read += len(got)
    assert read > 5_000  # the comparison covered real rows, not empty answers


CASES = """
MATCH (i:Incident)
RETURN i.key AS k, i.severity AS severity, i.started_at AS started_at,
       CASE WHEN i.severity > 2 THEN i.severity ELSE null END AS maybe_int,
       CASE WHEN i.severity > 2 THEN 1.5 ELSE null END AS maybe_float,
       CASE WHEN i.severity > 2 THEN true ELSE null END AS maybe_bool,
       i.severity > 2 AS flag,
       CASE WHEN i.severity > 2 THEN i.started_at ELSE null END AS maybe_ts,
       CASE WHEN i.severity > 2 THEN i.key ELSE null END AS maybe_text,
       CASE WHEN i.severity > 99 THEN i.key ELSE null END AS never_text,
       CASE WHEN i.severity > 99 THEN i.started_at ELSE null END AS never_ts,
       [i.key] AS one_list
ORDER BY k
"""


def test_nulls_and_kinds_read_as_their_rows(any_kb: KnowledgeBase) -> None:
    """The cells where a column-wise read could differ from the rows: integers, floats, booleans and
    timestamps with nulls, text with nulls, columns with no value at all, lists, no rows."""
    any_kb.ingest_packets(_packets())
    engine = any_kb.engine
    got = engine.read(CASES)
    assert_same_frame(got, frame(*engine.read_rows(CASES)))
    dtypes = {c: str(t) for c, t in got.dtypes.items()}
    assert dtypes["maybe_int"] == "float64" and dtypes["severity"] == "int64"
    assert dtypes["maybe_bool"] == "object" and dtypes["flag"] == "bool"
    assert dtypes["maybe_ts"] == dtypes["started_at"] and "UTC" in dtypes["started_at"]
    assert got["never_text"].tolist() == [None] * len(got) and dtypes["never_ts"] == "object"
    assert got["maybe_bool"].isna().any() and got["maybe_bool"].notna().any()  # the case is really mixed
    assert all(type(v) is list for v in got["one_list"])
    empty = CASES.replace("ORDER BY k", "ORDER BY k LIMIT 0")
    assert_same_frame(engine.read(empty), frame(*engine.read_rows(empty)))


def test_a_result_read_row_by_row_is_unchanged(any_kb: KnowledgeBase) -> None:
    """A column type the column-wise read does not convert (a list of timestamps) is read as before:
    its cells are lists of UTC datetimes."""
    any_kb.ingest_packets(_packets())
    cypher = "MATCH (i:Incident) RETURN i.key AS k, [i.started_at] AS times ORDER BY k"
    got = any_kb.engine.read(cypher)
    assert_same_frame(got, frame(*any_kb.engine.read_rows(cypher)))
    assert all(t.tzinfo is not None for (t,) in got["times"])
