"""Neo4j 5.26 LTS through the official driver: the server engine (and, via neo4j:// URIs, clusters)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kb.engines.base import (
    CatalogueText,
    Engine,
    EngineConflict,
    EngineError,
    EngineUnavailable,
    Params,
    Rows,
    Statement,
)
from kb.engines.faults import kill_point
from kb.engines.frames import frame, native_rows
from kb.engines.neo4j_driver import (
    AuthError,
    ConstraintError,
    DriverError,
    IncompleteCommit,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    neo4j,
    sendable,
)
from kb.engines.neo4j_rows import collected, collected_refused, returned_columns
from kb.engines.neo4j_settings import Neo4jSettings, cache_folder, description
from kb.engines.neo4j_timestamps import Hydrated, read_timestamps_as_utc
from kb.model.schema import NODE_BY_LABEL, REL_BY_TYPE, NodeSpec, PropKind, RelSpec
from kb.redaction import redact

if TYPE_CHECKING:  # pandas loads with the first frame, not with the engine
    import pandas as pd

_BULK_ROWS = 10_000
_PARALLEL_READS = 3
"""Reads of one batch (Engine.read_rows_many) at a time: each is a session, a connection and, on the
server, a query running on a core of its own."""
_T = TypeVar("_T")
_KNOWN_QUERIES = 1_000
"""How many read queries' column names an engine holds (the catalogue has ~100)."""


def _translate(exc: Exception, where: str, cypher: str | None = None) -> EngineError:
    """A driver or server error -> EngineError of the right kind, credentials redacted."""
    query = f"\nquery: {cypher.strip()[:500]}" if cypher else ""
    if isinstance(exc, AuthError):
        return EngineUnavailable(
            redact(f"Neo4j at {where} refused the credentials: check NEO4J_USERNAME and NEO4J_PASSWORD ({exc.message})")
        )
    if isinstance(exc, ConstraintError):
        return EngineConflict(redact(f"neo4j: {exc.message} (another writer stored it first)"))
    if isinstance(exc, IncompleteCommit):
        return EngineUnavailable(
            redact(
                f"the connection to Neo4j at {where} broke during a commit, whose "
                "outcome is unknown: run the command again (a re-ingest changes "
                "nothing that was already written)"
            )
        )
    if isinstance(exc, ServiceUnavailable | SessionExpired | DriverError | OSError):
        reason = " ".join(str(exc).split())  # the driver's text spans lines: keep the hint on the one line
        return EngineUnavailable(
            redact(f"cannot reach Neo4j at {where}: {reason}; check that the server runs and NEO4J_URI")
        )
    if isinstance(exc, Neo4jError):
        return EngineError(redact(f"neo4j: {exc.message}{query}"))
    # The driver refuses values it cannot send (an integer beyond 64 bits, an unknown type).
    return EngineError(redact(f"neo4j driver: {type(exc).__name__}: {exc}"))


_DRIVER_ERRORS = (Neo4jError, DriverError, OSError, ValueError, TypeError, OverflowError)


def _as_is(seen: Hydrated | None, before: int | None) -> bool:
    """True: no value of the read was hydrated by the driver's own functions since `before` (its rows
    then hold only values kb.engines.frames.native returns as they are)."""
    return seen is not None and seen.by_driver == before


def _by_records(
    tx: neo4j.ManagedTransaction, cypher: str, params: dict[str, Any]
) -> tuple[list[str], list[list[Any]], bool]:
    """The query's columns and rows read record by record, and whether they are as native makes them."""
    seen = read_timestamps_as_utc(tx)
    before = seen.by_driver if seen is not None else None
    result = tx.run(cypher, params)
    rows = [list(r.values()) for r in result]
    return list(result.keys()), rows, _as_is(seen, before)


def _side_by_side(
    read: Callable[[str, Params | None], _T], queries: Sequence[tuple[str, Params | None]]
) -> Iterator[_T]:
    """`read` of each query on sessions of their own, _PARALLEL_READS at a time, in the queries' order."""
    if len(queries) < 2:
        yield from (read(*q) for q in queries)
        return
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415 (only the batch reads start threads)

    with ThreadPoolExecutor(max_workers=min(_PARALLEL_READS, len(queries))) as pool:
        yield from pool.map(lambda q: read(*q), queries)


def _begun_side_by_side(
    read: Callable[[str, Params | None], _T], queries: Sequence[tuple[str, Params | None]]
) -> Iterator[_T]:
    """`_side_by_side`, with every read handed to its threads now. The pool is shut down at once
    (without waiting): its threads run what they were given and end, also when no answer is ever
    asked for. An answer's error is raised when that answer is asked for."""
    if len(queries) < 2:
        return _side_by_side(read, queries)
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415 (only the batch reads start threads)

    pool = ThreadPoolExecutor(max_workers=min(_PARALLEL_READS, len(queries)))
    futures = [pool.submit(read, *q) for q in queries]
    pool.shutdown(wait=False)
    return (future.result() for future in futures)


class Neo4jEngine(Engine):
    name = "neo4j"

    def __init__(self, settings: Neo4jSettings) -> None:
        self.settings = settings
        self._where = redact(settings.uri)
        self._columns: dict[str, tuple[str, ...] | None] = {}
        """Each read query's column names once known (None: read record by record)."""
        self.description = description(settings)
        try:
            self._driver = neo4j.GraphDatabase.driver(
                settings.uri,
                auth=(settings.user, settings.password),
                max_transaction_retry_time=settings.retry_seconds,
                connection_timeout=settings.connect_seconds,
                connection_acquisition_timeout=2 * settings.connect_seconds,
                # The driver logs every notification at WARNING, which Python prints to stderr
                # unconfigured: screenfuls for a property no stored data has yet. kb reads none.
                notifications_min_severity="OFF",
            )
        except _DRIVER_ERRORS as exc:  # a malformed URI
            raise EngineUnavailable(redact(f"NEO4J_URI {settings.uri!r} is not usable: {exc}")) from exc
        try:
            self._driver.verify_connectivity()
        except _DRIVER_ERRORS as exc:
            self._driver.close()
            raise _translate(exc, self._where) from exc

    def _session(self) -> neo4j.Session:
        return self._driver.session(database=self.settings.database)

    def apply_schema(self, nodes: Sequence[NodeSpec], rels: Sequence[RelSpec]) -> None:
        ddl = []
        for n in nodes:
            ddl.append(
                f"CREATE CONSTRAINT {n.label}_{n.key} IF NOT EXISTS FOR (n:{n.label}) REQUIRE n.{n.key} IS UNIQUE"
            )
            for prop in (("incident_key",) if n.owned else ()) + n.indexed:
                ddl.append(f"CREATE INDEX {n.label}_{prop} IF NOT EXISTS FOR (n:{n.label}) ON (n.{prop})")
        try:
            with self._session() as s:
                for stmt in ddl:
                    self._run(s, stmt)
                self._run(s, "CALL db.awaitIndexes(300)")
        except _DRIVER_ERRORS as exc:
            raise _translate(exc, self._where) from exc

    def _run(self, session: neo4j.Session, cypher: str, params: Params | None = None) -> None:
        try:
            session.run(cypher, sendable(dict(params or {}))).consume()
        except _DRIVER_ERRORS as exc:
            raise _translate(exc, self._where, cypher) from exc

    def _fetch(self, cypher: str, params: Params | None) -> tuple[list[str], list[list[Any]], bool]:
        """The result's column names and rows: as one record holding every row where the query can
        be wrapped so (kb.engines.neo4j_rows), else record by record. True third: the rows hold only
        values kb.engines.frames.native returns as they are (see kb.engines.neo4j_timestamps)."""
        values = sendable(dict(params or {}))
        known = self._columns.get(cypher, ())
        refused = False
        if known is not None:
            try:
                with self._session() as s:
                    return s.execute_read(self._fetch_collected, cypher, values, known)
            except Neo4jError as exc:
                if not collected_refused(exc):
                    raise _translate(exc, self._where, cypher) from exc
                refused = True  # the query as it is raises its own error, if it has one
            except _DRIVER_ERRORS as exc:
                raise _translate(exc, self._where, cypher) from exc

        try:
            with self._session() as s:
                answer = s.execute_read(_by_records, cypher, values)
        except _DRIVER_ERRORS as exc:
            raise _translate(exc, self._where, cypher) from exc
        if refused:  # not a query a subquery can hold: by records from now on
            self._remember(cypher, None)
        return answer

    def _remember(self, cypher: str, columns: tuple[str, ...] | None) -> None:
        if len(self._columns) >= _KNOWN_QUERIES:  # ad-hoc texts (notebooks) must not grow it without end
            self._columns.clear()
        self._columns[cypher] = columns

    def _fetch_collected(
        self, tx: neo4j.ManagedTransaction, cypher: str, params: dict[str, Any], known: tuple[str, ...]
    ) -> tuple[list[str], list[list[Any]], bool]:
        # From the text of a catalogue query, which says them (an EXPLAIN plans the query once more,
        # see neo4j_rows); any other text could say them wrongly to a parser, and is asked about.
        own = returned_columns(cypher) if isinstance(cypher, CatalogueText) else None
        columns = known or own or tuple(tx.run("EXPLAIN " + cypher, params).keys())
        wrapped = collected(cypher, columns)
        if wrapped is None:
            self._remember(cypher, None)
            return _by_records(tx, cypher, params)
        self._remember(cypher, columns)
        seen = read_timestamps_as_utc(tx)
        before = seen.by_driver if seen is not None else None
        record = tx.run(wrapped, params).single(strict=True)
        return list(columns), record[0], _as_is(seen, before)

    def read(self, cypher: str, params: Params | None = None) -> pd.DataFrame:
        columns, rows, as_is = self._fetch(cypher, params)
        return frame(columns, rows, as_is=as_is)

    def read_rows(self, cypher: str, params: Params | None = None) -> tuple[list[str], list[list[Any]]]:
        columns, rows, as_is = self._fetch(cypher, params)
        return columns, rows if as_is else native_rows(rows)

    def read_rows_many(
        self, queries: Sequence[tuple[str, Params | None]]
    ) -> Iterator[tuple[list[str], list[list[Any]]]]:
        """The reads on sessions of their own, _PARALLEL_READS at a time: the server runs each query on
        a core of its own while this process decodes the answers that have come (reading a whole
        corpus's packets, ~20 queries, the server's CPU was most of the wait). Answers come in the
        queries' order; one that finishes before the caller has taken those before it is held until
        then, so up to every answer of the batch may be in memory at once (as a list of them would)."""
        yield from _side_by_side(self.read_rows, queries)

    def read_records_many(self, queries: Sequence[tuple[str, Params | None]]) -> Iterator[list[dict[str, Any]]]:
        """`read_records` of each query, side by side as `read_rows_many` reads them."""
        yield from _side_by_side(self.read_records, queries)

    def read_many(self, queries: Sequence[tuple[str, Params | None]]) -> Iterator[pd.DataFrame]:
        """`read` of each query, side by side as `read_rows_many` reads them, begun when called (not
        when the first answer is asked for): a caller that starts them and then imports what computes
        on them (pandas, ~0.5 CPU s) has the server working meanwhile (kb metrics)."""
        return _begun_side_by_side(self.read, queries)

    def cast(self, expr: str, ptype: PropKind) -> str:
        # Neo4j is schema-free: only timestamps need spelling. They travel as ISO 8601 text
        # (see write) and become DateTime here; every other kind binds as sent.
        return f"datetime({expr})" if ptype is PropKind.TIMESTAMP else expr

    def write(self, statements: Sequence[Statement]) -> None:
        """Run write statements in one transaction.

        Timestamps in write parameters are sent as ISO 8601 text: the driver encodes a
        Python datetime at ~55 us a value, which made timestamps most of the cost of a
        batched ingest. Write statements bind them through `cast()`, i.e. datetime(...).
        """

        def work(tx: neo4j.ManagedTransaction) -> None:
            for i, (cypher, params) in enumerate(statements):
                tx.run(cypher, sendable(dict(params), iso_timestamps=True)).consume()
                if i == 0:
                    kill_point("write")
            kill_point("commit")

        try:
            with self._session() as s:
                s.execute_write(work)
        except _DRIVER_ERRORS as exc:
            raise _translate(exc, self._where) from exc
        kill_point("swap")

    bulk_packets_per_transaction = 500  # ~40,000 rows: comfortable in a 1 GB heap
    # Deleting and re-creating the same unique keys in one transaction costs Neo4j ~3x a
    # plain insert (measured: 6.7 s against 2.1 s for 500 packets), while MERGE is cheap.
    replace_by_reinsert = False

    def bulk_write(
        self,
        before: Sequence[Statement],
        label_rows: Mapping[str, Rows],
        rel_rows: Mapping[tuple[str, str, str], Rows],
        after: Sequence[Statement],
    ) -> None:
        # CREATE skips MERGE's lookup-and-lock per row (about a third faster for nodes,
        # more for relationships); all in one transaction.
        statements: list[Statement] = list(before)
        for label, rows in label_rows.items():
            spec = NODE_BY_LABEL[label]
            sets = ", ".join(f"n.{p} = {self.cast(f'r.{p}', t)}" for p, t in spec.all_props.items() if p != spec.key)
            cypher = f"UNWIND $rows AS r CREATE (n:{label} {{{spec.key}: r.{spec.key}}})" + (
                f" SET {sets}" if sets else ""
            )
            statements += [(cypher, {"rows": list(rows[i : i + _BULK_ROWS])}) for i in range(0, len(rows), _BULK_ROWS)]
        for (rtype, src, dst), rows in rel_rows.items():
            skey, dkey = NODE_BY_LABEL[src].key, NODE_BY_LABEL[dst].key
            props = REL_BY_TYPE[rtype].all_props
            sets = ", ".join(f"e.{p} = {self.cast(f'r.{p}', t)}" for p, t in props.items())
            cypher = (
                f"UNWIND $rows AS r MATCH (a:{src} {{{skey}: r.src}}) MATCH (b:{dst} {{{dkey}: r.dst}}) "
                f"CREATE (a)-[e:{rtype}]->(b)" + (f" SET {sets}" if sets else "")
            )
            statements += [(cypher, {"rows": list(rows[i : i + _BULK_ROWS])}) for i in range(0, len(rows), _BULK_ROWS)]
        self.write([*statements, *after])

    def snapshot(self) -> str | None:
        """The bookmark of an empty read transaction. Neo4j names in it the database and the last
        transaction committed on it, by any client (measured on Community 5.26: equal across reads,
        changed by every write, a kb write or another program's), so it is the id of the content
        a read sees now. Unlike an embedded connection's, it moves while a reader reads: whoever
        keeps something derived from the graph compares it before and after computing."""
        try:
            with self._session() as s:
                s.execute_read(lambda tx: tx.run("RETURN 1").consume())
                values = s.last_bookmarks().raw_values
        except _DRIVER_ERRORS:
            return None  # the server went away: keep nothing, the next read says why
        return "neo4j " + " ".join(sorted(values)) if values else None

    def cache_path(self, name: str) -> Path | None:
        """Files derived from the graph are kept in the user's cache (kb.engines.neo4j_settings)."""
        folder = cache_folder(self.settings)
        return None if folder is None else folder / name

    def reset(self) -> None:
        try:
            with self._session() as s:
                # Batched so that a large graph does not need one huge transaction. Relationships
                # first: DETACH DELETE of 10,000 nodes also deletes all their relationships in that
                # batch, which overflowed the server's transaction memory at 10,000 incidents.
                self._run(s, "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS")
                self._run(s, "MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 10000 ROWS")
        except _DRIVER_ERRORS as exc:
            raise _translate(exc, self._where) from exc

    def close(self) -> None:
        self._driver.close()


__all__ = ["Neo4jEngine", "Neo4jSettings"]  # Neo4jSettings lives in kb.engines.neo4j_settings; imported from here too
