"""A Ladybug result as a frame, fetched column by column through Arrow.

Fetching rows one at a time (`get_all`), converting each cell and inferring dtypes from the Python
values (`frames.frame`) was most of every big read: at 10,000 incidents ~70% of `kb clusters`' compute
and ~2 of `kb metrics`' ~3.3 CPU s. The same result as an Arrow table costs a fraction of the fetch.

The frame must be the one `frames.frame` makes from the rows, dtype for dtype and cell for cell (what
`DataFrame.from_records` infers from the Python values): so only results whose every column has one of
the types below take this path; anything else (nodes, maps, lists of timestamps, duplicate column
names) returns None and is read row by row as before.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

# Ladybug's names of the column types converted here.
_SCALARS = frozenset({"STRING", "INT64", "DOUBLE", "BOOL", "TIMESTAMP"})
_LISTS = frozenset({"STRING[]"})


def convertible(columns: list[str], types: list[str]) -> bool:
    """Whether `columnar_frame` gives the row-by-row frame for a result with these columns and types."""
    return _available() and len(set(columns)) == len(columns) and all(t in _SCALARS or t in _LISTS for t in types)


@cache
def pyarrow_module() -> Any:
    """pyarrow, allocating through the system's malloc unless the user chose a pool
    (ARROW_DEFAULT_MEMORY_POOL): Arrow's default pool keeps what it frees, which raised the peak of a
    10,000-packet `kb ingest` (COPY tables, then the hooks' column-wise reads) from ~890 to ~975 MB."""
    import pyarrow as pa

    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        pa.set_memory_pool(pa.system_memory_pool())
    return pa


@cache
def _available() -> bool:
    """pyarrow is there, and pandas is of the major version the equivalence is tested on: pandas 2
    infers object text with None and nanosecond timestamps from rows, which this does not make."""
    import pandas as pd

    try:
        pyarrow_module()
    except ImportError:
        return False
    return int(pd.__version__.split(".")[0]) >= 3


def columnar_frame(columns: list[str], types: list[str], table: pa.Table) -> pd.DataFrame:
    """The frame `frames.frame(columns, rows)` makes of the same result, from its Arrow table. What
    from_records infers from the values, column by column: a column with no value (every cell null,
    or no rows) is object None; strings are pandas' str dtype with NaN; integers with a null become
    floats; booleans with a null stay objects with None; timestamps are UTC (Ladybug's are naive UTC);
    lists are Python lists."""
    import pandas as pd

    n = table.num_rows
    data: dict[str, Any] = {}
    for name, kind, column in zip(columns, types, table.columns, strict=True):
        if column.null_count == n:
            data[name] = pd.Series([None] * n, dtype=object)
        elif kind in _LISTS:
            data[name] = pd.Series(column.to_pylist(), dtype=object)
        elif kind == "TIMESTAMP":
            data[name] = column.to_pandas().dt.tz_localize("UTC")
        else:
            data[name] = column.to_pandas()
    return pd.DataFrame(data, columns=columns, index=pd.RangeIndex(n))


__all__ = ["columnar_frame", "convertible", "pyarrow_module"]
