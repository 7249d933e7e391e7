"""Dates and times as post-mortems write them: with or without a year, a zone, a time.

Every parsed value is a UTC-aware datetime. A time without a zone is read in the
document's stated zone ("All times in CET"), else UTC; the caller reports which.
Zone abbreviations are taken at their word as fixed offsets (CET is UTC+1 even in
June), because a document that says CET is the only evidence we have.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ZONES: dict[str, int] = {  # offset in minutes
    "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "BST": 60, "IST": 330, "CET": 60, "CEST": 120,
    "EET": 120, "EEST": 180, "MSK": 180, "EST": -300, "EDT": -240, "CST": -360, "CDT": -300,
    "MST": -420, "MDT": -360, "PST": -480, "PDT": -420, "JST": 540, "AEST": 600, "AEDT": 660,
}
_ZONE_WORD = "|".join(sorted(ZONES, key=len, reverse=True))
_IANA = r"[A-Z][a-z]+/[A-Za-z_]+"
_OFFSET = r"[+-]\d{1,2}(?::?\d{2})?"
ZONE_RE = re.compile(rf"\b(?:{_ZONE_WORD})\b(?:\s*{_OFFSET})?|\bUTC{_OFFSET}|{_IANA}")
_STATED = re.compile(
    rf"(?:all\s+)?times?\s+(?:are\s+)?(?:in|are)\s+(?P<zone>UTC[+-]\d{{1,2}}(?::?\d{{2}})?|{_ZONE_WORD}|{_IANA})\b"
    rf"|date\s+and\s+time\s+in\s+(?P<zone2>{_ZONE_WORD}|{_IANA})\b",
    re.IGNORECASE)

MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_MONTH_WORD = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"

# A date: ISO (with a tolerated 5-digit typo year), D Month [YYYY], Month D[, YYYY], D/M/YYYY.
DATE_RE = re.compile(
    rf"(?P<iso>(?P<y>\d{{4,5}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}}))"
    rf"|(?P<dmy>(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\.?\s+(?:of\s+)?(?P<m2>{_MONTH_WORD})(?:,?\s+(?P<y2>\d{{4}}))?)"
    rf"|(?P<mdy>(?P<m3>{_MONTH_WORD})\s+(?P<d3>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y3>\d{{4}}))?)"
    rf"|(?P<num>(?P<d4>\d{{1,2}})/(?P<m4>\d{{1,2}})/(?P<y4>\d{{4}}))",
    re.IGNORECASE)
TIME_RE = re.compile(r"(?<![\d:])(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?::(?P<s>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?(?![\d])"
                     r"|(?P<h2>\d{1,2})\s*(?P<ampm2>[ap]m)\b"
                     r"|(?P<unknown>--:--)", re.IGNORECASE)


@dataclass(frozen=True)
class Zone:
    tz: tzinfo
    name: str
    stated: bool
    """False when nothing in the document said which zone its times are in (UTC assumed)."""


UTC_ASSUMED = Zone(UTC, "UTC", stated=False)


def zone_from_text(text: str) -> Zone | None:
    """A zone named in `text` ("CET", "UTC+2", "Europe/Copenhagen"), if any."""
    m = ZONE_RE.search(text)
    return _zone(m.group(0)) if m else None


def _zone(word: str) -> Zone | None:
    word = word.strip()
    if "/" in word:
        try:
            return Zone(ZoneInfo(word), word, stated=True)
        except (ZoneInfoNotFoundError, ValueError):
            return None
    m = re.fullmatch(r"([A-Za-z]+)?\s*(?:([+-])(\d{1,2})(?::?(\d{2}))?)?", word)
    if not m:
        return None
    base = ZONES.get((m.group(1) or "UTC").upper())
    if base is None:
        return None
    if m.group(2):
        extra = int(m.group(3)) * 60 + int(m.group(4) or 0)
        base += extra if m.group(2) == "+" else -extra
    return Zone(timezone(timedelta(minutes=base)), word.upper(), stated=True)


def stated_zone(text: str) -> Zone | None:
    """The zone a document declares for its times: "All times in CET", "Date and Time in CET"."""
    m = _STATED.search(text)
    if not m:
        return None
    return _zone(m.group("zone") or m.group("zone2"))


@dataclass(frozen=True)
class ParsedDate:
    day: date | None
    has_year: bool
    note: str | None = None


def parse_date(text: str, default_year: int | None = None) -> ParsedDate | None:
    """The first date in `text`; a missing year comes from `default_year`."""
    m = DATE_RE.search(text)
    if not m:
        return None
    note = None
    if m.group("iso"):
        y, mo, d = m.group("y"), int(m.group("m")), int(m.group("d"))
        year = int(y)
        if len(y) == 5:
            # "20202-01-16": a doubled digit. Keep the first four, say so.
            year = int(y[:4])
            note = f"year {y!r} read as {year}"
        return _make(year, mo, d, True, note)
    if m.group("dmy"):
        mo, d, y = _month(m.group("m2")), int(m.group("d2")), m.group("y2")
    elif m.group("mdy"):
        mo, d, y = _month(m.group("m3")), int(m.group("d3")), m.group("y3")
    else:
        # D/M/YYYY (the European order; a US document would say so with month names)
        mo, d, y = int(m.group("m4")), int(m.group("d4")), m.group("y4")
    if y:
        return _make(int(y), mo, d, True, None)
    if default_year is None:
        return ParsedDate(None, False, "date without a year and no year in the document")
    return _make(default_year, mo, d, False, None)


def _month(word: str) -> int:
    return MONTHS[word[:3].lower()]


def _make(year: int, month: int, day: int, has_year: bool, note: str | None) -> ParsedDate | None:
    try:
        return ParsedDate(date(year, month, day), has_year, note)
    except ValueError:
        return None


@dataclass(frozen=True)
class ParsedTime:
    value: time | None
    """None when the document wrote the time as unknown ("--:--")."""
    end: time | None = None
    """The end of a range ("09:00 - 11:00")."""


def parse_time(text: str) -> ParsedTime | None:
    matches = list(TIME_RE.finditer(text))
    if not matches:
        return None
    first = _time(matches[0])
    if first is None:
        return ParsedTime(None)
    end = None
    if len(matches) > 1:
        between = text[matches[0].end():matches[1].start()]
        if re.fullmatch(r"\s*(?:-|–|—|to|until)\s*", between):
            end = _time(matches[1])
    return ParsedTime(first, end)


def _time(m: re.Match[str]) -> time | None:
    if m.group("unknown"):
        return None
    if m.group("h2"):
        hour, minute, second, ampm = int(m.group("h2")), 0, 0, m.group("ampm2")
    else:
        hour, minute, second = int(m.group("h")), int(m.group("mi")), int(m.group("s") or 0)
        ampm = m.group("ampm")
    if ampm:
        pm = ampm.lower().startswith("p")
        hour = hour % 12 + (12 if pm else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute, second)


def combine(day: date, at: time, zone: Zone) -> datetime:
    """A local date and time in `zone` -> UTC."""
    return datetime.combine(day, at, tzinfo=zone.tz).astimezone(UTC)


DURATION_RE = re.compile(
    r"(?P<n>\d+(?:[.,]\d+)?)\s*(?P<unit>d(?:ays?)?|h(?:ours?|rs?)?|m(?:in(?:ute)?s?)?|s(?:ec(?:ond)?s?)?)\b",
    re.IGNORECASE)
_UNIT_MINUTES = {"d": 1440.0, "h": 60.0, "m": 1.0, "s": 1 / 60}


def parse_duration(text: str) -> timedelta | None:
    """ "54 minutes", "2h 28m", "1 hour 5 min", "01:30" -> a timedelta; "?", "N/A" -> None."""
    total = 0.0
    found = False
    for m in DURATION_RE.finditer(text):
        total += float(m.group("n").replace(",", ".")) * _UNIT_MINUTES[m.group("unit")[0].lower()]
        found = True
    if not found:
        hm = re.fullmatch(r"\s*(\d{1,3}):(\d{2})\s*", text)
        if not hm:
            return None
        total = int(hm.group(1)) * 60 + int(hm.group(2))
    return timedelta(minutes=total)
