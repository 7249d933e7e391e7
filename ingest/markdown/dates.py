"""Dates and times as post-mortems write them: with or without a year, a zone, a time.

Every parsed value is a UTC-aware datetime. A time without a zone is read in the
document's stated zone ("All times in CET"), else UTC; the caller reports which.
Zone abbreviations are taken at their word as fixed offsets (CET is UTC+1 even in
June), because a document that says CET is the only evidence we have.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as dateutil_parser

ZONES: dict[str, int] = {  # offset in minutes; a stated abbreviation is taken at its word
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "WET": 0,
    "WEST": 60,
    "BST": 60,
    "IST": 330,
    "CET": 60,
    "CEST": 120,
    "MET": 60,
    "MEST": 120,
    "EET": 120,
    "EEST": 180,
    "MSK": 180,
    "EST": -300,
    "EDT": -240,
    "CST": -360,
    "CDT": -300,
    "MST": -420,
    "MDT": -360,
    "PST": -480,
    "PDT": -420,
    "AKST": -540,
    "AKDT": -480,
    "HST": -600,
    "JST": 540,
    "KST": 540,
    "SGT": 480,
    "HKT": 480,
    "AEST": 600,
    "AEDT": 660,
    "ACST": 570,
    "ACDT": 630,
    "AWST": 480,
    "NZST": 720,
    "NZDT": 780,
    "BRT": -180,
    "ART": -180,
}
REGIONS: dict[str, str] = {
    # zones in words (PagerDuty and Rails write these): the region's own rules, summer time in summer
    "pacific time": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
    "pt": "America/Los_Angeles",
    "mountain time": "America/Denver",
    "arizona": "America/Phoenix",
    "central time": "America/Chicago",
    "eastern time": "America/New_York",
    "eastern": "America/New_York",
    "et": "America/New_York",
    "alaska": "America/Anchorage",
    "hawaii": "Pacific/Honolulu",
    "edinburgh": "Europe/London",
    "london": "Europe/London",
    "dublin": "Europe/Dublin",
    "lisbon": "Europe/Lisbon",
    "amsterdam": "Europe/Amsterdam",
    "berlin": "Europe/Berlin",
    "paris": "Europe/Paris",
    "madrid": "Europe/Madrid",
    "rome": "Europe/Rome",
    "stockholm": "Europe/Stockholm",
    "copenhagen": "Europe/Copenhagen",
    "brussels": "Europe/Brussels",
    "vienna": "Europe/Vienna",
    "prague": "Europe/Prague",
    "warsaw": "Europe/Warsaw",
    "bucharest": "Europe/Bucharest",
    "athens": "Europe/Athens",
    "helsinki": "Europe/Helsinki",
    "kyiv": "Europe/Kyiv",
    "istanbul": "Europe/Istanbul",
    "moscow": "Europe/Moscow",
    "kolkata": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata",
    "singapore": "Asia/Singapore",
    "tokyo": "Asia/Tokyo",
    "sydney": "Australia/Sydney",
    "melbourne": "Australia/Melbourne",
    "auckland": "Pacific/Auckland",
    "central european time": "Europe/Berlin",
    "central european summer time": "Europe/Berlin",
    "coordinated universal time": "UTC",
}
_ZONE_WORD = "|".join(sorted(ZONES, key=len, reverse=True))
_REGION_WORD = "|".join(re.escape(w) for w in sorted(REGIONS, key=len, reverse=True) if len(w) > 2)
_IANA = r"[A-Z][A-Za-z_]+(?:/[A-Za-z_+-]+){1,2}"
_OFFSET = r"[+-]\d{1,2}(?::?\d{2})?"
ZONE_RE = re.compile(rf"(?<![A-Za-z0-9])(?:{_ZONE_WORD})(?![A-Za-z0-9])(?:\s?{_OFFSET})?|{_IANA}")
_REGION_RE = re.compile(rf"\b(?:{_REGION_WORD})\b", re.IGNORECASE)
_TIMES_WORD = re.compile(r"\btimes?\b|\btimezone\b|\btime zone\b", re.IGNORECASE)
_STATEMENT_WINDOW = 90

MONTHS = {
    m: i + 1 for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])
}
_MONTH_WORD = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"

# A year written in words' company: 19xx or 20xx, not followed by a zone ("Feb 7 1506 UTC",
# "Feb 9 1924 UTC" are February 7th at 15:06 and 9th at 19:24).
_YEAR_WORD = rf"(?:19|20)\d{{2}}(?!\d)(?!\s?(?-i:{_ZONE_WORD})(?![A-Za-z0-9]))"
# A date: ISO (with a tolerated 5-digit typo year; "2024.03.04" too), YYYY-Mon-D ("2025-Feb-07"), D Month [YYYY],
# Month D[, YYYY] (of a range of days, "August 18-19, 2025", the first),
# Month YYYY, D/M/YYYY or M/D/YYYY (the order a value above 12 shows), also
# with a two-digit year ("01/03/24", "5-26-21": 20YY).
TYPO_YEARS = (1970, 2100)
"""The years a five-digit typo year may stand for (its first or last four digits)."""
DATE_RE = re.compile(
    rf"(?P<iso>(?P<y>\d{{4,5}})[-.](?P<m>\d{{1,2}})[-.](?P<d>\d{{1,2}}))(?![\d])"
    rf"|(?P<ymd>(?P<y7>{_YEAR_WORD})[-/ ](?P<m7>{_MONTH_WORD})[-/ ](?P<d7>\d{{1,2}})(?!\d))"
    rf"|(?P<dmy>(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\.?\s(?:of\s)?(?P<m2>{_MONTH_WORD})(?:,?\s(?P<y2>{_YEAR_WORD}))?)"
    rf"|(?P<mdy>(?P<m3>{_MONTH_WORD})\s(?P<d3>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"(?:\s?[-–]\s?\d{{1,2}}(?:st|nd|rd|th)?)?(?![\d:])(?:,?\s(?P<y3>{_YEAR_WORD}))?)"
    rf"|(?P<my>(?P<m5>{_MONTH_WORD})\s(?P<y5>{_YEAR_WORD}))"
    rf"|(?P<num>(?<![\d/.])(?P<d4>\d{{1,2}})/(?P<m4>\d{{1,2}})/(?P<y4>\d{{4}}|\d{{2}}(?![\d/.])))"
    rf"|(?P<dnum>(?<![\d-])(?P<d6>\d{{1,2}})-(?P<m6>\d{{1,2}})-(?P<y6>\d{{4}}|\d{{2}})(?![\d-]))",
    re.IGNORECASE,
)
_NUMERIC = re.compile(r"(?<![\d/-])(\d{1,2})([/-])(\d{1,2})\2(?:\d{4}|\d{2})(?![\d/-])")
_MONTH_FIRST: ContextVar[bool] = ContextVar("month_first", default=False)


def shows_month_first(text: str) -> bool:
    """The document writes numeric dates month first: one of them can only be read so
    ("01/16/2024", "01-31-2024") and none can only be read day first."""
    us = eu = False
    for m in itertools.islice(_NUMERIC.finditer(text), 500):
        first, second = int(m.group(1)), int(m.group(3))
        us |= second > 12 >= first
        eu |= first > 12 >= second
    return us and not eu


@contextmanager
def numeric_dates_month_first(on: bool) -> Iterator[None]:
    """Within it, an ambiguous numeric date ("01-10-2024") is read month first: the order the
    rest of the document shows. Outside it (and by default) day first, said so."""
    token = _MONTH_FIRST.set(on)
    try:
        yield
    finally:
        _MONTH_FIRST.reset(token)


# A time: 14:02, 2:35 PM, 14:02:07, 3pm; "~19:30" / "± 17:20" / "ca. 9:00" approximate; "14:??" a known
# hour; "--:--", "??:??", "HH:mm", "??" unknown.
TIME_RE = re.compile(
    r"(?P<approx>(?:~|±|\+/-|≈|ca\.|circa|approx\.?|about|around)\s?)?"
    r"(?:(?<![\d:])(?P<h>\d{1,2})[:.](?P<mi>\d{2}|\?\?|xx)(?::(?P<s>\d{2}))?\s?(?P<ampm>[ap]\.?m\.?)?(?!\d)"
    r"|(?<![\d:])(?P<h2>\d{1,2})\s?(?P<ampm2>[ap]m)\b"
    r"|(?P<unknown>--:--|\?\?:\?\?|HH:mm|hh:mm|\?\?(?!\?)))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Zone:
    tz: tzinfo
    name: str
    stated: bool
    """False when nothing in the document said which zone its times are in (UTC assumed)."""
    problem: str | None = None
    """A zone the document names that is not known: said in the report, times read as UTC."""


UTC_ASSUMED = Zone(UTC, "UTC", stated=False)


# "PST/PDT", "CET/CEST": a standard/summer pair names the region, whose own rules pick the offset
# (an August time in "PST/PDT" is PDT), unlike one abbreviation, which is taken at its word.
ZONE_PAIRS: dict[tuple[str, str], str] = {
    ("PST", "PDT"): "America/Los_Angeles",
    ("MST", "MDT"): "America/Denver",
    ("CST", "CDT"): "America/Chicago",
    ("EST", "EDT"): "America/New_York",
    ("AKST", "AKDT"): "America/Anchorage",
    ("GMT", "BST"): "Europe/London",
    ("WET", "WEST"): "Europe/Lisbon",
    ("CET", "CEST"): "Europe/Berlin",
    ("EET", "EEST"): "Europe/Helsinki",
    ("AEST", "AEDT"): "Australia/Sydney",
    ("ACST", "ACDT"): "Australia/Adelaide",
    ("NZST", "NZDT"): "Pacific/Auckland",
}
_PAIR_RE = re.compile(r"(?<![A-Za-z0-9])([A-Z]{3,4})\s?(?:/|or|and)\s?([A-Z]{3,4})(?![A-Za-z0-9])")


def zone_from_text(text: str) -> Zone | None:
    """A zone named in `text` ("CET", "UTC+2", "Europe/Copenhagen", "Pacific Time", "PST/PDT"), if any."""
    text = text[:400]
    pair = _PAIR_RE.search(text)
    if pair:
        a, b = pair.group(1), pair.group(2)
        region = ZONE_PAIRS.get((a, b)) or ZONE_PAIRS.get((b, a))
        if region:
            return Zone(ZoneInfo(region), f"{a}/{b} ({region})", stated=True)
    m = ZONE_RE.search(text)
    r = _REGION_RE.search(text)
    if r and (m is None or r.start() < m.start()):
        name = REGIONS[" ".join(r.group(0).lower().split())]
        return Zone(UTC if name == "UTC" else ZoneInfo(name), name, stated=True)
    return _zone(m.group(0)) if m else None


def _zone(word: str) -> Zone | None:
    word = word.strip()
    if "/" in word:
        try:
            return Zone(ZoneInfo(word), word, stated=True)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            # "America/Indiana" is a folder of zones, not a zone: OSError, not ZoneInfoNotFoundError
            return Zone(UTC, "UTC", stated=False, problem=f"time zone {word!r} is not known: times read as UTC")
    m = re.fullmatch(r"([A-Za-z]+)?\s?(?:([+-])(\d{1,2})(?::?(\d{2}))?)?", word)
    if not m:
        return None
    base = ZONES.get((m.group(1) or "UTC").upper())
    if base is None:
        return None
    if m.group(2):
        extra = int(m.group(3)) * 60 + int(m.group(4) or 0)
        base += extra if m.group(2) == "+" else -extra
    if not -14 * 60 <= base <= 14 * 60:
        return Zone(UTC, "UTC", stated=False, problem=f"time zone {word!r} is not a real offset: times read as UTC")
    return Zone(timezone(timedelta(minutes=base)), word.upper(), stated=True)


def stated_zone(text: str) -> Zone | None:
    """The zone a document declares for its times: "All times in CET", "Date and Time in CET",
    "_All times listed in this report are in Pacific Time (US & Canada)_", "(times in BST)".
    Each mention of "time(s)" is followed by a short window, so the search stays linear."""
    for m in _TIMES_WORD.finditer(text):
        window = " ".join(text[m.end() : m.end() + _STATEMENT_WINDOW].split("\n\n", 1)[0].split())
        if not re.match(
            r"\s*(?:listed\s|shown\s|given\s|below\s|here\s|in\s|are\s|is\s|\(|:|-|unless|UTC|GMT|"
            r"[A-Z]{2,5}\b)",
            window,
        ):
            continue
        zone = zone_from_text(window)
        if zone is not None:
            return zone
    return None


@dataclass(frozen=True)
class ParsedDate:
    day: date | None
    has_year: bool
    note: str | None = None
    day_known: bool = True


def parse_date(text: str, default_year: int | None = None) -> ParsedDate | None:
    """The first date in `text`; a missing year comes from `default_year`. The regex finds the
    evidence (which parts the document wrote); python-dateutil reads the value."""
    m = DATE_RE.search(text[:2000])
    if not m:
        return None
    note = None
    if m.group("iso"):
        y, mo, d = m.group("y"), int(m.group("m")), int(m.group("d"))
        year = int(y)
        if len(y) == 5:
            # A typed digit too many: "20202-01-16" (the first four), "22025-03-18" (the last four:
            # 2202 is no year a post-mortem names). Say so.
            year = next((int(c) for c in (y[:4], y[1:]) if TYPO_YEARS[0] <= int(c) <= TYPO_YEARS[1]), int(y[:4]))
            note = f"year {y!r} read as {year}"
        return _make(year, mo, d, True, note)
    if m.group("ymd"):
        return _make(int(m.group("y7")), _month(m.group("m7")), int(m.group("d7")), True, None)
    if m.group("my"):
        day = _dateutil(f"1 {m.group('m5')} {m.group('y5')}", dayfirst=True)
        if day is None:
            return None
        return ParsedDate(day, True, f"{m.group(0)!r} gives no day: the 1st assumed", day_known=False)
    if m.group("num") or m.group("dnum"):
        written = m.group("num") or m.group("dnum")
        first, second, written_year = (
            (int(m.group("d4")), int(m.group("m4")), m.group("y4"))
            if m.group("num")
            else (int(m.group("d6")), int(m.group("m6")), m.group("y6"))
        )
        ambiguous = first <= 12 and second <= 12 and first != second
        # 03/14/2024 can only be March 14th; 01-10-2024 is January 10th where the document's other dates show that order
        us = second > 12 >= first or (ambiguous and _MONTH_FIRST.get())
        full_year = int(written_year) + (0 if len(written_year) == 4 else 2000)  # "24" in a post-mortem is 2024
        day = _dateutil(f"{first}/{second}/{full_year}", dayfirst=not us)
        if day is None:
            return None
        if ambiguous:
            note = f"{written!r} read {'month' if us else 'day'} first ({day.isoformat()})"
        return ParsedDate(day, True, note)
    y = m.group("y2") if m.group("dmy") else m.group("y3")
    if not y and default_year is None:
        return ParsedDate(None, False, "date without a year and no year in the document")
    if m.group("dmy"):
        words = m.group(0) if y else f"{m.group(0)} {default_year}"
    else:
        words = f"{m.group('m3')} {m.group('d3')} {y or default_year}"  # a day range's first day
    day = _dateutil(re.sub(r"\bof\b", " ", words), dayfirst=bool(m.group("dmy")))
    if day is None:
        return None
    return ParsedDate(day, bool(y), None)


def _dateutil(text: str, dayfirst: bool) -> date | None:
    try:
        return dateutil_parser.parse(text, dayfirst=dayfirst, default=datetime(2000, 1, 1)).date()
    except (ValueError, OverflowError):
        return None


def _month(word: str) -> int:
    return MONTHS[word[:3].lower()]


def _make(year: int, month: int, day: int, has_year: bool, note: str | None) -> ParsedDate | None:
    try:
        return ParsedDate(date(year, month, day), has_year, note)
    except ValueError:
        return None


# A 24-hour time without a separator ("0251", "1506 UTC"): read only right after a date or
# right before a zone, where a four-digit number can be nothing else.
_MILITARY = re.compile(r"(?P<h>[01]\d|2[0-3])(?P<mi>[0-5]\d)(?!\d)(?![:.,/-]\d)")


def military_time(text: str, after_date: bool) -> tuple[time, int] | None:
    """(time, characters read) for "0251" at the start of `text`, else None."""
    m = _MILITARY.match(text)
    if m is None or not (after_date or ZONE_RE.match(text[m.end() :].lstrip())):
        return None
    return time(int(m.group("h")), int(m.group("mi"))), m.end()


@dataclass(frozen=True)
class ParsedTime:
    value: time | None
    """None when the document wrote the time as unknown ("--:--", "HH:mm", "??")."""
    end: time | None = None
    """The end of a range ("09:00 - 11:00")."""
    approximate: bool = False
    """ "~19:30", "± 17:20": about then."""
    minutes_unknown: bool = False
    """ "14:??": the hour is known, the minutes are not (placed at the full hour)."""


def parse_time(text: str) -> ParsedTime | None:
    text = text[:200]
    matches = list(TIME_RE.finditer(text))
    if not matches:
        return None
    first = matches[0]
    value = _time(first)
    if value is None:
        return ParsedTime(None)
    end = None
    if len(matches) > 1:
        between = text[first.end() : matches[1].start()]
        if re.fullmatch(r"\s{0,3}(?:-|–|—|to|until)\s{0,3}", between):
            end = _time(matches[1])
    return ParsedTime(
        value,
        end,
        approximate=bool(first.group("approx")),
        minutes_unknown=(first.group("mi") or "").lower() in ("??", "xx"),
    )


def _time(m: re.Match[str]) -> time | None:
    if m.group("unknown"):
        return None
    if m.group("h2"):
        hour, minute, second, ampm = int(m.group("h2")), 0, 0, m.group("ampm2")
    else:
        mi = m.group("mi")
        hour, second = int(m.group("h")), int(m.group("s") or 0)
        minute = 0 if mi.lower() in ("??", "xx") else int(mi)
        ampm = m.group("ampm")
    if ampm:
        if hour > 12 or hour == 0:
            return None
        pm = ampm.lower().startswith("p")
        hour = hour % 12 + (12 if pm else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def combine(day: date, at: time, zone: Zone) -> datetime:
    """A local date and time in `zone` -> UTC."""
    return datetime.combine(day, at, tzinfo=zone.tz).astimezone(UTC)


DURATION_RE = re.compile(
    r"(?P<n>\d+(?:[.,]\d+)?)\s*(?P<unit>d(?:ays?)?|h(?:ours?|rs?)?|m(?:in(?:ute)?s?)?|s(?:ec(?:ond)?s?)?)\b",
    re.IGNORECASE,
)
_UNIT_MINUTES = {"d": 1440.0, "h": 60.0, "m": 1.0, "s": 1 / 60}


MAX_DURATION_MINUTES = 366 * 24 * 60
_ISO_DURATION = re.compile(
    r"P(?:(?P<d>\d{1,5})D)?(?:T(?:(?P<h>\d{1,5})H)?(?:(?P<m>\d{1,5})M)?"
    r"(?:(?P<s>\d{1,6}(?:\.\d{1,6})?)S)?)?"
)


def parse_duration(text: str) -> timedelta | None:
    """ "54 minutes", "2h 28m", "1 hour 5 min", "01:30", "PT1H30M" -> a timedelta; "?", "N/A" -> None."""
    text = text[:200]
    iso = _ISO_DURATION.fullmatch(text.strip().upper())
    if iso and any(iso.group(g) for g in "dhms"):
        minutes = (
            int(iso.group("d") or 0) * 1440
            + int(iso.group("h") or 0) * 60
            + int(iso.group("m") or 0)
            + float(iso.group("s") or 0) / 60
        )
        return timedelta(minutes=minutes) if minutes <= MAX_DURATION_MINUTES else None
    total = 0.0
    found = False
    for m in DURATION_RE.finditer(text):
        total += float(m.group("n").replace(",", ".")) * _UNIT_MINUTES[m.group("unit")[0].lower()]
        found = True
    if not found:
        hm = re.fullmatch(r"(\d{1,3}):(\d{2})", text.strip())
        if not hm:
            return None
        total = int(hm.group(1)) * 60 + int(hm.group(2))
    if total > MAX_DURATION_MINUTES:
        return None  # "9999999 days" is not a time to detect anything
    return timedelta(minutes=total)
