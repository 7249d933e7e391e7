"""Timestamps read from Neo4j made straight into UTC datetimes, not through the driver's DateTime.

The driver turns each DateTime on the wire into a neo4j.time.DateTime in its zone (~45 us a
value, in Python), which kb.engines.frames.native then turns into a UTC datetime. The kept
answers of a 3,200-incident ingest read 60,000 of them: hydrating them was the largest part of
the after-ingest hooks' CPU on Neo4j. This makes the same UTC datetime from the wire's fields
(~1 us). The driver offers no public hook for it, so it replaces, on the connection a read runs
on, the function for the one structure kb's timestamps arrive in (Bolt 5's DateTime with a zone
offset); anything else, or a driver without these internals, hydrates as before.

It also counts, per connection, the values the driver's own functions hydrated (every other
temporal, spatial or vector structure, and a DateTime utc_datetime could not make). A read during
which that count stayed put holds only packstream's plain values and UTC datetimes, which
kb.engines.frames.native returns as they are: the engine then skips that pass over every cell.
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


class Hydrated:
    """How many values a connection's reads have hydrated through the driver's own functions."""

    def __init__(self) -> None:
        self.by_driver = 0


def hydrating_utc(driver_function: Callable[..., Any], seen: Hydrated | None = None) -> Callable[..., Any]:
    """utc_datetime, or the driver's own function where it cannot make the value (the same error;
    counted in `seen`)."""
    _EPOCH_, _timedelta = _EPOCH, timedelta

    def hydrate(seconds: int, nanoseconds: int, offset: int) -> Any:
        # utc_datetime inlined (positional timedelta: the most common cell of a large read).
        try:
            value = _EPOCH_ + _timedelta(0, seconds, nanoseconds // 1000)
            if value.year in (1, 9999):
                return utc_datetime(seconds, nanoseconds, offset)
            return value
        except (OverflowError, ValueError):
            if seen is not None:
                seen.by_driver += 1
            return driver_function(seconds, nanoseconds, offset)

    hydrate.kb_utc = True  # type: ignore[attr-defined]
    hydrate.kb_seen = seen  # type: ignore[attr-defined]
    return hydrate


def counting(driver_function: Callable[..., Any], seen: Hydrated) -> Callable[..., Any]:
    """The driver's function, counted in `seen`."""

    def hydrate(*fields: Any) -> Any:
        seen.by_driver += 1
        return driver_function(*fields)

    return hydrate


def read_timestamps_as_utc(tx: Any) -> Hydrated | None:
    """Have the connection of transaction `tx` hydrate offset DateTimes with utc_datetime, and
    count what its other hydration functions make; the connection's count (None: a driver
    without these internals, whose values are all to be made native)."""
    handler = getattr(getattr(tx, "_connection", None), "hydration_handler", None)
    functions = getattr(handler, "struct_hydration_functions", None)
    if not isinstance(functions, dict) or _OFFSET_DATETIME not in functions:
        return None
    current = functions[_OFFSET_DATETIME]
    if getattr(current, "kb_utc", False):
        seen: Hydrated | None = current.kb_seen
        return seen
    seen = Hydrated()
    for tag, function in list(functions.items()):
        functions[tag] = hydrating_utc(function, seen) if tag == _OFFSET_DATETIME else counting(function, seen)
    return seen
