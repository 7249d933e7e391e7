"""Timeline sections -> timestamped entries, whatever shape the document writes them in.

Shapes read: pipe tables (a date/time cell and an event cell); lines and bullets that start
with a stamp ("- 2019-12-04 00:30 CET - text", "**± 17:20 UTC:** text", wrapped bullets);
time headings ("### 08:52 PM") with the text below; date headings ("## May 12") or date lines
with time-only entries below; a stamp alone on a line with its text on the next lines
("1:03" / "First alert fires"); a preamble ("times are UTC unless noted; 2019-10-21") that
sets the zone and the day. Approximate ("~19:30") and partly or wholly unknown times ("14:??",
"HH:mm", "??") are kept, marked in the entry's text and the report, never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from ingest.markdown.blocks import Block, Table, tables
from ingest.markdown.dates import (
    DATE_RE,
    TIME_RE,
    ZONE_RE,
    Zone,
    combine,
    military_time,
    parse_date,
    parse_time,
    stated_zone,
    zone_from_text,
)

_WEEKDAY = re.compile(r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]{0,6}\.?,? ", re.IGNORECASE)
_RANGE = re.compile(r" ?(?:-|–|—|to|until) ?")
_SEP = " \t-–—:|.,*"
_STAMP_SPAN = 120  # a stamp is at the start of a line: look no further than this
_ALL_ON_DAY = re.compile(
    r"\b(?:unless|except where) (?:otherwise )?(?:noted|stated|specified|mentioned)\b", re.IGNORECASE
)
_TIMES_NOTE = re.compile(r"\(?[^()]{0,40}\btimes?\b[^()]{0,60}\)?", re.IGNORECASE)
# A row stamped by its distance from the clock time before it: "[+6.5 hrs]", "T+22h", "+45 min".
_OFFSET = re.compile(
    r"\\?\[?\s?(?:T\s?)?\+\s?(?P<n>\d{1,3}(?:\.\d{1,2})?)\s?(?P<unit>h|hrs?|hours?|m|mins?|minutes?)\.?\s?\\?\](?=\s|$|[:|-])"
    r"|(?:T\s?)?\+\s?(?P<n2>\d{1,3}(?:\.\d{1,2})?)\s?(?P<unit2>h|hrs?|hours?|m|mins?|minutes?)\b",
    re.IGNORECASE,
)


@dataclass
class Entry:
    at: datetime
    text: str
    line: int
    """1-based row or line number, for the report."""
    day: date | None = None
    """The local day the document placed it on."""
    precision: str = "exact"
    """exact | approximate | hour (minutes unknown) | unknown (time not written) | day (no time
    given) | month (a table's date cell names only a month: "Jul 2024")"""
    written: str = ""
    kind: str | None = None
    """The event kind the row's label states (a labelled instant: "Repaired" is a repair); None: read from its text."""


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
class Stamp:
    day: date | None
    at: time | None
    precision: str
    end: time | None
    zone: Zone | None
    rest: str
    notes: list[str]
    written: str
    offset: timedelta | None = None
    """A row stamped "[+6.5 hrs]": its distance from the last row with a clock time."""


def _offset_stamp(head: str) -> Stamp | None:
    m = _OFFSET.match(head)
    if m is None:
        return None
    amount = float(m.group("n") or m.group("n2"))
    hours = (m.group("unit") or m.group("unit2")).lower().startswith("h")
    offset = timedelta(hours=amount) if hours else timedelta(minutes=amount)
    written = m.group(0).replace("\\", "").strip()
    return Stamp(None, None, "approximate", None, None, head[m.end() :].strip(_SEP).strip(), [], written, offset)


def _repeated_in_another_zone(s: str) -> int:
    """Length of " / 16:15 PDT" (or " (16:15-17:30 PDT)") after a stamp that named its zone: the
    same instant told again in another zone, not part of the event's text; 0 when none."""
    t = re.match(r"\s*[/(]\s*", s)
    if t is None:
        return 0
    first = TIME_RE.match(s, t.end())
    if first is None or first.group("approx") or not (first.group("h") or first.group("h2")):
        return 0
    at = first.end() + (s[first.end() : first.end() + 1] == "+")
    r = _RANGE.match(s, at)
    second = TIME_RE.match(s, r.end()) if r else None
    if second is not None:
        at = second.end() + (s[second.end() : second.end() + 1] == "+")
    z = ZONE_RE.match(s, at + len(s[at:]) - len(s[at:].lstrip()))
    if z is None:
        return 0
    return z.end() + (s[z.end() : z.end() + 1] == ")")


def stamp(text: str, default_year: int | None) -> Stamp | None:
    """Split a leading date/time/zone off `text`; None when it does not start with one."""
    head = text[:_STAMP_SPAN].strip().lstrip("*_ ")
    tail = text[_STAMP_SPAN:] if len(text) > _STAMP_SPAN else ""
    if head[:1] in "[\\T+":
        offset = _offset_stamp(head)
        if offset is not None:
            offset.rest = (offset.rest + tail).strip()
            return offset
    s = head
    w = _WEEKDAY.match(s)
    if w:
        s = s[w.end() :]
    notes: list[str] = []
    day = None
    m = DATE_RE.match(s)
    if m and not m.group("my"):
        parsed = parse_date(m.group(0), default_year)
        if parsed is None:
            return None
        if parsed.note:
            notes.append(parsed.note)
        day = parsed.day
        if day is None and parsed.note:
            return Stamp(None, None, "day", None, None, s[m.end() :].strip(_SEP), notes, m.group(0))
        s = s[m.end() :].lstrip(" ,T")
        if s[:1] == "/" and s[1:2].isdigit():
            s = s[1:]  # "2023-01-04/11:34"
        if s[:3].lower() == "at ":
            s = s[3:]
    t = TIME_RE.match(s)
    at = end = None
    precision = "day"
    military = military_time(s, after_date=day is not None) if t is None else None
    if military is not None:
        at, length = military
        precision = "exact"
        s = s[length:]
    if t:
        pt = parse_time(t.group(0))
        at = pt.value if pt else None
        precision = (
            "unknown"
            if at is None
            else "approximate"
            if pt and pt.approximate
            else "hour"
            if pt and pt.minutes_unknown
            else "exact"
        )
        s = s[t.end() :]
        r = _RANGE.match(s)
        if r:
            t2 = TIME_RE.match(s[r.end() :])
            if t2:
                pt2 = parse_time(t2.group(0))
                end = pt2.value if pt2 else None
                s = s[r.end() + t2.end() :]
        if s[:1] == "+" and not s[1:2].isdigit():
            s = s[1:]  # "17:55+ UTC": from then on ("14:00+02:00" is an offset)
    if day is None and t is None and military is None:
        return None
    written = head[: len(head) - len(s)].strip(" \t*_|,")
    zone = None
    z = ZONE_RE.match(s.lstrip(" ("))
    if z:
        zone = zone_from_text(z.group(0))
        s = s.lstrip(" (")[z.end() :].lstrip(")")
        s = s[_repeated_in_another_zone(s) :]
    return Stamp(day, at, precision, end, zone, (s + tail).strip(_SEP).strip(), notes, written)


_MARK = {
    "month": "(month only: {w}) ",
    "approximate": "(approximate time {w}) ",
    "hour": "(minutes unknown: {w}) ",
    "unknown": "(time unknown: {w}) ",
}


class _Clock:
    """Turns stamps into UTC datetimes, carrying the current day forward."""

    def __init__(self, zone: Zone, day: date | None, result: TimelineResult) -> None:
        self.zone = zone
        self.day = day
        self.stated_day = False
        """The preamble said on which day all entries fall ("Unless otherwise noted all events
        happened on 2019-10-21"): an entry with its own date is the exception, not the new day."""
        self.last: datetime | None = None
        self.result = result

    def place(self, st: Stamp, where: str) -> Entry | None:
        if st.offset is not None:
            return self._offset(st, where)
        zone = st.zone or self.zone
        day = st.day or self.day
        if st.day and not self.stated_day:
            self.day = st.day
        if day is None:
            self.result.skipped.append(f"{where}: a time without a date and no date in the document")
            return None
        at = st.at if st.at is not None else time(0, 0)
        if st.precision == "day":
            self.result.notes.append(f"{where}: no time given; placed at 00:00 of {day.isoformat()}")
        if st.end and st.at:
            self.result.notes.append(f"{where}: a range {st.at:%H:%M}-{st.end:%H:%M}; its start is used")
        for n in st.notes:
            self.result.notes.append(f"{where}: {n}")
        value = combine(day, at, zone)
        if st.day is None and st.at is not None and self.last is not None and value < _minute(self.last):
            # A time-only line earlier than the one before it: past midnight ("17:55" after
            # "17:55:08" is the same minute).
            day = day + timedelta(days=1)
            self.day = day
            value = combine(day, at, zone)
            self.result.notes.append(f"{where}: earlier than the previous entry; read as the next day")
        if st.at is not None:
            self.last = value
        self.result.zones_used.add(zone.name if zone.stated else "UTC (assumed)")
        return Entry(value, st.rest, 0, day, st.precision, st.written)

    def _offset(self, st: Stamp, where: str) -> Entry | None:
        """ "[+6.5 hrs]": counted from the last row with a clock time (offsets do not add up)."""
        assert st.offset is not None
        if self.last is None:
            self.result.skipped.append(f"{where}: {st.written!r} counts from no clock time before it")
            return None
        value = self.last + st.offset
        self.result.notes.append(f"{where}: {st.written} after the last clock time; approximate")
        return Entry(value, st.rest, 0, value.astimezone(self.zone.tz).date(), "approximate", st.written)


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def parse_timeline(
    blocks: list[Block], zone: Zone, default_day: date | None, default_year: int | None, title: str = ""
) -> TimelineResult:
    """Entries of one timeline section. `zone` is the document's; the section's heading, a
    line in it or a table header ("All times in CET", "Date and Time in CET") overrides it."""
    result = TimelineResult()
    section_text = "\n".join(b.text for b in blocks if b.kind != "code")
    section_zone = stated_zone(title) or stated_zone(section_text) or zone
    if section_zone.problem:
        result.notes.append(section_zone.problem)
    clock = _Clock(section_zone, default_day, result)
    current: Entry | None = None
    dated: tuple[date, str] | None = None  # a date heading whose text has no time yet
    day_items: tuple[date, str, int] | None = None  # a date line whose entries are list items
    for b in blocks:
        if b.kind != "item":
            day_items = None
        if b.kind == "table":
            # in document order: "## Nov 26" then a table of times is that day's
            for table in (t for t in tables([b]) if _time_column(t) is not None):
                result.shape = "table"
                _from_table(table, clock, default_year, result)
                current, dated = None, None
            continue
        if b.kind == "code" and not _stamped_lines(b.text, default_year):
            continue
        lines = b.text.split("\n")
        for i, raw in enumerate(lines):
            text = " ".join(raw.split())
            if not text:
                continue
            st = stamp(text, default_year) if (i == 0 or not b.lead_only) else None
            if st is not None and not st.rest and st.at is None and st.precision == "day" and st.day:
                clock.day = st.day  # a date heading or date line ("## May 12", "2015-10-21 (all times UTC)")
                clock.stated_day = False
                result.notes += [f"line {b.line + i}: {n}" for n in st.notes]  # "'01-10-2024' read day first"
                clock.last = None
                current = None
                dated = (st.day, st.written)
                continue
            if st is not None and st.at is None and st.day and _TIMES_NOTE.fullmatch(st.rest):
                clock.day = st.day
                z = zone_from_text(st.rest)
                if z:
                    clock.zone = z
                current = None
                continue
            if st is None and current is None and dated is not None:
                # "### 2019-09-18" then prose, no time: an event of that day, not background
                st = Stamp(dated[0], None, "day", None, None, text, [], dated[1])
                if b.kind == "item":
                    day_items = (dated[0], dated[1], b.level)
            elif (
                st is None
                and i == 0
                and day_items is not None
                and b.level <= day_items[2]
                and (item := _day_item(day_items, text, result, f"line {b.line}")) is not None
            ):
                # "2019-10-08:" then "* a", "* 11:20 b", "* c": each item of the day is an event
                item.line = b.line
                result.entries.append(item)
                current = item
                continue
            if st is not None:
                dated = None
            if st is None:
                if current is not None:
                    current.text = f"{current.text} {text}".strip() if b.kind != "heading" else current.text
                elif not result.entries:
                    _preamble(text, clock, default_year)
                continue
            entry = clock.place(st, f"line {b.line + i}")
            if entry is None:
                continue
            entry.line = b.line + i
            result.shape = result.shape if result.shape == "table" else "headings" if b.kind == "heading" else "lines"
            result.entries.append(entry)
            current = entry
    _fill_unknown(result)
    result.entries = [e for e in result.entries if e.text or e.precision != "day"]
    for e in result.entries:
        e.text = e.text.rstrip("\\ ")  # "text<br />" then a line "\\\\": line-break backslashes
        if not e.text:
            e.text = "(no text)"
        mark = _MARK.get(e.precision)
        if mark:
            e.text = mark.format(w=e.written) + e.text
    return result


def _month_only(cell: str) -> Stamp | None:
    """A table's date cell that names only a month ("Jul 2024", the month a change landed): the
    row is placed on the 1st and marked, rather than the document failing for want of a date.
    Only a whole cell: in a line of prose a month is background, not a stamp."""
    m = DATE_RE.fullmatch(cell.strip(" *_"))
    parsed = parse_date(m.group(0)) if m and m.group("my") else None
    if m is None or parsed is None or parsed.day is None:
        return None
    return Stamp(parsed.day, None, "month", None, None, "", [parsed.note] if parsed.note else [], m.group(0))


def _day_item(day_items: tuple[date, str, int], text: str, result: TimelineResult, where: str) -> Entry | None:
    """An untimed list item under a date line after the day's first: at 00:00 of the day, or
    with the timed entry before it on that day (the document's order). None when the entry
    before it is of another day (a time past midnight moved on): the item continues it."""
    day, written, _ = day_items
    before = result.entries[-1] if result.entries and result.entries[-1].day == day else None
    if before is None:
        return None
    if before.precision != "day":
        result.notes.append(f"{where}: no time given; placed with the entry before it")
        return Entry(before.at, text, 0, day, "exact", before.written)
    result.notes.append(f"{where}: no time given; placed at 00:00 of {day.isoformat()}")
    return Entry(before.at, text, 0, day, "day", written)


def _stamped_lines(text: str, default_year: int | None) -> bool:
    """A code block (fenced or indented) is a timeline written as plain lines when every line
    in it starts with a time: a log excerpt has lines that do not, and stays background."""
    lines = [line for line in text.split("\n") if line.strip()]
    return bool(lines) and all((st := stamp(line, default_year)) is not None and st.at is not None for line in lines)


def _preamble(text: str, clock: _Clock, default_year: int | None) -> None:
    """Text before the first entry: "times are UTC unless noted; 2019-10-21" sets zone and day."""
    z = stated_zone(text)
    if z is not None and z.problem is None:
        clock.zone = z
    parsed = parse_date(text, default_year)
    if parsed and parsed.day and parsed.day_known:
        clock.day = parsed.day
        clock.stated_day = bool(_ALL_ON_DAY.search(text))


def _fill_unknown(result: TimelineResult) -> None:
    """An entry whose time is written as unknown keeps its place in the order: it takes the
    time of the entry before it on the same day, else of the one after, else the day's start."""
    entries = result.entries
    for i, e in enumerate(entries):
        if e.precision != "unknown":
            continue
        before = next((x for x in reversed(entries[:i]) if x.precision != "unknown"), None)
        after = next((x for x in entries[i + 1 :] if x.precision != "unknown"), None)
        if before is not None and before.day == e.day:
            e.at, where = before.at, "with the entry before it"
        elif after is not None and after.day == e.day:
            e.at, where = after.at, "with the entry after it"
        else:
            where = f"at 00:00 of {e.day.isoformat() if e.day else 'its day'}"
        result.notes.append(f"line {e.line}: time written as unknown ({e.written}); placed {where}")


def _time_column(table: Table) -> int | None:
    return table.column("date and time", "time", "date", "when", "timestamp")


def _from_table(table: Table, clock: _Clock, default_year: int | None, result: TimelineResult) -> None:
    tcol = _time_column(table)
    assert tcol is not None
    header_zone = stated_zone(" ".join(table.header)) or zone_from_text(table.header[tcol])
    if header_zone and not header_zone.problem:
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
        when = row[tcol] if tcol < len(row) else ""
        if dcol is not None and dcol < len(row):
            when = f"{row[dcol]} {when}"
        text = row[ecol] if ecol < len(row) else ""
        if not when and not text:
            continue
        st = stamp(when, default_year) or _month_only(when)
        if st is None or not text:
            result.skipped.append(
                f"row {no}: {when!r} is not a date or time" if st is None else f"row {no}: no event text"
            )
            continue
        entry = clock.place(st, f"row {no}")
        if entry is not None:
            entry.text, entry.line = text, no
            result.entries.append(entry)
