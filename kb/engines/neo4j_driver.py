"""The official Neo4j driver, imported without numpy, pandas and pyarrow, and the parameters it is sent.

The driver imports numpy, pandas and pyarrow when it is imported, only to accept their values as query
parameters: ~0.7 CPU s of a command that reads a few rows (`kb stats` with Neo4j was most of that). It is
imported here with them hidden, and `sendable` makes plain Python values of theirs before a query is
sent (what the driver made of them: numpy scalars and arrays as their Python values and lists, pandas'
NA and NaT as null, a Series as its list), so that kb sends the same values either way.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

_OPTIONAL = ("numpy", "pandas", "pyarrow")
_PLAIN = frozenset({str, int, float, bool, type(None)})
"""Types sent as they are: tested inline, as a call per value was most of the cost of a batch's rows."""
_NULLS = frozenset({"NAType", "NaTType"})
"""pandas' missing values (pd.NA, pd.NaT), which the driver sends as null."""


def _import_without_optional() -> None:
    """Import `neo4j` with numpy, pandas and pyarrow unimportable (a None entry in sys.modules makes
    `import X` fail), then put back whatever those entries were."""
    if "neo4j" in sys.modules:
        return
    saved = {name: sys.modules[name] for name in _OPTIONAL if name in sys.modules}
    try:
        for name in _OPTIONAL:
            sys.modules[name] = None  # type: ignore[assignment]
        import neo4j  # noqa: F401, PLC0415
    finally:
        for name in _OPTIONAL:
            sys.modules.pop(name, None)
        sys.modules.update(saved)


_import_without_optional()

import neo4j  # noqa: E402 (imported light above)
from neo4j.exceptions import (  # noqa: E402
    AuthError,
    ConstraintError,
    DriverError,
    IncompleteCommit,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)


def sendable(value: Any, iso_timestamps: bool = False) -> Any:
    """`value` (recursively) with numpy and pandas values made plain Python as the driver made them;
    `iso_timestamps`: datetimes as ISO 8601 text too (see Neo4jEngine.write)."""
    plain = _PLAIN
    if type(value) in plain:
        return value
    if isinstance(value, datetime):
        if iso_timestamps or type(value) is datetime:
            return value.isoformat() if iso_timestamps else value
        if type(value).__name__ in _NULLS:  # pd.NaT is a datetime too
            return None
        # a pandas Timestamp: the driver without pandas knows no such type
        return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
    if isinstance(value, dict):
        return {k: v if type(v) in plain else sendable(v, iso_timestamps) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [v if type(v) in plain else sendable(v, iso_timestamps) for v in value]
    library = type(value).__module__.partition(".")[0]
    if library not in _OPTIONAL:
        return value
    if type(value).__name__ in _NULLS:
        return None
    if type(value).__name__ == "datetime64":  # the driver sent it as a local datetime
        return value.astype("datetime64[us]").tolist()
    if hasattr(value, "tolist"):  # numpy scalars and arrays, pandas Series and arrays
        return sendable(value.tolist(), iso_timestamps)
    if hasattr(value, "items"):  # a DataFrame: a map of its columns
        return {k: sendable(v, iso_timestamps) for k, v in value.items()}
    return value


__all__ = [
    "AuthError",
    "ConstraintError",
    "DriverError",
    "IncompleteCommit",
    "Neo4jError",
    "ServiceUnavailable",
    "SessionExpired",
    "neo4j",
    "sendable",
]
