"""Timestamps read from Neo4j: the engine makes UTC datetimes from the wire's fields
(kb.engines.neo4j_timestamps), which must be exactly what the driver's own DateTime gives
once made a UTC datetime (kb.engines.frames.native), whatever the zone and precision."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pandas as pd
import pytest
from neo4j import GraphDatabase

from kb.engines.frames import frame, native
from kb.engines.neo4j_engine import Neo4jSettings
from kb.engines.neo4j_timestamps import hydrating_utc, utc_datetime
from kb.knowledge_base import KnowledgeBase

STORED = [
    "2024-03-01T10:00:00.123456789+02:00",  # nanoseconds: truncated to microseconds
    "2024-03-01T10:00:00.999999999-05:30",
    "2024-12-31T23:59:59Z",
    "1969-07-20T20:17:40.5+00:00",  # before the epoch
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:30:00+00:30",
    "9999-12-31T23:59:59.999999Z",
    "2024-06-01T12:00:00[Europe/Berlin]",  # a named zone: hydrated by the driver, as before
]


def test_the_fields_make_the_driver_s_instant() -> None:
    from neo4j._codec.hydration.bolt.v2.temporal import hydrate_datetime

    seconds = [-62135596800, -1, 0, 1, 1_700_000_000, 253402300799]
    nanos = [0, 1, 999, 1000, 1500, 123456789, 999999999]
    offsets = [0, 3600, -19800, 45, -64800]
    hydrate = hydrating_utc(hydrate_datetime)
    failed = 0
    for s, ns, off in itertools.product(seconds, nanos, offsets):
        try:
            expected = native(hydrate_datetime(s, ns, off))  # type: ignore[no-untyped-call]
        except (OverflowError, TypeError, ValueError) as exc:  # beyond year 1-9999 in its zone
            failed += 1
            with pytest.raises(type(exc)):
                native(hydrate(s, ns, off))
            continue
        got = hydrate(s, ns, off)
        assert got == utc_datetime(s, ns, off)
        assert (got, got.tzinfo) == (expected, expected.tzinfo), (s, ns, off)
    assert failed, "the edges of the range are covered"


@pytest.mark.neo4j
def test_the_engine_reads_what_the_driver_reads(neo4j_kb: KnowledgeBase, neo4j_settings: Neo4jSettings) -> None:
    neo4j_kb.write([("UNWIND $at AS at CREATE (:Probe {n: at, at: datetime(at)})", {"at": STORED})])
    cypher = "MATCH (p:Probe) RETURN p.n AS n, p.at AS at, [p.at] AS ats ORDER BY n"
    with GraphDatabase.driver(neo4j_settings.uri, auth=(neo4j_settings.user, neo4j_settings.password)) as driver:
        records = driver.execute_query(cypher, database_=neo4j_settings.database).records
    expected = [[r["n"], native(r["at"]), [native(r["at"])]] for r in records]
    assert all(isinstance(row[1], datetime) and row[1].tzinfo is UTC for row in expected)
    for _ in range(2):  # the second read runs on a connection already switched
        _, rows = neo4j_kb.engine.read_rows(cypher)
        assert rows == expected
        assert [r[1].tzinfo for r in rows] == [UTC] * len(STORED)
    reference = frame(["n", "at", "ats"], [[r["n"], r["at"], [r["at"]]] for r in records])
    pd.testing.assert_frame_equal(neo4j_kb.engine.read(cypher), reference)


@pytest.mark.neo4j
def test_a_read_with_other_driver_values_still_gets_them_made_native(neo4j_kb: KnowledgeBase) -> None:
    """The engine skips the pass over every cell only for reads whose values were all plain or
    offset timestamps: one that also holds a Date, a named-zone DateTime or a Duration (hydrated
    by the driver's own functions) still gets Python values."""
    from datetime import date

    neo4j_kb.write([("CREATE (:Probe {at: datetime('2024-03-01T10:00:00+02:00')})", {})])
    plain = "MATCH (p:Probe) RETURN p.at AS at, [p.at] AS ats"
    others = (
        "MATCH (p:Probe) RETURN p.at AS at, date('2024-03-01') AS day, "
        "datetime('2024-06-01T12:00:00[Europe/Berlin]') AS zoned, duration('P1D') AS span"
    )
    utc = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    for _ in range(2):  # a fresh connection, then one already switched
        assert neo4j_kb.engine.read_rows(plain)[1] == [[utc, [utc]]]
        (at, day, zoned, span), *_ = neo4j_kb.engine.read_rows(others)[1]
        assert (at, day, zoned) == (utc, date(2024, 3, 1), datetime(2024, 6, 1, 10, 0, tzinfo=UTC))
        assert (type(day), zoned.tzinfo) == (date, UTC)
        assert native(span) == span  # (no Python value for a Duration: as the driver made it)
        df = neo4j_kb.engine.read(others)
        assert df["day"].tolist() == [date(2024, 3, 1)] and df["zoned"].tolist() == [pd.Timestamp(zoned)]
