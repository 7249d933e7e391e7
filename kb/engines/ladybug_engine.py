"""LadybugDB: the embedded default. A file on disk, no server.

Writes never change the live file in place: they run on a copy that is swapped in
atomically (kb.engines.ladybug_files), so a kill -9 at any moment leaves the database
as it was before the write or as it is after it."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ladybug

from kb.engines import arrow_rows
from kb.engines import ladybug_columns as columnar
from kb.engines import ladybug_files as files
from kb.engines import ladybug_rows as arrow_reads
from kb.engines.base import DatabaseMissing, Engine, EngineError, EngineUnavailable, Packed, Params, Rows, Statement
from kb.engines.faults import kill_point
from kb.engines.frames import frame, native_rows, to_utc_naive
from kb.model.schema import NODE_BY_LABEL, REL_BY_TYPE, NodeSpec, PropKind, RelSpec

if TYPE_CHECKING:  # pandas and pyarrow load when first used: opening a database and `kb stats` need neither
    import pandas as pd
    import pyarrow as pa

# How Ladybug spells each property kind of the schema.
LADYBUG_TYPES: dict[PropKind, str] = {
    PropKind.STRING: "STRING",
    PropKind.INT: "INT64",
    PropKind.FLOAT: "DOUBLE",
    PropKind.BOOL: "BOOLEAN",
    PropKind.TIMESTAMP: "TIMESTAMP",
    PropKind.STRING_LIST: "STRING[]",
}


MEMORY = ":memory:"
SMALL_TABLE_ROWS = 200
"""A COPY costs a tenth of a second however few its rows (30 tables made most of a 10-packet ingest):
a table of fewer rows is written with UNWIND CREATE, the same values cast to the same types."""


def _copy_or_create(rows: Rows, kinds: Mapping[str, PropKind]) -> tuple[pa.Table | None, Sequence[Mapping[str, Any]]]:
    """One table's rows as an Arrow table to COPY, or (None, the rows) to create one by one."""
    if isinstance(rows, Packed):  # Arrow tables already (`pack`), one per read chunk, in order
        if sum(part.num_rows for part in rows) < SMALL_TABLE_ROWS:
            return None, [row for part in rows for row in part.to_pylist()]
        return (rows[0] if len(rows) == 1 else columnar.pyarrow_module().concat_tables(rows)), ()
    if len(rows) < SMALL_TABLE_ROWS:
        return None, rows
    return arrow_rows.arrow_table(rows, kinds), ()


def _open_error(path: Path, exc: BaseException) -> str:
    """One line that says who holds the database and what to do, for the common case of a lock."""
    held = re.search(r"[Ll]ock is held by PID (\d+)", str(exc))
    if held:
        return files.busy_message(path, int(held.group(1)))
    return f"cannot open the Ladybug database at {path}: {str(exc).splitlines()[0]}"


class LadybugEngine(Engine):
    name = "ladybug"
    pinned_snapshot = True  # a reader's file is fixed when opened; one writer at a time holds the lock

    def __init__(self, path: str | Path, read_only: bool = False) -> None:
        self.read_only = read_only
        self._lock = threading.Lock()  # one connection is not safe for concurrent use (widget callbacks)
        self._writer: files.WriterLock | None = None
        # ":memory:" is a database that lives and dies with the process (tests, scratch work):
        # nothing on disk to protect, so writes are plain transactions, not copies swapped in.
        self.in_memory = str(path).strip() == MEMORY
        if Path(str(path).strip()).name == MEMORY and not self.in_memory:
            # "/repo/:memory:" (a caller that made the path absolute or joined it to a folder) would
            # be an on-disk database named like the in-memory one: a stray file, never what was meant.
            raise EngineUnavailable(
                f"the database path {path} ends in {MEMORY}: {MEMORY} alone means a database in memory, "
                f"and a file of that name is refused (give {MEMORY}, or another file name)"
            )
        self._snapshot: str | None = None
        if self.in_memory:
            if read_only:  # Ladybug refuses it, and a fresh in-memory database has nothing to read
                raise EngineUnavailable(
                    f"{MEMORY} is a new, empty database in memory: it cannot be opened read-only "
                    "(a command that only reads would find nothing there); give the path of a database file"
                )
            self.path = Path(MEMORY)
            self.description = "ladybug (embedded) in memory"
            self._db, self._conn = self._open_pair(self.path)
            return
        self.path = Path(path).expanduser()
        self.description = files.description(self.path, read_only)
        if read_only:
            # Readers take no lock and touch no file of a writer's (its write copy included):
            # any number of them run beside one writer, and see the last complete write.
            if not self.path.exists():
                raise DatabaseMissing(f"no Ladybug database at {self.path}")
            self._db, self._conn = self._open_pair(self.path)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = files.WriterLock(self.path)
        files.clean_leftovers(self.path)
        copy = files.write_copy_path(self.path)
        try:
            if not self.path.exists():  # even an empty database is made aside and swapped in
                self._close_pair(*self._open_pair(copy, writable=True))
                files.swap_in(copy, self.path)
                files.discard(copy)
            if files.pending_recovery(self.path):
                # Ladybug's own log or shadow pages beside the file: it replays them when opened
                # for writing, so let it, once, before the live file is only ever read.
                self._close_pair(*self._open_pair(self.path, writable=True))
            files.name_unknown_content(self.path)
            self._db, self._conn = self._open_pair(self.path)
        except EngineError:
            self._writer.release()
            raise

    def _open_pair(self, path: Path, writable: bool = False) -> tuple[ladybug.Database, ladybug.Connection]:
        """Open a database file: the live one read-only (a writer included: its writes go to a copy,
        and Ladybug checkpoints a writable file as it closes, with files of its own beside the live
        one that a kill would leave), a copy or an in-memory database for writing."""
        try:
            before = files.read_generation(path)
            db = ladybug.Database(str(path), read_only=not (writable or self.in_memory))
            # Every kb write swaps in a new file and gives it a new generation id: the id names the
            # content this connection sees, unless a write swapped the file between the two looks.
            after = files.read_generation(path)
            self._snapshot = before if path == self.path and before == after else None
            return db, ladybug.Connection(db)
        except (RuntimeError, MemoryError) as exc:  # a damaged WAL also surfaced as std::bad_alloc
            hint = files.recovery_hint(path, str(exc), read_only=self.read_only)
            raise EngineUnavailable(hint or _open_error(path, exc)) from exc

    @staticmethod
    def _close_pair(db: ladybug.Database, conn: ladybug.Connection) -> None:
        conn.close()
        db.close()

    def _execute(self, cypher: str, params: Params | None = None) -> Any:
        try:
            return self._conn.execute(cypher, to_utc_naive(dict(params or {})))
        except (RuntimeError, ValueError, TypeError, OverflowError) as exc:  # bad values surface as these too
            if self.read_only and "Cannot find property" in str(exc):
                # A database made by an older version gains new properties only when opened for writing.
                raise EngineUnavailable(
                    f"{self.description}: made by an older version of incident-kb and opened read-only, so it "
                    f"lacks a property this version reads ({exc}); run `kb init` once to add it"
                ) from exc
            kind = EngineUnavailable if str(exc).startswith("IO exception") else EngineError
            raise kind(f"ladybug: {exc}\nquery: {cypher.strip()[:500]}") from exc

    def apply_schema(self, nodes: Sequence[NodeSpec], rels: Sequence[RelSpec]) -> None:
        # Only what is missing, so opening a database with its schema in place writes nothing.
        have = {name for (name,) in self.read_rows("CALL show_tables() RETURN name")[1]}
        ddl: list[Statement] = []
        for n in nodes:
            if n.label not in have:
                cols = ", ".join(f"{p} {LADYBUG_TYPES[t]}" for p, t in n.all_props.items())
                ddl.append((f"CREATE NODE TABLE IF NOT EXISTS {n.label}({cols}, PRIMARY KEY ({n.key}))", {}))
        for r in rels:
            if r.type not in have:
                pairs = ", ".join(f"FROM {a} TO {b}" for a, b in r.pairs)
                props = "".join(f", {p} {LADYBUG_TYPES[t]}" for p, t in r.all_props.items())
                ddl.append((f"CREATE REL TABLE IF NOT EXISTS {r.type}({pairs}{props})", {}))
        # A database made by an older version lacks properties added since: add them (at
        # the end, where the schema appends new ones), else every COPY into it fails.
        tables = [(n.label, n.all_props) for n in nodes] + [(r.type, r.all_props) for r in rels]
        for table, columns in tables:
            if table not in have:
                continue
            known = {row[1] for row in self.read_rows(f"CALL table_info('{table}') RETURN *")[1]}
            ddl += [
                (f"ALTER TABLE {table} ADD {prop} {LADYBUG_TYPES[ptype]}", {})
                for prop, ptype in columns.items()
                if prop not in known
            ]
        if ddl:
            self.write(ddl)

    def read_rows(self, cypher: str, params: Params | None = None) -> tuple[list[str], list[list[Any]]]:
        columns, rows = self._read_columns_or_rows(cypher, params)
        if isinstance(rows, arrow_reads.Columns):
            return columns, arrow_reads.rows_of(rows)
        return columns, rows

    def read_records(self, cypher: str, params: Params | None = None) -> list[dict[str, Any]]:
        columns, rows = self._read_columns_or_rows(cypher, params)
        if isinstance(rows, arrow_reads.Columns):
            return arrow_reads.records_of(columns, rows)  # (no list per row on the way: kb check --all's reads)
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def _read_columns_or_rows(
        self, cypher: str, params: Params | None
    ) -> tuple[list[str], arrow_reads.Columns | list[list[Any]]]:
        """The result's column names and its values: a big one column by column through Arrow where that
        gives the same values (kb.engines.ladybug_rows), else its rows."""
        with self._lock:
            result = self._execute(cypher, params)
            columns = result.get_column_names()
            if arrow_reads.through_arrow(result.get_num_tuples()):
                types = result.get_column_data_types()
                if arrow_reads.convertible(columns, types):
                    columnar.pyarrow_module()  # (Arrow's buffers from the system allocator, before the first)
                    values = arrow_reads.arrow_columns(types, result.get_as_arrow())
                    if values is not None:
                        return columns, values
                    result = self._execute(cypher, params)  # (a column not as expected: row by row)
            rows = result.get_all()
        return columns, native_rows(rows)

    def read(self, cypher: str, params: Params | None = None) -> pd.DataFrame:
        # Column by column through Arrow where the frame comes out the same (kb.engines.ladybug_columns).
        with self._lock:
            result = self._execute(cypher, params)
            columns, types = result.get_column_names(), result.get_column_data_types()
            if columnar.convertible(columns, types):
                return columnar.columnar_frame(columns, types, result.get_as_arrow())
            rows = result.get_all()
        return frame(columns, rows)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """Run the block on a copy of the database and swap the copy in: all of it or none,
        also under kill -9 (the live file is never written in place)."""
        if self.read_only:
            raise EngineError(
                f"{self.description}: opened read-only, so it cannot be written; "
                "run the command that writes without read-only"
            )
        if self.in_memory:
            with self._lock:
                self._execute("BEGIN TRANSACTION")
                try:
                    yield
                except BaseException:
                    with contextlib.suppress(EngineError):  # the block's own error is what surfaces
                        self._execute("ROLLBACK")
                    raise
                self._execute("COMMIT")
            return
        copy = files.write_copy_path(self.path)
        with self._lock:
            self._close_pair(self._db, self._conn)
            try:
                files.copy_for_write(self.path, copy)
                self._db, self._conn = self._open_pair(copy, writable=True)
            except OSError as exc:
                self._db, self._conn = self._open_pair(self.path)
                raise EngineUnavailable(f"cannot copy {self.path} for writing: {exc}") from exc
            except BaseException:
                self._db, self._conn = self._open_pair(self.path)
                raise
            try:
                # Statements auto-commit on the copy: the swap is the commit, and a failed
                # statement leaves no transaction to roll back (a ROLLBACK after Ladybug ended
                # one itself raised "No active transaction" and hid the real error).
                yield
                kill_point("commit")
                self._execute("CHECKPOINT")
            except BaseException:
                # No ROLLBACK: the copy is dropped, so the engine's own error is what surfaces.
                with contextlib.suppress(Exception):
                    self._close_pair(self._db, self._conn)
                files.discard(copy)
                self._db, self._conn = self._open_pair(self.path)
                raise
            self._close_pair(self._db, self._conn)
            try:
                files.swap_in(copy, self.path)
            except OSError as exc:
                files.discard(copy)
                self._db, self._conn = self._open_pair(self.path)
                raise EngineUnavailable(f"cannot replace {self.path} with its written copy: {exc}") from exc
            kill_point("swap")
            files.discard(copy)  # what Ladybug may have left beside the copy, so no later copy replays it
            self._db, self._conn = self._open_pair(self.path)

    def write(self, statements: Sequence[Statement]) -> None:
        with self._transaction():
            for i, (cypher, params) in enumerate(statements):
                self._execute(cypher, params)
                if i == 0:
                    kill_point("write")

    def snapshot(self) -> str | None:
        return None if self.in_memory else self._snapshot

    def cache_path(self, name: str) -> Path | None:
        return None if self.in_memory else self.path.with_name(f"{self.path.name}.{name}")

    def live_snapshot(self) -> str | None:
        return None if self.in_memory else files.read_generation(self.path)

    def cast(self, expr: str, ptype: PropKind) -> str:
        # Ladybug infers a parameter's type from its values: a column that is null
        # (or an empty list) in every row would bind as STRING and be rejected.
        return f"CAST({expr} AS {LADYBUG_TYPES[ptype]})"

    # Each COPY and each write copy has a fixed cost (fewer, larger loads), but a batch is held in
    # memory whole: a 10,000-file ingest peaked at 1.7 GB in one batch, at 0.92 GB in batches of
    # 2,500 (without the after-ingest hooks; bench/bench_scale.py).
    bulk_packets_per_transaction = 2_500
    # Each transaction also copies the whole file and pays each COPY's fixed cost: at 2,500 packets a
    # transaction, loading 100,000 incidents copied ~40 files of up to 870 MB (~20 GB, a file's worth for
    # every 2,500 packets). A transaction of at least 1/TRANSACTION_SHARE of the stored incidents copies
    # ~1.1x the bytes it adds instead, up to MAX_PACKETS_PER_TRANSACTION, where a batch's rows (~0.3 GB
    # per 2,500 packets) stay below what the after-ingest hooks hold at that size.
    TRANSACTION_SHARE = 8
    MAX_PACKETS_PER_TRANSACTION = 10_000

    def packets_per_transaction(self, stored: int) -> int:
        grown = min(stored // self.TRANSACTION_SHARE, self.MAX_PACKETS_PER_TRANSACTION)
        return max(self.bulk_packets_per_transaction, grown)

    # A COPY into a table that holds rows costs ~3-5x one into an empty table (Ladybug checkpoints what
    # the transaction wrote before it): 4 transactions of 2,500 packets COPYed 129 times for 12.9 CPU s
    # at 10,000 packets. So an ingest holds new packets' rows as Arrow columns (~8 KB a packet, against
    # ~40 KB as row dicts) and writes up to this many in one transaction, one COPY per table.
    @property
    def staged_packets_per_transaction(self) -> int:  # type: ignore[override]
        return self.MAX_PACKETS_PER_TRANSACTION

    # Each staged write into a graph that holds rows also pays a cost of its own (~3.5 CPU s at 10,000
    # incidents, in all its COPYs; a first one, into empty tables, does not): one write of 20,000 packets
    # into 10,000 took 10.1 CPU s, two of 10,000 took 14.1. So a staged write may carry STAGE_GROWTH times
    # the stored incidents: the graph at least triples with each, so the ingest makes a logarithmic number
    # of them, not one per 10,000 packets, and their total cost grows linearly. Up to MAX_STAGED_PACKETS,
    # whose rows (~18 MB a 1,000 packets through the COPYs) stay below what the hooks hold at that size.
    STAGE_GROWTH = 2
    MAX_STAGED_PACKETS = 30_000

    def staged_packets(self, stored: int) -> int:
        grown = min(stored * self.STAGE_GROWTH, self.MAX_STAGED_PACKETS)
        return max(self.staged_packets_per_transaction, grown)

    packer = arrow_rows.__name__

    def pack(self, rows: Sequence[Mapping[str, Any]], kinds: Mapping[str, PropKind]) -> Any | None:
        return arrow_rows.pack(rows, kinds)

    replace_by_reinsert = True  # UNWIND MERGE is slow here: delete + COPY re-ingests ~9x faster
    insert_new_shared = True  # the writer lock keeps other writers out; MERGE of new work items took 2.4 CPU s at 10k

    def bulk_write(
        self,
        before: Sequence[Statement],
        label_rows: Mapping[str, Rows],
        rel_rows: Mapping[tuple[str, str, str], Rows],
        after: Sequence[Statement],
    ) -> None:
        # COPY FROM an Arrow table is Ladybug's bulk path, an order of magnitude faster than
        # UNWIND MERGE; it runs on a copy swapped in at the end, so all of it or none lands.
        with self._transaction():
            for cypher, params in before:
                self._execute(cypher, params)
            kill_point("write")
            for label, rows in label_rows.items():
                df, few = _copy_or_create(rows, NODE_BY_LABEL[label].all_props)  # COPY finds df by name
                if df is not None:
                    self._execute("COPY " + label + " FROM df")
                elif few:
                    self._create_nodes(label, few)
                del df
            for (rtype, src, dst), rows in rel_rows.items():
                df, few = _copy_or_create(rows, REL_BY_TYPE[rtype].all_props)
                if df is not None:
                    self._execute(f"COPY {rtype} FROM df (from='{src}', to='{dst}')")
                elif few:
                    self._create_rels(rtype, src, dst, few)
                del df
            for cypher, params in after:
                self._execute(cypher, params)

    def _props(self, kinds: Mapping[str, PropKind], rows: Sequence[Mapping[str, Any]]) -> str:
        # Every column of the rows, by name and cast to its schema type, as COPY stores them.
        columns = dict.fromkeys(name for row in rows for name in row)
        return ", ".join(f"{name}: {self.cast('r.' + name, kinds[name])}" for name in columns if name in kinds)

    def _create_nodes(self, label: str, rows: Sequence[Mapping[str, Any]]) -> None:
        props = self._props(NODE_BY_LABEL[label].all_props, rows)
        self._execute(f"UNWIND $rows AS r CREATE (n:{label} {{{props}}})", {"rows": list(rows)})

    def _create_rels(self, rtype: str, src: str, dst: str, rows: Sequence[Mapping[str, Any]]) -> None:
        skey, dkey = NODE_BY_LABEL[src].key, NODE_BY_LABEL[dst].key
        props = self._props(REL_BY_TYPE[rtype].all_props, rows)
        cypher = (
            f"UNWIND $rows AS r MATCH (a:{src} {{{skey}: r.src}}) MATCH (b:{dst} {{{dkey}: r.dst}}) "
            f"CREATE (a)-[e:{rtype} {{{props}}}]->(b) RETURN count(e)"
        )
        created = self._execute(cypher, {"rows": list(rows)}).get_all()[0][0]
        if created != len(rows):  # COPY refuses a relationship whose end is missing: so does this
            raise EngineError(
                f"ladybug: {len(rows) - created} of {len(rows)} {rtype} relationships from {src} to {dst} "
                "name a node that does not exist"
            )

    def reset(self) -> None:
        self.write([("MATCH (n) DETACH DELETE n", {})])

    def close(self) -> None:
        with self._lock:
            self._conn.close()
            self._db.close()
            if self._writer is not None:
                self._writer.release()
