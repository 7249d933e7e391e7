"""Timestamps read from Neo4j made straight into UTC datetimes, not through the driver's DateTime.

The driver turns each DateTime on the wire into a neo4j.time.DateTime in its zone (~45 us a
value, in Python), which kb.engines.frames.native then turns into a UTC datetime. The kept
answers of a 3,200-incident ingest read 60,000 of them: hydrating them was the largest part of
the after-ingest hooks' CPU on Neo4j. This makes the same UTC datetime from the wire's fields
(~1 us). The driver offers no public hook for it, so it replaces, on the connection a read runs
on, the function for the one structure kb's timestamps arrive in (Bolt 5's DateTime with a zone
offset); anything else, or a driver without these internals, hydrates as before.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_OFFSET_DATETIME = b"I"
"""Bolt 5's tag of a DateTime with a zone offset: UTC epoch seconds, nanoseconds, offset seconds."""


def utc_datetime(seconds: int, nanoseconds: int, offset: int) -> datetime:
    """The instant as kb.engines.frames.native makes it from the driver's DateTime: in UTC, the
    nanoseconds truncated to microseconds as DateTime.to_native truncates them. The offset names
    the zone the value was written in, which the UTC value does not keep; the driver fails on a
    value whose local time (in whole minutes of offset) is beyond year 1-9999, and so does this."""
    value = _EPOCH + timedelta(seconds=seconds, microseconds=nanoseconds // 1000)
    if value.year in (1, 9999):
        value + timedelta(minutes=offset // 60)  # OverflowError where the driver's would fail
    return value


def hydrating_utc(driver_function: Callable[..., Any]) -> Callable[..., Any]:
    """utc_datetime, or the driver's own function where it cannot make the value (the same error)."""

    def hydrate(seconds: int, nanoseconds: int, offset: int) -> Any:
        try:
            return utc_datetime(seconds, nanoseconds, offset)
        except (OverflowError, ValueError):
            return driver_function(seconds, nanoseconds, offset)

    hydrate.kb_utc = True  # type: ignore[attr-defined]
    return hydrate


def read_timestamps_as_utc(tx: Any) -> None:
    """Have the connection of transaction `tx` hydrate offset DateTimes with utc_datetime."""
    handler = getattr(getattr(tx, "_connection", None), "hydration_handler", None)
    functions = getattr(handler, "struct_hydration_functions", None)
    if not isinstance(functions, dict) or _OFFSET_DATETIME not in functions:
        return
    current = functions[_OFFSET_DATETIME]
    if not getattr(current, "kb_utc", False):
        functions[_OFFSET_DATETIME] = hydrating_utc(current)
