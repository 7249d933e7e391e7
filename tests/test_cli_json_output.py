"""The CLI's JSON output: what json.dumps(indent=2) prints, byte for byte, however it is made."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest

from kb.cli.output import json_text, records

ROWS: list[list[Any]] = [
    [],
    [{}],
    [{"a": 1}, {}],
    [{"a": 1, "b": "x"}, {"a": 2, "b": None}],
    # Strings that look like the layout's own line breaks, escapes, non-ASCII, the float specials.
    [{"s": 'ü\n"x},\n    {', "t": "}", "u": "{"}, {"s": "\t\\", "f": float("nan"), "i": float("-inf"), "b": True}],
    [{"big": 1.5e300, "neg": -0.0, "huge": 10**30, "small": 1e-7}],
    [{"nested": [1, {"b": [], "c": {}}], "k": "v"}, {"t": (1, 2)}],
    [{1: 2}],
    [1, "two", None],
]


@pytest.mark.parametrize("rows", ROWS)
def test_json_text_is_json_dumps_with_indent(rows: list[Any]) -> None:
    assert json_text(rows) == json.dumps(rows, indent=2, ensure_ascii=False)


def test_records_match_row_by_row_cells() -> None:
    df = pd.DataFrame(
        {
            "key": pd.Series(["A", None, "C"], dtype="str"),
            "at": pd.to_datetime(["2025-01-01T00:00:00Z", None, "2025-03-01T12:30:00.5Z"], format="ISO8601"),
            "n": [1, 2, 3],
            "w": [0.5, float("nan"), 2.0],
            "tags": [["x"], [], ["y", "z"]],
        }
    )
    assert records(df) == [
        {"key": "A", "at": "2025-01-01T00:00:00+00:00", "n": 1, "w": 0.5, "tags": ["x"]},
        {"key": None, "at": None, "n": 2, "w": None, "tags": []},
        {
            "key": "C",
            "at": datetime(2025, 3, 1, 12, 30, 0, 500000, tzinfo=UTC).isoformat(),
            "n": 3,
            "w": 2.0,
            "tags": ["y", "z"],
        },
    ]
    assert records(pd.DataFrame(index=range(2))) == [{}, {}]
