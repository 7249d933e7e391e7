"""kb.cli.plain_table draws, character for character, the table rich draws (kb.cli.output._print_table)."""

from __future__ import annotations

import io
import random
from typing import Literal

import pytest
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kb.cli.plain_table import PrintedLines, table_lines

WORDS = ["a", "to", "the", "INC-2026-03712", "INC-2026-03712/finding/R2", "alert-fatigue:", "theme", "…", "x" * 90, ""]


def _rich(columns: list[str], rows: list[list[str]], title: str | None, console: Console) -> str:
    """What kb.cli.output._print_table prints through rich."""
    table = Table(title=Text(title) if title else None, show_lines=False, header_style="bold")
    for header in columns:
        table.add_column(Text(header), overflow="fold")
    for row in rows:
        table.add_row(*(Text(c) for c in row))
    console.print(table)
    return _taken(console)


def _plain(columns: list[str], rows: list[list[str]], title: str | None, console: Console) -> str | None:
    lines = table_lines(columns, rows, title, console)
    if lines is None:
        return None
    console.print(PrintedLines(lines))
    return _taken(console)


def _taken(console: Console) -> str:
    out = console.file
    assert isinstance(out, io.StringIO)
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text


def _text(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.choice([0, 1, 1, 2, 3, 6, 12]))]
    text = rng.choice([" ", "  ", " "]).join(words)
    return text + rng.choice(["", "", " ", "   "]) if rng.random() < 0.2 else text


def _case(rng: random.Random) -> tuple[list[str], list[list[str]], str | None]:
    n = rng.randint(1, 8)
    headers = ["incident", "earlier_incident", "via", "evidence", "", "a b", "started_at"]
    columns = [rng.choice(headers) for _ in range(n)]
    rows = [[_text(rng) for _ in range(n)] for _ in range(rng.randint(1, 12))]
    title = rng.choice([None, "", "4903 repeat incident(s)", "  lead and trail  ", "t" * 300])
    return columns, rows, title


@pytest.mark.parametrize("seed", range(20))
def test_random_tables_match_rich(seed: int) -> None:
    rng = random.Random(seed)
    drawn = 0
    for _ in range(25):
        columns, rows, title = _case(rng)
        width = rng.choice([12, 20, 40, 60, 80, 100, 120, 160, 240])
        if rng.random() < 0.5:  # piped: no escape codes
            console = Console(file=io.StringIO(), width=width)
        else:  # a terminal: the bold header's escape codes, wherever rich cuts its Segments
            colours: Literal["standard", "256", "truecolor"] = rng.choice(["standard", "256", "truecolor"])
            console = Console(
                file=io.StringIO(), width=width, force_terminal=True, color_system=colours, no_color=rng.random() < 0.3
            )
        plain = _plain(columns, rows, title, console)
        if plain is not None:
            drawn += 1
            assert plain == _rich(columns, rows, title, console), (columns, rows, title, console.width)
    assert drawn  # the fast path was taken, not only the fallback


def test_a_repeats_table_at_120_columns_matches_rich() -> None:
    columns = ["incident", "started_at", "earlier_incident", "finding", "via_kind", "via", "evidence"]
    row = [
        "INC-2026-03810",
        "2026-09-20T00:45:00+00:00",
        "INC-2026-03712",
        "INC-2026-03712/finding/R2",
        "theme",
        "alert-fatigue",
        "theme alert-fatigue: earlier agreed finding INC-2026-03712/finding/R2 addressed…",
    ]
    for console in (
        Console(file=io.StringIO(), width=120),
        Console(file=io.StringIO(), width=120, force_terminal=True, color_system="truecolor"),
    ):
        plain = _plain(columns, [row] * 3, "3 repeat incident(s)", console)
        assert plain is not None and plain == _rich(columns, [row] * 3, "3 repeat incident(s)", console)
        assert ("\x1b[1m" in plain) is console.is_terminal


def test_what_it_does_not_follow_is_left_to_rich() -> None:
    piped = Console(file=io.StringIO(), width=80)
    assert table_lines(["a"], [["wide 漢字"]], None, piped) is None  # two cells per character
    assert table_lines(["a"], [["line\nbreak"]], None, piped) is None
    assert table_lines(["a"], [["tab\there"]], None, piped) is None
    assert table_lines(["a"], [], None, piped) is None
    assert table_lines(["a"], [["b"]], None, Console(file=io.StringIO(), width=80, legacy_windows=True)) is None
    assert table_lines(["a"], [["b"]], None, piped) is not None


def test_a_rich_without_the_private_helper_gets_its_own_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """plain_table borrows rich._wrap.divide_line: a rich that moves it draws its own Table, the same."""
    import rich._wrap

    from kb.cli import output

    printed = []
    for missing in (False, True):
        if missing:
            monkeypatch.delattr(rich._wrap, "divide_line")
        console = Console(file=io.StringIO(), width=60, force_terminal=False)
        monkeypatch.setattr(output, "console", console)
        output._print_table(["incident", "via"], [["INC-1", "a b c " * 12], ["INC-2", "x"]], "2 repeats", 200, "none")
        printed.append(_taken(console))
    assert printed[0] == printed[1] and "INC-2" in printed[1]
