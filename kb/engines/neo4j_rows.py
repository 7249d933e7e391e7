"""A Neo4j read's rows fetched as one record holding all of them.

The driver makes each record of a result a message of its own, and receives, decodes and wraps it in
Python (two socket reads, a Record, its values): at 10,000 incidents that was most of the client's
CPU of every large read (0.5 CPU s for 12,186 factor rows). The same query wrapped as
`CALL { query } RETURN collect([col, ...])` returns the rows, in the query's order, as a single list
that the driver decodes in one call (0.04 CPU s for the same rows, the same values).

Only a query whose every column is a name (`RETURN f.key AS factor`, `RETURN n`) is wrapped: a
subquery must alias what it returns; anything else is read record by record as before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kb.engines.neo4j_driver import Neo4jError

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ROWS = "kb_rows"
"""The wrapped query's one column (the query's own columns may have any other name)."""


def collected(cypher: str, columns: Sequence[str]) -> str | None:
    """`cypher` returning its rows as one list of lists (one per row, in `columns` order), or None
    where it cannot be wrapped so (no columns, a column that is not a plain name, a leading clause
    that only a whole query may have)."""
    text = cypher.strip().rstrip(";").rstrip()
    first = text.lstrip().split(None, 1)[0].upper() if text.strip() else ""
    if not columns or first in {"EXPLAIN", "PROFILE", "CYPHER", "USE", "SHOW"}:
        return None
    if _ROWS in columns or not all(_NAME.fullmatch(c) for c in columns):
        return None
    # On lines of its own, so a trailing // comment in the query cannot swallow the closing brace.
    names = ", ".join(f"`{c}`" for c in columns)
    return f"CALL {{\n{text}\n}}\nRETURN collect([{names}]) AS {_ROWS}"


def collected_refused(exc: Neo4jError) -> bool:
    """The server refused the wrapped form itself (a query a subquery cannot hold, e.g. a procedure
    call without YIELD), or had no memory to hold every row at once (a result streamed record by
    record needs none): the query is then read as it is, which raises its own error if it has one."""
    code = exc.code or ""
    return code.startswith("Neo.ClientError.Statement.") or code.endswith("MemoryPoolOutOfMemoryError")


__all__ = ["collected", "collected_refused"]
