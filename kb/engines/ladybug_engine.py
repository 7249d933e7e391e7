"""LadybugDB: the embedded default. A directory on disk, no server."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import ladybug
import pandas as pd

from kb.engines.base import DatabaseMissing, Engine, EngineError, Params, Statement
from kb.engines.frames import frame, to_utc_naive
from kb.graph.schema import NodeSpec, PropType, RelSpec


def _naive_utc_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Rows -> DataFrame with timestamp columns as naive UTC (vectorised, not per value)."""
    df = pd.DataFrame.from_records(rows)
    for col in df.columns:
        first = df[col].first_valid_index()
        if first is not None and isinstance(df[col].loc[first], datetime):
            df[col] = pd.to_datetime(df[col], utc=True).dt.tz_localize(None)
    return df


def _holder(pid: int) -> str:
    """`PID 123: python -m kb ingest ...`, or just the PID where /proc does not tell."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return f"PID {pid}"
    text = " ".join(a.decode(errors="replace") for a in args if a)
    return f"PID {pid}: {text[:80]}" if text else f"PID {pid}"


def _open_error(path: Path, exc: RuntimeError) -> str:
    """One line that says who holds the database and what to do, for the common case of a lock."""
    held = re.search(r"[Ll]ock is held by PID (\d+)", str(exc))
    if held:
        return (f"the database at {path} is open for writing in another process ({_holder(int(held.group(1)))}); "
                "read-only commands still work; to write, finish or close that process (a notebook: run its "
                "last cell or shut down its kernel) and run this again")
    return f"cannot open the Ladybug database at {path}: {str(exc).splitlines()[0]}"


class LadybugEngine(Engine):
    name = "ladybug"

    def __init__(self, path: str | Path, read_only: bool = False) -> None:
        self.path = Path(path).expanduser()
        self.read_only = read_only
        mode = " (read-only)" if read_only else ""
        self.description = f"ladybug (embedded) at {self.path}{mode}"
        if read_only and not self.path.exists():
            raise DatabaseMissing(f"no Ladybug database at {self.path}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # Read-only opens take no lock: any number of readers run beside one writer.
            self._db = ladybug.Database(str(self.path), read_only=read_only)
            self._conn = ladybug.Connection(self._db)
        except RuntimeError as exc:
            raise EngineError(_open_error(self.path, exc)) from exc
        # One connection is not safe for concurrent use (notebook widgets call back on threads).
        self._lock = threading.Lock()

    def _execute(self, cypher: str, params: Params | None = None) -> Any:
        try:
            return self._conn.execute(cypher, to_utc_naive(dict(params or {})))
        except RuntimeError as exc:
            raise EngineError(f"ladybug: {exc}\nquery: {cypher.strip()[:500]}") from exc

    def apply_schema(self, nodes: Sequence[NodeSpec], rels: Sequence[RelSpec]) -> None:
        with self._lock:
            for n in nodes:
                cols = ", ".join(f"{p} {t.value}" for p, t in n.all_props.items())
                self._execute(f"CREATE NODE TABLE IF NOT EXISTS {n.label}({cols}, PRIMARY KEY ({n.key}))")
            for r in rels:
                pairs = ", ".join(f"FROM {a} TO {b}" for a, b in r.pairs)
                props = "".join(f", {p} {t.value}" for p, t in r.all_props.items())
                self._execute(f"CREATE REL TABLE IF NOT EXISTS {r.type}({pairs}{props})")

    def read(self, cypher: str, params: Params | None = None) -> pd.DataFrame:
        with self._lock:
            result = self._execute(cypher, params)
            columns = result.get_column_names()
            rows = result.get_all()
        return frame(columns, rows)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """Hold the connection and run the block in one transaction: all of it or none."""
        with self._lock:
            self._execute("BEGIN TRANSACTION")
            try:
                yield
            except BaseException:
                self._execute("ROLLBACK")
                raise
            self._execute("COMMIT")

    def write(self, statements: Sequence[Statement]) -> None:
        with self._transaction():
            for cypher, params in statements:
                self._execute(cypher, params)

    def cast(self, expr: str, ptype: PropType) -> str:
        # Ladybug infers a parameter's type from its values: a column that is null
        # (or an empty list) in every row would bind as STRING and be rejected.
        return f"CAST({expr} AS {ptype.value})"

    bulk_packets_per_transaction = 10_000  # each COPY has a fixed cost: fewer, larger loads
    replace_by_reinsert = True  # UNWIND MERGE is slow here: delete + COPY re-ingests ~9x faster

    def bulk_write(self, before: Sequence[Statement],
                   label_rows: Mapping[str, Sequence[Mapping[str, Any]]],
                   rel_rows: Mapping[tuple[str, str, str], Sequence[Mapping[str, Any]]],
                   after: Sequence[Statement]) -> None:
        # COPY FROM a DataFrame is Ladybug's bulk path, an order of magnitude faster than
        # UNWIND MERGE; it runs inside an explicit transaction, so all of it or none lands.
        with self._transaction():
            for cypher, params in before:
                self._execute(cypher, params)
            for label, rows in label_rows.items():
                if rows:
                    df = _naive_utc_frame(rows)  # noqa: F841 (COPY finds the frame by its variable name)
                    self._execute("COPY " + label + " FROM df")
            for (rtype, src, dst), rows in rel_rows.items():
                if rows:
                    df = _naive_utc_frame(rows)  # noqa: F841
                    self._execute(f"COPY {rtype} FROM df (from='{src}', to='{dst}')")
            for cypher, params in after:
                self._execute(cypher, params)

    def reset(self) -> None:
        with self._lock:
            self._execute("MATCH (n) DETACH DELETE n")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
            self._db.close()
