"""Printing DataFrames for people (rich tables) and for programs (JSON, CSV)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import typer
from rich.text import Text

from kb.cli.app import console
from kb.cli.plain_table import PrintedLines, table_lines
from kb.redaction import redact

if TYPE_CHECKING:  # a frame to print means pandas is loaded; `kb --help` need not load it
    import pandas as pd


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


# Use as `fmt: Annotated[Format, FormatOpt] = Format.TABLE` (typer reads a bare Option default as the value).
FormatOpt = typer.Option("--format", "-f", help="table for people; json or csv for programs.")


def _plain(value: Any) -> Any:
    """A frame cell for JSON/CSV: the frame cleaner's value, with timestamps as ISO 8601 text."""
    if type(value) is str or type(value) is int or value is None:  # most cells, which plain() leaves as they are
        return value
    from kb.engines.frames import plain  # pandas is loaded by then; not at import (`kb --help`)

    value = plain(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _csv_cell(value: Any) -> Any:
    """Lists joined with "; ", booleans as true/false (not Python's reprs), timestamps in ISO 8601."""
    value = _plain(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join("" if v is None else str(_csv_cell(v)) for v in value)
    return value


def _column(s: pd.Series) -> list[Any]:
    """_plain of each cell of a column: text columns at C speed (their cells are strings or missing)."""
    import pandas as pd

    # The default str dtype, whose missing cells are NaN (_plain: None); not pd.NA's "string" dtype.
    if isinstance(s.dtype, pd.StringDtype) and isinstance(getattr(s.dtype, "na_value", None), float):
        return s.to_numpy(dtype=object, na_value=None).tolist()  # type: ignore[no-any-return]
    if isinstance(s.dtype, pd.DatetimeTZDtype):  # Timestamps and NaT: what _plain makes of them, inline
        return [None if v is pd.NaT else v.to_pydatetime().isoformat() for v in s.tolist()]
    return [_plain(v) for v in s.tolist()]  # tolist gives the cells itertuples gives


def plain_columns(df: pd.DataFrame) -> list[list[Any]]:
    """Each column's cells as the plain values JSON and CSV print (and tables are drawn from)."""
    return [_column(df.iloc[:, i]) for i in range(df.shape[1])]


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    # Column by column, without a tuple per row.
    columns = plain_columns(df)
    if not columns:
        return [{} for _ in range(len(df))]
    names = list(df.columns)  # iterating the Index itself costs an arrow read per cell
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def json_text(rows: list[dict[str, Any]]) -> str:
    """json.dumps(rows, indent=2, ensure_ascii=False), byte for byte. The indenting encoder is pure
    Python (a third of a second for 14,000 rows of seven cells): rows of plain cells go through the C
    encoder with a newline in the separator, which is then where the indented layout breaks lines (a
    JSON string holds no raw newline, and in rows of plain cells "},<newline>" only ends a row)."""
    nested = (list, tuple, dict)
    if rows and all(
        type(row) is dict and row and all(type(k) is str and not isinstance(v, nested) for k, v in row.items())
        for row in rows
    ):
        text = json.dumps(rows, ensure_ascii=False, separators=(",\n    ", ": "))
        return "[\n  {\n    " + text[2:-2].replace("},\n    {", "\n  },\n  {\n    ") + "\n  }\n]"
    return json.dumps(rows, indent=2, ensure_ascii=False)


def _cell(value: Any, width: int) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    elif isinstance(value, list):
        text = ", ".join(map(str, value))
    else:
        text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_table(
    columns: Sequence[Any], rows: Sequence[Sequence[Any]], title: str | None, max_width: int, empty: str
) -> None:
    if not rows or not len(columns):  # as DataFrame.empty: no rows, or no columns
        console.print(Text(empty, style="dim"))
        return
    headers = [str(col) for col in columns]
    cells = [[redact(_cell(v, max_width)) for v in row] for row in rows]
    shown_title = redact(title) if title else None
    # The same Segments as rich's Table, without its layout engine: 5x faster (kb.cli.plain_table).
    try:
        lines = table_lines(headers, cells, shown_title, console)
    except (ImportError, AttributeError, TypeError):  # a rich whose private helpers moved: its own Table
        lines = None
    if lines is not None:
        console.print(PrintedLines(lines))
        return
    from rich.table import Table

    # Text, not str: stored values and titles are outside text, never Rich markup
    # (a title "GET [/api/checkout] returned 502" crashed the table, "[red]" styled it).
    table = Table(title=Text(shown_title) if shown_title else None, show_lines=False, header_style="bold")
    for header in headers:
        table.add_column(Text(header), overflow="fold")
    for row_cells in cells:
        table.add_row(*(Text(c) for c in row_cells))
    console.print(table)


def print_frame(
    df: pd.DataFrame,
    fmt: Format = Format.TABLE,
    title: str | None = None,
    max_width: int = 80,
    empty: str = "nothing to show",
) -> None:
    if fmt is Format.JSON:
        typer.echo(json_text(records(df)))
        return
    if fmt is Format.CSV:
        typer.echo(df.apply(lambda col: col.map(_csv_cell)).to_csv(index=False), nl=False)
        return
    _print_table(df.columns, list(df.itertuples(index=False)), title, max_width, empty)


def print_rows(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: Format = Format.TABLE,
    title: str | None = None,
    max_width: int = 80,
    empty: str = "nothing to show",
) -> None:
    """print_frame for rows of plain values, without pandas (for the commands that must start fast):
    the same table, JSON and CSV."""
    if fmt is Format.JSON:
        found = [{c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows]
        typer.echo(json_text(found))
        return
    if fmt is Format.CSV:
        import csv
        import io

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_csv_cell(v) for v in row] for row in rows)
        typer.echo(out.getvalue(), nl=False)
        return
    _print_table(columns, rows, title, max_width, empty)
