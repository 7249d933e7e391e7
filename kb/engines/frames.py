"""Make result frames from either engine look the same: UTC timestamps, None for null."""

from __future__ import annotations

import math
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas loads where a frame is made: `kb stats` and plain rows need none of it
    import pandas as pd


def _loaded_pandas() -> Any:
    """pandas if something has loaded it, else None (then no value can be a NaT or a Timestamp)."""
    return sys.modules.get("pandas")


def missing(value: Any) -> bool:
    """None, NaN or NaT: how a null comes back in a result frame."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    pd = _loaded_pandas()
    return pd is not None and value is pd.NaT


def plain(value: Any) -> Any:
    """A result-frame cell as a plain Python value: NaN/NaT -> None, pandas Timestamp ->
    datetime, numpy arrays and scalars -> lists and Python scalars; the rest as is.
    The one cleaner of frame values (the graph reader and the CLI's JSON/CSV output use it)."""
    if missing(value):
        return None
    pd = _loaded_pandas()
    if pd is not None and isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "tolist") and not isinstance(value, str):
        return value.tolist()
    return value


def native(value: Any) -> Any:
    """Driver-specific temporal values -> Python datetimes in UTC."""
    to_native = getattr(value, "to_native", None)
    if to_native is not None:
        value = to_native()
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, list):
        return [native(v) for v in value]
    return value


_PLAIN = frozenset({str, int, float, bool, type(None)})
"""Types `native` returns as they are: tested first, a call per cell is most of a big read's cost."""


def _native_cell(value: Any) -> Any:
    """`native` of one cell, with Ladybug's own cells (naive datetimes, lists of plain values)
    converted without its attribute look-up and recursion: the same values, a read's most common cells."""
    kind = type(value)
    if kind is datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if kind is list:
        plain = _PLAIN
        return [v if type(v) in plain else native(v) for v in value]
    return native(value)


def native_rows(rows: list[list[Any]]) -> list[list[Any]]:
    """Result rows as plain Python values, timestamps as UTC datetimes, whichever engine made them."""
    plain, cell = _PLAIN, _native_cell
    return [[v if type(v) in plain else cell(v) for v in row] for row in rows]


def frame(columns: list[str], rows: list[list[Any]], as_is: bool = False) -> pd.DataFrame:
    """The rows as a frame; `as_is`: their values are already what `native_rows` makes of them."""
    import pandas as pd

    # from_records infers the same dtypes from the same Python values, whichever
    # engine produced them (ints with nulls -> float, datetimes -> datetime64[UTC]).
    return pd.DataFrame.from_records(rows if as_is else native_rows(rows), columns=columns)


def to_utc_naive(value: Any) -> Any:
    """Parameters for an engine whose TIMESTAMP has no zone: aware -> naive UTC, recursively."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, dict):
        return {k: to_utc_naive(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_utc_naive(v) for v in value]
    return value
