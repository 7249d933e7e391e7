"""A big Ladybug result's rows, fetched column by column through Arrow.

`get_all` makes a Python list per row and a value per cell in Ladybug's binding, then `native_rows`
passes over every cell again to give its timestamps a zone: at 10,000 incidents the 17 packet reads of
`kb check --all` spent ~6 CPU s there. The same result as an Arrow table converts a column at a time.

The rows must be the ones `native_rows(get_all())` gives, value for value and type for type (a lint
digests them: kb.lint.runner): so only results whose every column has one of the types below take this
path, and only big ones (`through_arrow`: a small read would pay for loading pyarrow, and `kb stats`
must start fast).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

ARROW_FROM_ROWS = 2000
"""Results of at least this many rows are fetched through Arrow once pyarrow is loaded (fewer: row by row)."""
LOAD_ARROW_FROM_ROWS = 50_000
"""A result of at least this many rows loads pyarrow to be fetched through it: loading it costs ~0.1 CPU s
and ~60 MB (a read of 10,000 incidents' timelines, ~100,000 rows, saves ~0.5 s). Smaller reads of a
process that did not load it stay row by row (`kb check --all` after one changed packet at 10,000
incidents reads ~24,000 rows at most: its peak stays as it was)."""


def through_arrow(rows: int) -> bool:
    """Whether a result of `rows` rows is fetched through Arrow (when its columns are `convertible`)."""
    return rows >= LOAD_ARROW_FROM_ROWS or (rows >= ARROW_FROM_ROWS and "pyarrow" in sys.modules)


# Ladybug's names of the column types converted here.
_PLAIN = frozenset({"STRING", "INT64", "DOUBLE", "BOOL", "STRING[]"})
_TIMESTAMP = "TIMESTAMP"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def convertible(columns: list[str], types: list[str]) -> bool:
    """Whether `arrow_rows` gives the rows of a result with these columns and types."""
    return len(set(columns)) == len(columns) and all(t in _PLAIN or t == _TIMESTAMP for t in types)


class Columns(list[list[Any]]):
    """A result's values column by column (`arrow_columns`), each a list of a value per row."""

    num_rows: int = 0


def arrow_columns(types: list[str], table: pa.Table) -> Columns | None:
    """The values of the result `table` holds, a list per column, as `native_rows(get_all())` gives them;
    None when a column is not as expected."""
    columns = Columns()
    columns.num_rows = table.num_rows
    for kind, column in zip(types, table.columns, strict=True):
        if kind == _TIMESTAMP:
            values = _timestamps(column)
            if values is None:
                return None
            columns.append(values)
        else:
            columns.append(column.to_pylist())
    return columns


def rows_of(columns: Columns) -> list[list[Any]]:
    """`native_rows(get_all())` of a result from its `arrow_columns`."""
    if not columns:
        return [[] for _ in range(columns.num_rows)]
    return [list(row) for row in zip(*columns, strict=True)]


def records_of(names: list[str], columns: Columns) -> list[dict[str, Any]]:
    """A dict per row (name -> value) of a result from its `arrow_columns`, made straight from the
    columns: a list per row first (`rows_of`) cost ~1 CPU s of `kb check --all` at 10,000 incidents."""
    if not columns:
        return [{} for _ in range(columns.num_rows)]
    return [dict(zip(names, row, strict=False)) for row in zip(*columns, strict=True)]  # (a column per name)


def _timestamps(column: pa.ChunkedArray) -> list[datetime | None] | None:
    """Ladybug's naive UTC microseconds as aware UTC datetimes (what `native` makes of its cells),
    from the integers: the datetimes pyarrow makes are given a zone again one by one, at twice the cost."""
    import pyarrow as pa  # noqa: PLC0415 (loaded by the caller's get_as_arrow already)

    kind = column.type
    if not pa.types.is_timestamp(kind) or kind.unit != "us" or kind.tz is not None:
        return None
    epoch, step = _EPOCH, timedelta
    return [None if us is None else epoch + step(microseconds=us) for us in column.cast(pa.int64()).to_pylist()]


__all__ = [
    "ARROW_FROM_ROWS",
    "LOAD_ARROW_FROM_ROWS",
    "Columns",
    "arrow_columns",
    "convertible",
    "records_of",
    "rows_of",
    "through_arrow",
]
