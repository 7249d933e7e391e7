"""The lines of kb's rich table (kb.cli.output) laid out directly, as rich.table.Table lays them out.

`kb repeats` prints a hundred rows of seven columns: rich lays out every cell through several
renderables (Padding, Text, lines of Segments), which took about a third of the command (0.1 s).
When every cell is printable text of one cell per character, the same Segments are computed here by
rich.table.Table's own steps for kb's table (a HEAVY_HEAD box, padding (0, 1), columns that fold, a
bold header, a Text title): measure each column, collapse the widths with rich's own functions when
the table is too wide, wrap each cell with rich's divide_line, align the header at the bottom and the
rows at the top. The console then writes them as it writes rich's (escape codes in a terminal).
Anything else gives None, and the caller draws the rich Table. tests/test_plain_table.py compares the
two on many random tables, piped and in terminals.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions

_PADDING = 2  # one space either side of each cell: Table's default padding (0, 1)


def _simple(text: str) -> bool:
    """Printable (no line break, tab or control character) and one cell per character."""
    return text.isprintable() and cell_len(text) == len(text)


def _column_width(cells: Sequence[str], max_width: int) -> int:
    """Table._measure_column(...).maximum for cells of simple text, each in a Padding of one space
    either side, when the column may take at most `max_width` cells."""
    if max_width < 1:
        return 0
    if max_width - _PADDING < 1:  # Padding.__rich_measure__ gives the whole width
        return max_width
    return min(max(len(c) for c in cells) + _PADDING, max_width)


def _widths(columns: Sequence[Sequence[str]], max_width: int) -> list[int]:
    """Table._calculate_column_widths for flexible columns that wrap, a table that does not expand."""
    widths = [_column_width(cells, max_width) or 1 for cells in columns]
    if sum(widths) > max_width:
        from rich._ratio import ratio_reduce
        from rich.table import Table

        widths = Table._collapse_widths(widths, [True] * len(widths), max_width)
        if sum(widths) > max_width:  # rich's last resort: every column loses the same
            widths = ratio_reduce(sum(widths) - max_width, [1] * len(widths), widths, widths)
        widths = [_column_width(cells, width) or 0 for cells, width in zip(columns, widths, strict=True)]
    return widths


def _wrapped(text: str, width: int) -> list[str]:
    """Text.wrap of simple text in `width` cells, justified left and folding long words, each line
    cut or padded to the width (Text.rstrip_end only drops spaces that the cut drops too)."""
    from rich._wrap import divide_line  # (rich's private API: kb.cli.output falls back if it moves)

    offsets = divide_line(text, width, fold=True)
    bounds = [0, *offsets, len(text)]
    return [text[start:end][:width].ljust(width) for start, end in zip(bounds, bounds[1:], strict=False)]


def _row_lines(cells: Sequence[str], widths: Sequence[int], header: bool) -> list[list[list[str]]]:
    """Each cell's lines (each its left space, text and right space; a blank line is one run of
    spaces), as many per cell as the row's tallest: the header at the bottom, other rows at the top
    (Table._render's align_cell)."""
    rendered = [[[" ", line, " "] for line in _wrapped(c, w - _PADDING)] for c, w in zip(cells, widths, strict=True)]
    height = max(len(lines) for lines in rendered)
    aligned = []
    for lines, width in zip(rendered, widths, strict=True):
        blank = [[" " * width]] * (height - len(lines))
        aligned.append(blank + lines if header else lines + blank)
    return aligned


def table_lines(
    columns: Sequence[str], rows: Sequence[Sequence[str]], title: str | None, console: Console
) -> list[list[Segment]] | None:
    """The lines of Segments `console.print(Table(title=Text(title), header_style="bold"))` writes,
    with one column per header (`Text(header)`, overflow="fold") and a `Text(cell)` per cell, cut into
    Segments where rich cuts them (a terminal gets the same escape codes); None where this module does
    not follow rich (a cell of other text, a narrow console, a legacy Windows console, no rows)."""
    if console.legacy_windows or not rows or not columns:
        return None
    texts: list[Iterable[str]] = [columns, *rows, [title or ""]]
    if not all(_simple(text) for row in texts for text in row):
        return None
    options: ConsoleOptions = console.options
    edges = len(columns) + 1  # Table._extra_width: the two edges and a divider between columns
    by_column = [[header, *(row[i] for row in rows)] for i, header in enumerate(columns)]
    widths = _widths(by_column, options.max_width - edges)
    if min(widths) <= _PADDING:
        return None
    table_width = sum(widths) + edges
    drawn = box.HEAVY_HEAD.substitute(options, safe=console.safe_box)
    lines: list[list[Segment]] = []
    if title:  # a Text title: rich does not style it
        if len(title) > table_width:  # rich wraps it
            return None
        text = title.rstrip()  # Lines.justify "center"
        lines.append([Segment((" " * ((table_width - len(text)) // 2) + text).ljust(table_width))])
    lines.append([Segment(drawn.get_top(widths))])
    bold = Style(bold=True)
    for parts in zip(*_row_lines(columns, widths, header=True), strict=True):
        line = [Segment(drawn.head_left)]
        for number, cell in enumerate(parts):
            if number:
                line.append(Segment(drawn.head_vertical))
            line.extend(Segment(piece, bold) for piece in cell)  # each a Segment of its own, as rich's
        lines.append([*line, Segment(drawn.head_right)])
    lines.append([Segment(drawn.get_row(widths, "head", edge=True))])
    for index, cells in enumerate(rows, start=1):
        if index == len(rows):
            left, divider, right = drawn.foot_left, drawn.foot_vertical, drawn.foot_right
        else:
            left, divider, right = drawn.mid_left, drawn.mid_vertical, drawn.mid_right
        for parts in zip(*_row_lines(cells, widths, header=False), strict=True):
            lines.append([Segment(left + divider.join("".join(cell) for cell in parts) + right)])
    lines.append([Segment(drawn.get_bottom(widths))])
    return lines


class PrintedLines:
    """Lines of Segments already laid out, printed as they are, each followed by a newline."""

    def __init__(self, lines: Sequence[Sequence[Segment]]) -> None:
        self.lines = lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterable[Segment]:
        for line in self.lines:
            yield from line
            yield Segment.line()


__all__ = ["PrintedLines", "table_lines"]
