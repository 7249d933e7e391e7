"""A Neo4j read's rows fetched as one record holding all of them.

The driver makes each record of a result a message of its own, and receives, decodes and wraps it in
Python (two socket reads, a Record, its values): at 10,000 incidents that was most of the client's
CPU of every large read (0.5 CPU s for 12,186 factor rows). The same query wrapped as
`CALL { query } RETURN collect([col, ...])` returns the rows, in the query's order, as a single list
that the driver decodes in one call (0.04 CPU s for the same rows, the same values).

Only a query whose every column is a name (`RETURN f.key AS factor`, `RETURN n`) is wrapped: a
subquery must alias what it returns; anything else is read record by record as before.

The wrapping needs the query's column names. Asking the server for them (`EXPLAIN`) plans the query
once more before the wrapped form is planned: on a server's first call of a query, planning is most
of its cost (kb metrics at 10,000 incidents: 4.0 server CPU s with cold plans, 1.5 s with cached
ones), so `returned_columns` reads them from the text's last RETURN clause where that is unambiguous.
Only for the project's own catalogue queries (kb.engines.base.CatalogueText; a test checks each one
against the server): an ad-hoc text can fool the parser (a variable named `return`), so its columns
are asked for.
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


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ALIAS = re.compile(r"\s(?i:AS)\s+([A-Za-z_][A-Za-z0-9_]*)\s*$")
_CLAUSE_END = {"ORDER", "SKIP", "LIMIT", "OFFSET"}
_OPEN, _CLOSE = "([{", ")]}"


def _masked(text: str) -> str | None:
    """`text` with comments blanked and the insides of strings and quoted names made `_` (the same
    length, so positions agree); None when a string, quoted name or comment is not closed."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out[i:end] = " " * (end - i)
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                return None
            out[i : end + 2] = " " * (end + 2 - i)
            i = end + 2
        elif c in "'\"`":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" and c != "`" else 1
            if j >= n:
                return None
            out[i + 1 : j] = "_" * (j - i - 1)
            i = j + 1
        else:
            i += 1
    return "".join(out)


def _top_level_words(masked: str) -> list[tuple[int, str]]:
    """(position, upper-cased word) of each keyword-like word outside brackets, and -1 if the
    brackets do not balance."""
    words: list[tuple[int, str]] = []
    depth = 0
    for match in re.finditer(r"[(\[{]|[)\]}]|[A-Za-z_][A-Za-z0-9_]*", masked):
        token, at = match.group(), match.start()
        if token in _OPEN:
            depth += 1
        elif token in _CLOSE:
            depth -= 1
            if depth < 0:
                return [(-1, "")]
        elif depth == 0 and (at == 0 or masked[at - 1] not in ".$`:"):
            words.append((at, token.upper()))
    return words if depth == 0 else [(-1, "")]


def _split_top_level(masked: str) -> list[str]:
    items, depth, start = [], 0, 0
    for i, c in enumerate(masked):
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth -= 1
        elif c == "," and depth == 0:
            items.append(masked[start:i])
            start = i + 1
    return [*items, masked[start:]]


def returned_columns(cypher: str) -> tuple[str, ...] | None:
    """The column names of a query that ends with a RETURN whose every item is a plain name or
    `... AS name`, in order; None for anything else (no final RETURN, `*`, an item without a name):
    the caller then asks the server."""
    masked = _masked(cypher.strip().rstrip(";"))
    if masked is None:
        return None
    words = _top_level_words(masked)
    if words and words[0][0] < 0:
        return None
    returns = [k for k, (_, word) in enumerate(words) if word == "RETURN"]
    if not returns:
        return None
    following = words[returns[-1] + 1 :]
    start = words[returns[-1]][0] + len("RETURN")
    if following and following[0][1] == "DISTINCT":
        start = following[0][0] + len("DISTINCT")
        following = following[1:]
    ends = [at for at, word in following if word in _CLAUSE_END]
    clause = masked[start : ends[0] if ends else len(masked)]
    columns = []
    for item in _split_top_level(clause):
        item = item.strip()
        alias = _ALIAS.search(" " + item)
        name = alias.group(1) if alias else item
        if not _WORD.fullmatch(name):
            return None
        columns.append(name)
    return tuple(columns)


def collected_refused(exc: Neo4jError) -> bool:
    """The server refused the wrapped form itself (a query a subquery cannot hold, e.g. a procedure
    call without YIELD), or had no memory to hold every row at once (a result streamed record by
    record needs none): the query is then read as it is, which raises its own error if it has one."""
    code = exc.code or ""
    return code.startswith("Neo.ClientError.Statement.") or code.endswith("MemoryPoolOutOfMemoryError")


__all__ = ["collected", "collected_refused", "returned_columns"]
