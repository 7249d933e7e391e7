"""Timeline sections -> timestamped entries, from pipe tables or from lines and bullets.

Table rows carry a date/time cell and an event cell. Lines look like
"- 2019-12-04 00:30 CET - text", "14:51 text" under a "2015-10-21 (all times UTC)"
line, or "**2:35 PM** — text". Times without a zone are read in the document's zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from ingest.markdown.blocks import Table, tables
from ingest.markdown.dates import (
    DATE_RE,
    TIME_RE,
    ZONE_RE,
    Zone,
    combine,
    parse_date,
    parse_time,
    stated_zone,
    zone_from_text,
)
from ingest.markdown.sections import strip_markdown

_WEEKDAY = re.compile(r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_RANGE = re.compile(r"^\s*(?:-|–|—|to|until)\s*")
_SEP = " \t-–—:|.,"


@dataclass
class Entry:
    at: datetime
    text: str
    line: int
    """1-based row or line number within the section, for the report."""


@dataclass
class TimelineResult:
    entries: list[Entry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Assumptions made (an unknown time, a corrected year, a range); said in the report."""
    skipped: list[str] = field(default_factory=list)
    """Rows that looked like events but could not be placed in time."""
    shape: str = "none"
    zones_used: set[str] = field(default_factory=set)


@dataclass
class _Stamp:
    day: date | None
    at: time | None
    time_unknown: bool
    end: time | None
    zone: Zone | None
    rest: str
    notes: list[str]


def _stamp(text: str, default_year: int | None) -> _Stamp | None:
    """Split a leading date/time/zone off `text`; None when it does not start with one."""
    s = _WEEKDAY.sub("", text.strip())
    notes: list[str] = []
    day = None
    m = DATE_RE.match(s)
    if m:
        parsed = parse_date(m.group(0), default_year)
        if parsed is None:
            return None
        if parsed.note:
            notes.append(parsed.note)
        day = parsed.day
        s = s[m.end():].lstrip(" ,T")
        s = re.sub(r"^at\s+", "", s)
    t = TIME_RE.match(s)
    at = end = None
    unknown = False
    if t:
        pt = parse_time(t.group(0))
        at = pt.value if pt else None
        unknown = at is None
        s = s[t.end():]
        r = _RANGE.match(s)
        if r:
            t2 = TIME_RE.match(s[r.end():])
            if t2:
                pt2 = parse_time(t2.group(0))
                end = pt2.value if pt2 else None
                s = s[r.end() + t2.end():]
    if day is None and t is None:
        return None
    zone = None
    z = ZONE_RE.match(s.lstrip(" ("))
    if z:
        zone = zone_from_text(z.group(0))
        s = s.lstrip(" (")[z.end():].lstrip(")")
    return _Stamp(day, at, unknown, end, zone, s.strip(_SEP).strip(), notes)


class _Clock:
    """Turns stamps into UTC datetimes, carrying the current day forward."""

    def __init__(self, zone: Zone, day: date | None, result: TimelineResult) -> None:
        self.zone = zone
        self.day = day
        self.last: datetime | None = None
        self.result = result

    def place(self, st: _Stamp, where: str) -> datetime | None:
        zone = st.zone or self.zone
        day = st.day or self.day
        if st.day:
            self.day = st.day
        if day is None:
            self.result.skipped.append(f"{where}: a time without a date and no date in the document")
            return None
        at = st.at
        if at is None:
            at = time(0, 0)
            what = "written as unknown" if st.time_unknown else "not given"
            self.result.notes.append(f"{where}: time {what}; placed at 00:00 of {day.isoformat()}")
        if st.end:
            self.result.notes.append(f"{where}: a range {st.at:%H:%M}-{st.end:%H:%M}; its start is used")
        for n in st.notes:
            self.result.notes.append(f"{where}: {n}")
        value = combine(day, at, zone)
        if st.day is None and self.last is not None and value < self.last:
            # A time-only line earlier than the one before it: past midnight.
            day = day + timedelta(days=1)
            self.day = day
            value = combine(day, at, zone)
            self.result.notes.append(f"{where}: earlier than the previous entry; read as the next day")
        self.last = value
        self.result.zones_used.add(zone.name if zone.stated else "UTC (assumed)")
        return value


def parse_timeline(lines: list[str], zone: Zone, default_day: date | None,
                   default_year: int | None) -> TimelineResult:
    """Entries of one timeline section. `zone` is the document's; a table header or
    a line in the section ("All times in CET", "Date and Time in CET") overrides it."""
    result = TimelineResult()
    section_zone = stated_zone("\n".join(lines)) or zone
    found = [t for t in tables(lines) if _time_column(t) is not None]
    if found:
        result.shape = "table"
        clock = _Clock(section_zone, default_day, result)
        for table in found:
            _from_table(table, clock, default_year, result)
        return result
    clock = _Clock(section_zone, default_day, result)
    for no, raw in enumerate(lines, start=1):
        text = strip_markdown(_BULLET.sub("", raw))
        if not text:
            continue
        st = _stamp(text, default_year)
        if st is None:
            if result.entries and raw.startswith((" ", "\t")):
                result.entries[-1].text += " " + text  # a wrapped or nested line
            continue
        if not st.rest or re.fullmatch(r"\(?[^)]*times?[^)]*\)?", st.rest, re.IGNORECASE):
            if st.day:  # a date heading line such as "2015-10-21 (all times UTC)"
                clock.day = st.day
                z = zone_from_text(st.rest) if st.rest else None
                if z:
                    clock.zone = z
            continue
        at = clock.place(st, f"line {no}")
        if at is not None:
            result.shape = "lines"
            result.entries.append(Entry(at, st.rest, no))
    return result


def _time_column(table: Table) -> int | None:
    return table.column("date and time", "time", "date", "when", "timestamp")


def _from_table(table: Table, clock: _Clock, default_year: int | None, result: TimelineResult) -> None:
    tcol = _time_column(table)
    assert tcol is not None
    header_zone = stated_zone(" ".join(table.header)) or zone_from_text(table.header[tcol])
    if header_zone:
        clock.zone = header_zone
    dcol = table.column("date") if "time" in table.header[tcol].lower() else None
    if dcol == tcol:
        dcol = None
    ecol = table.column("event", "description", "what", "action", "details", "note")
    if ecol is None:
        ecol = next((i for i in range(len(table.header) - 1, -1, -1) if i not in (tcol, dcol)), None)
    if ecol is None:
        return
    for no, row in enumerate(table.rows, start=1):
        when = strip_markdown(row[tcol]) if tcol < len(row) else ""
        if dcol is not None and dcol < len(row):
            when = f"{strip_markdown(row[dcol])} {when}"
        text = strip_markdown(row[ecol]) if ecol < len(row) else ""
        if not when and not text:
            continue
        st = _stamp(when, default_year)
        if st is None or not text:
            result.skipped.append(f"row {no}: {when!r} is not a date or time" if st is None
                                  else f"row {no}: no event text")
            continue
        at = clock.place(st, f"row {no}")
        if at is not None:
            result.entries.append(Entry(at, text, no))
