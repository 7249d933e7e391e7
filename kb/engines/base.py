"""The engine interface: everything the rest of kb may ask of a graph database."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only for the annotations: `kb --help` need not import pandas or the models
    import pandas as pd

    from kb.model.schema import NodeSpec, PropKind, RelSpec

Params = Mapping[str, Any]
Statement = tuple[str, Params]


class CatalogueText(str):
    """The text of one of the project's own catalogue queries (kb.graph.catalogue makes them): its
    final RETURN names its columns as the server does (tests/test_neo4j_rows.py checks each against
    Neo4j), so an engine may read the names from the text. Any other text (a notebook's, a script's)
    is a plain str, whose columns an engine must ask the database for."""

    __slots__ = ()


class EngineError(RuntimeError):
    """A database refused a query or could not be reached; the message says which."""


class EngineUnavailable(EngineError):
    """The database cannot be reached or opened: no write can succeed, so none is retried."""


class EngineConflict(EngineError):
    """A concurrent writer stored a key this write meant to create (retry it as a replacement)."""


class DatabaseMissing(EngineError):
    """A read-only open of an embedded database that does not exist yet (it cannot be created read-only)."""


def cache_dir() -> Path:
    """Where files derived from a server's graph are kept: KB_CACHE_DIR, else the XDG cache folder
    (~/.cache/incident-kb). An embedded database keeps them beside its file instead."""
    if os.environ.get("KB_CACHE_DIR"):
        return Path(os.environ["KB_CACHE_DIR"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser() / "incident-kb"


class Packed(list[Any]):
    """One table's rows in an engine's compact form: the parts `Engine.pack` made, in order."""


Rows = Sequence[Mapping[str, Any]] | Packed
"""What `bulk_write` inserts into one table: rows, or parts the engine packed itself."""


class Engine(ABC):
    """A graph database behind one Cypher dialect.

    `name` doubles as the dialect name for cypher/<name>/ override files.
    """

    name: str
    description: str
    read_only: bool = False
    """Opened for reading only: the engine refuses writes (and, embedded, takes no lock)."""
    pinned_snapshot: bool = False
    """Between its own writes this connection sees no other writer's, so a snapshot id read once
    holds for every read until it writes (an embedded file behind a writer lock). A server's reads
    see other clients' writes as they commit: what is kept is checked before and after computing."""

    @abstractmethod
    def apply_schema(self, nodes: Sequence[NodeSpec], rels: Sequence[RelSpec]) -> None:
        """Create tables / constraints / indexes; safe to call on an existing database."""

    @abstractmethod
    def read(self, cypher: str, params: Params | None = None) -> pd.DataFrame:
        """Run a read query (a read transaction, so a cluster can route it)."""

    @abstractmethod
    def read_rows(self, cypher: str, params: Params | None = None) -> tuple[list[str], list[list[Any]]]:
        """`read` without pandas: the column names and the rows as plain Python values (timestamps
        as UTC datetimes), for the commands that must start fast (`kb stats`)."""

    def read_many(self, queries: Sequence[tuple[str, Params | None]]) -> Iterator[pd.DataFrame]:
        """`read` of each query, in the given order, each made when it is asked for. An engine that
        can run them side by side does (a server plans and runs one while this process makes the
        frame of another), and may begin them when called, before any answer is asked for."""
        for cypher, params in queries:
            yield self.read(cypher, params)

    def read_rows_many(
        self, queries: Sequence[tuple[str, Params | None]]
    ) -> Iterator[tuple[list[str], list[list[Any]]]]:
        """`read_rows` of each query, in the given order (each its own read, as one by one), each
        made when it is asked for. An engine that can run them side by side does (a server's reads
        of a whole corpus are its CPU)."""
        for cypher, params in queries:
            yield self.read_rows(cypher, params)

    def read_records(self, cypher: str, params: Params | None = None) -> list[dict[str, Any]]:
        """`read_rows` as a dict per row (column name -> value). An engine that gets a result column
        by column makes the dicts from the columns, without a list per row first."""
        columns, rows = self.read_rows(cypher, params)
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def read_records_many(self, queries: Sequence[tuple[str, Params | None]]) -> Iterator[list[dict[str, Any]]]:
        """`read_records` of each query, in the given order, each made when it is asked for. An engine
        that reads side by side (`read_rows_many`) does so here too."""
        for cypher, params in queries:
            yield self.read_records(cypher, params)

    @abstractmethod
    def write(self, statements: Sequence[Statement]) -> None:
        """Run write statements in one transaction: all of them or none."""

    def snapshot(self) -> str | None:
        """An id of the database's content as this connection sees it, which any write changes;
        None when the engine cannot tell (then nothing derived from the graph is kept on disk)."""
        return None

    def cache_path(self, name: str) -> Path | None:
        """Where a cache derived from this database's content may be kept (None: nowhere)."""
        return None

    def live_snapshot(self) -> str | None:
        """The id of the database's content now, whatever this connection sees (a pinned reader's
        `snapshot` stays at the content it opened); None when unknown."""
        return self.snapshot()

    def cast(self, expr: str, ptype: PropKind) -> str:
        """A Cypher expression that binds `expr` as a property of kind `ptype`, spelled the
        engine's way (Ladybug needs explicit casts)."""
        return expr

    replace_by_reinsert: bool = True
    """Replace a stored incident by delete + bulk insert (True), or in place with MERGE (False)."""

    bulk_packets_per_transaction: int = 1000
    """How many packets' rows one `bulk_write` should carry (what the engine's bulk path digests best)."""

    def packets_per_transaction(self, stored: int) -> int:
        """How many packets one `bulk_write` should carry into a graph of `stored` incidents."""
        return self.bulk_packets_per_transaction

    insert_new_shared: bool = False
    """Shared nodes (services, work items...) not stored yet go through `bulk_write`'s insert
    path instead of MERGE. Only where no other writer can store the same key between the
    lookup and the write (Ladybug's writer holds a lock)."""

    staged_packets_per_transaction: int = 0
    """How many new packets' rows an ingest may hold packed (`pack`) and write in one `bulk_write`
    (0: the engine packs nothing; each batch of `packets_per_transaction` is written as read)."""

    def staged_packets(self, stored: int) -> int:
        """How many new packets' rows an ingest may hold packed and write in one `bulk_write` into a
        graph of `stored` incidents (0: none; see `staged_packets_per_transaction`)."""
        return self.staged_packets_per_transaction

    packer: str | None = None
    """A module that packs rows as `pack` does, importable without the engine, so that the processes
    reading packet files pack their rows (kb.graph.rows.pack_task): `pack(rows, kinds)` (a part or None),
    `piece(part, start, stop)` (rows start..stop of a part), `unpack(part)` (its rows as dicts, which
    write what the part writes), `to_bytes(part)` and `from_bytes(data)` (a part across processes), and
    `load()` (import what packing needs). None: the engine packs nothing there."""

    def pack(self, rows: Sequence[Mapping[str, Any]], kinds: Mapping[str, PropKind]) -> Any | None:
        """`rows` of one table in a compact form of the engine's own, one part of a `Packed` that
        `bulk_write` takes in place of rows; None if the engine has none or cannot pack these values
        (they are then written as rows, by the path that finds the packet the engine refuses)."""
        return None

    @abstractmethod
    def bulk_write(
        self,
        before: Sequence[Statement],
        label_rows: Mapping[str, Rows],
        rel_rows: Mapping[tuple[str, str, str], Rows],
        after: Sequence[Statement],
    ) -> None:
        """In one transaction: run `before`, insert rows known not to exist (no lookups,
        no MERGE), then run `after`. The fast path of every ingest."""

    @abstractmethod
    def reset(self) -> None:
        """Delete every node and relationship (keeps the schema)."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
