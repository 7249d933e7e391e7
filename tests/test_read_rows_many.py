"""Engine.read_rows_many: a batch of reads (side by side on Neo4j) answers each query as `read_rows`
does, in the order asked, and a failing query fails the batch with its own error."""

from __future__ import annotations

import pytest

from kb.engines import EngineError
from kb.knowledge_base import KnowledgeBase

QUERIES = [
    ("UNWIND range(1, $n) AS x RETURN x AS n, x * 2 AS twice ORDER BY n", {"n": 300}),
    ("UNWIND range(1, 3) AS x RETURN x * 10 AS n ORDER BY n DESC", None),
    ("UNWIND range(1, $n) AS x RETURN x AS n ORDER BY n", {"n": 0}),  # no rows
    ("UNWIND [2, 1] AS x RETURN x AS n, [x, x] AS xs ORDER BY n", {}),
]


def test_a_batch_answers_each_query_as_one_read_does(any_kb: KnowledgeBase) -> None:
    one_by_one = [any_kb.engine.read_rows(cypher, params) for cypher, params in QUERIES]
    assert [len(rows) for _, rows in one_by_one] == [300, 3, 0, 2]
    assert list(any_kb.engine.read_rows_many(QUERIES)) == one_by_one
    assert list(any_kb.engine.read_rows_many(QUERIES[1:2])) == one_by_one[1:2]


def test_a_failing_query_fails_the_batch_with_its_error(any_kb: KnowledgeBase) -> None:
    with pytest.raises(EngineError):
        list(any_kb.engine.read_rows_many([QUERIES[1], ("RETURN nosuchfunction(1) AS x", None), QUERIES[0]]))
