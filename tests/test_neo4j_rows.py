"""Neo4j reads fetch a result's rows as one record (kb.engines.neo4j_rows): the same columns, rows and
order as record by record, and a query that cannot be wrapped is read as it is."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import ManagedTransaction
from neo4j.exceptions import Neo4jError

from kb.engines import EngineError
from kb.engines.neo4j_rows import collected, collected_refused, returned_columns
from kb.graph import catalogue
from kb.knowledge_base import KnowledgeBase

pytestmark = pytest.mark.neo4j


def test_only_queries_whose_columns_are_names_are_wrapped() -> None:
    assert collected("MATCH (n) RETURN n.key AS key ORDER BY key;", ["key"]) == (
        "CALL {\nMATCH (n) RETURN n.key AS key ORDER BY key\n}\nRETURN collect([`key`]) AS kb_rows"
    )
    assert collected("MATCH (n) RETURN count(n)", ["count(n)"]) is None
    assert collected("EXPLAIN MATCH (n) RETURN n", ["n"]) is None
    assert collected("MATCH (n) RETURN n AS kb_rows", ["kb_rows"]) is None
    assert collected("CALL db.labels()", []) is None


def _by_records(kbase: KnowledgeBase, cypher: str) -> tuple[list[str], list[list[object]]]:
    known = kbase.engine._columns  # type: ignore[attr-defined]
    known[cypher] = None  # read record by record
    try:
        return kbase.engine.read_rows(cypher)
    finally:
        known.pop(cypher)


@pytest.mark.parametrize(
    "cypher",
    [
        # ordered, with a trailing comment, a null, a list, a timestamp and a node
        "UNWIND range(5, 1, -1) AS x RETURN x AS n, CASE WHEN x > 2 THEN [x, x] END AS xs, "
        "datetime({epochSeconds: x * 86400}) AS at, {k: x} AS m ORDER BY n DESC // five rows",
        "MATCH (n:NoSuchLabel) RETURN n.key AS key",  # no rows
        "RETURN 1 AS one UNION RETURN 2 AS one",
        "UNWIND [3, 1, 2] AS x RETURN count(x) AS `count`",  # a column named like a function
    ],
)
def test_rows_read_as_one_record_equal_the_records(neo4j_kb: KnowledgeBase, cypher: str) -> None:
    whole = neo4j_kb.engine.read_rows(cypher)
    assert neo4j_kb.engine._columns[cypher] is not None  # type: ignore[attr-defined]  # read as one record
    assert whole == _by_records(neo4j_kb, cypher)


def test_queries_that_cannot_be_wrapped_are_read_as_they_are(neo4j_kb: KnowledgeBase) -> None:
    assert neo4j_kb.engine.read_rows("UNWIND [1, 2] AS x RETURN x + 1") == (["x + 1"], [[2], [3]])
    columns, rows = neo4j_kb.engine.read_rows("CALL db.labels()")
    assert columns == ["label"]
    assert neo4j_kb.engine._columns["CALL db.labels()"] is None  # type: ignore[attr-defined]
    assert neo4j_kb.engine.read_rows("CALL db.labels()")[0] == ["label"]  # and again, by records from the start


def test_a_bad_query_raises_its_own_error(neo4j_kb: KnowledgeBase) -> None:
    with pytest.raises(EngineError, match="RETRUN"):
        neo4j_kb.engine.read_rows("MATCH (n) RETRUN n AS n")
    with pytest.raises(EngineError, match="Expected parameter"):
        neo4j_kb.engine.read_rows("MATCH (n) WHERE n.key = $missing RETURN n.key AS key")
    # the failure did not stop the query from being read whole later, with its parameter
    assert neo4j_kb.engine.read_rows("UNWIND $xs AS x RETURN x AS x", {"xs": [1]}) == (["x"], [[1]])


def test_the_wrapped_form_gives_way_to_records_on_refusals_and_on_memory_only() -> None:
    """Community 5.26 cannot lower its transaction memory at run time (no dbms.setConfigValue), so
    the server's own error objects, as the driver makes them from a reply, stand in for its replies."""

    def reply(code: str) -> Neo4jError:
        return Neo4jError._hydrate_neo4j(code=code, message="m")

    assert collected_refused(reply("Neo.ClientError.Statement.SyntaxError"))
    assert collected_refused(reply("Neo.TransientError.General.MemoryPoolOutOfMemoryError"))
    assert not collected_refused(reply("Neo.ClientError.Security.Forbidden"))
    assert not collected_refused(reply("Neo.TransientError.Transaction.DeadlockDetected"))


@pytest.mark.parametrize(
    ("cypher", "columns"),
    [
        ("MATCH (n) RETURN n.key AS key ORDER BY key;", ("key",)),
        ("MATCH (n) RETURN DISTINCT n, n.x AS y // a comment, z\nLIMIT 3", ("n", "y")),
        ("RETURN 1 AS one UNION RETURN 2 AS one", ("one",)),
        ("MATCH (a) CALL (a) { RETURN a.k AS k } RETURN k, 'x, AS y' AS s, [1, 2] AS l", ("k", "s", "l")),
        ("MATCH (n) WITH n.return AS r RETURN count(*) AS n, {a: 1, b: r} AS m SKIP 1", ("n", "m")),
        ("RETURN CASE WHEN 1 > 0 THEN 'a' ELSE 'b' END AS c, /* RETURN x AS y */ 2 AS d", ("c", "d")),
    ],
)
def test_columns_are_read_from_a_final_return_of_names(cypher: str, columns: tuple[str, ...]) -> None:
    assert returned_columns(cypher) == columns


@pytest.mark.parametrize(
    "cypher",
    [
        "MATCH (n) RETURN count(n)",  # not a name: the server names it
        "MATCH (n) RETURN *",
        "UNWIND [3] AS x RETURN count(x) AS `count`",  # a quoted name
        "CALL db.labels()",
        "MATCH (n) RETURN n.key AS key, 'unclosed AS s",
        "MATCH (n) WHERE n.x IN [1, 2 RETURN n AS n",
    ],
)
def test_columns_the_text_does_not_make_plain_are_left_to_the_server(cypher: str) -> None:
    assert returned_columns(cypher) is None


def _texts() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name in catalogue.names():
        out.append((name, catalogue.query_text(name, "neo4j")))
        every = catalogue.query_text_every(name, "neo4j")
        if every is not None:
            out.append((f"{name} (every incident)", every))
    return out


def test_every_catalogue_query_names_its_columns_as_the_server_does(neo4j_kb: KnowledgeBase) -> None:
    """Each catalogue query is read without an EXPLAIN for its columns: what the text says must be
    what the server answers, for every one of them."""
    engine = neo4j_kb.engine
    with engine._session() as s:  # type: ignore[attr-defined]
        for name, text in _texts():
            params = dict.fromkeys(catalogue.parameters(name.split()[0]))
            server = tuple(s.run("EXPLAIN " + text, params).keys())
            assert returned_columns(text) == server, name


def test_a_read_whose_text_names_its_columns_asks_the_server_once(
    neo4j_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[str] = []
    real_run = ManagedTransaction.run

    def recording_run(self: ManagedTransaction, query: Any, parameters: Any = None, **kwargs: Any) -> Any:
        sent.append(str(query))
        return real_run(self, query, parameters, **kwargs)

    monkeypatch.setattr(ManagedTransaction, "run", recording_run)
    text = catalogue.query_text("incidents", "neo4j")
    assert neo4j_kb.engine.read_rows(text) == (["incident", "title", "severity", "started_at", "resolved_at"], [])
    assert not [q for q in sent if q.startswith("EXPLAIN")]
    assert len([q for q in sent if "kb_rows" in q]) == 1
    # the catalogue's text said them; any other text is asked about, however plainly it names them
    sent.clear()
    assert neo4j_kb.engine.read_rows("UNWIND [1] AS x RETURN x, count(*) AS n")[0] == ["x", "n"]
    assert [q for q in sent if q.startswith("EXPLAIN")] == ["EXPLAIN UNWIND [1] AS x RETURN x, count(*) AS n"]
    assert neo4j_kb.engine.read_rows("UNWIND [2] AS x RETURN x AS `a b`") == (["a b"], [[2]])
    assert [q for q in sent if q.startswith("EXPLAIN")][-1] == "EXPLAIN UNWIND [2] AS x RETURN x AS `a b`"


# A variable named `return` makes the text's last RETURN word the variable: the parser then sees one
# column, `b`, where the server answers two.
FOOLING = "UNWIND [1] AS return RETURN 1 AS a, return AS b"


def test_an_ad_hoc_query_gets_its_columns_from_the_server_not_its_text(neo4j_kb: KnowledgeBase) -> None:
    assert returned_columns(FOOLING) == ("b",)  # what reading the text would have said
    expected = (["a", "b"], [[1, 1]])
    assert neo4j_kb.engine.read_rows(FOOLING) == expected
    assert neo4j_kb.engine._columns[FOOLING] == ("a", "b")  # type: ignore[attr-defined]  # and read as one record
    assert neo4j_kb.engine.read_rows(FOOLING) == expected  # again, from the columns it holds
    frame = neo4j_kb.cypher(FOOLING + " // a notebook's")
    assert list(frame.columns) == ["a", "b"] and frame.to_numpy().tolist() == [[1, 1]]
