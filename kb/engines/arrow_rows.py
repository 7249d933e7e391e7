"""Rows of one table as an Arrow table (Ladybug's bulk form), and back: what `LadybugEngine.pack`
makes, importable without the engine, so a process that reads packet files packs their rows itself.

Packing in the readers (kb.graph.parallel_read) sends each task's rows as a few Arrow buffers
instead of ~75 pickled dicts a packet: the writing process spent ~1.4 CPU s unpickling them and
~3 more concatenating, deduplicating and packing them at 10,000 packets.
"""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from types import ModuleType
from typing import TYPE_CHECKING, Any

from kb.engines import ladybug_columns as columnar
from kb.model.schema import PropKind

if TYPE_CHECKING:
    import pyarrow as pa


def arrow_table(rows: Sequence[Mapping[str, Any]], kinds: Mapping[str, PropKind]) -> pa.Table:
    """Rows -> an Arrow table for COPY, one typed column per key (in the rows' key order, as
    COPY reads columns by position; `src`/`dst` of relationship rows are text). Timestamps
    become naive UTC, as the engine stores them; None is null.

    Built directly rather than through a pandas DataFrame: from_records and its per-column
    fixes took 5 of the writing process's 32 CPU s at 10,000 packets, and COPY from a frame
    converts it to Arrow again; typed columns need no guessing from the values."""
    pa = columnar.pyarrow_module()

    types = {
        PropKind.STRING: pa.string(),
        PropKind.INT: pa.int64(),
        PropKind.FLOAT: pa.float64(),
        PropKind.BOOL: pa.bool_(),
        PropKind.TIMESTAMP: pa.timestamp("us"),  # an aware datetime converts to UTC
        PropKind.STRING_LIST: pa.list_(pa.string()),
    }
    names = list(rows[0])
    values = _columns(rows, names) if all(map(len(names).__eq__, map(len, rows))) else None
    if values is None:  # rows with other keys: every key of any row, null where a row lacks it
        names = list(dict.fromkeys(name for r in rows for name in r))
        values = [[r.get(name) for r in rows] for name in names]
    columns = {}
    for name, column in zip(names, values, strict=True):
        kind = kinds.get(name)
        ptype = types[kind] if kind is not None else pa.string() if name in ("src", "dst") else None
        columns[name] = pa.array(column, type=ptype)
    return pa.table(columns)


def _columns(rows: Sequence[Mapping[str, Any]], names: list[str]) -> list[Sequence[Any]] | None:
    """The rows' values column by column, transposed at C speed; None if a row lacks a name."""
    getter = itemgetter(*names)
    try:
        return list(zip(*map(getter, rows), strict=True)) if len(names) > 1 else [list(map(getter, rows))]
    except KeyError:
        return None


def pack(rows: Sequence[Mapping[str, Any]], kinds: Mapping[str, PropKind]) -> pa.Table | None:
    """`arrow_table`, or None for a value Arrow cannot hold (an int beyond 64 bits): Ladybug would
    refuse it too, and the caller writes such rows by the path that finds the packet at fault."""
    try:
        return arrow_table(rows, kinds)
    except (ImportError, OverflowError, TypeError, ValueError, NotImplementedError):
        return None


def piece(part: pa.Table, start: int, stop: int) -> pa.Table:
    """Rows start..stop of a packed table (no copy)."""
    return part if start == 0 and stop == part.num_rows else part.slice(start, stop - start)


def unpack(part: pa.Table) -> list[dict[str, Any]]:
    """A packed table's rows as dicts: the values packed, timestamps naive UTC (as the engine binds
    a parameter's aware timestamp), so writing them stores what writing the packed table stores."""
    rows: list[dict[str, Any]] = part.to_pylist()
    return rows


def load() -> None:
    """Import what packing needs now (a reading process does, before it freezes its heap for the
    garbage collector: pyarrow's objects imported later were rescanned at every task's collection, ~10%
    of its CPU). A round trip of one row imports what pyarrow itself imports on first use.

    Not pandas: pyarrow imports it at its first `pa.array` only to ask whether a value is a pandas
    object (~0.4 CPU s and ~50 MB in each reading process, which packs lists of Python values only).
    With its import refused once, pyarrow takes pandas as absent for that question; a pandas
    conversion asked for later still imports it."""
    refuse = _RefusePandas()
    sys.meta_path.insert(0, refuse)
    try:
        from_bytes(to_bytes(arrow_table([{"text": "", "at": datetime.now(UTC), "tags": [""]}], _LOAD_KINDS)))
    finally:
        sys.meta_path.remove(refuse)


class _RefusePandas(importlib.abc.MetaPathFinder):
    """An import finder that makes `import pandas` fail (where pandas is not loaded already)."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> None:
        if fullname == "pandas":
            raise ImportError("pandas is not loaded by a reading process")
        return None


_LOAD_KINDS = {"text": PropKind.STRING, "at": PropKind.TIMESTAMP, "tags": PropKind.STRING_LIST}


def to_bytes(part: pa.Table) -> bytes:
    """A packed table as Arrow IPC: ~4x cheaper to write and ~9x to read back than pickling the table."""
    pa = columnar.pyarrow_module()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, part.schema) as stream:
        stream.write_table(part)
    data: bytes = sink.getvalue().to_pybytes()
    return data


def from_bytes(data: bytes) -> pa.Table:
    table: pa.Table = columnar.pyarrow_module().ipc.open_stream(data).read_all()
    return table
