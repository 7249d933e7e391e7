"""Instants told only in prose, for documents whose timeline gives none.

The start: "On 2023-01-25 at 09:15 UTC we deployed ...", "On April 26, 2023 between the hours
of 1900 and 2100 UTC, OP Mainnet experienced degraded service" (a window: its end mitigates).
The end of impact: "Around 9:30 UTC the record propagated again and by 9:40 UTC traffic had
returned to normal levels.": read when no timeline row, label or stated duration gives the
mitigation, from the sentence that says the service came back, at the time written closest
before those words (else the first after), on the date the sentence gives, else the start's day.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from ingest.markdown.classify import mitigation_position
from ingest.markdown.dates import DATE_RE, TIME_RE, ZONE_RE, Zone, combine, parse_date, parse_time, zone_from_text
from ingest.markdown.sections import Document

# After a date in prose, the time it gives: "2023-01-25 at 09:15 UTC", "Sept 30 @ 22:16:01 UTC",
# "17 June 2023, 18h05 UTC" (hours "h" minutes), "March 12, 2025, around 15:57:18 UTC", a window
# "between the hours of 1900 and 2100 UTC" (24-hour times without a colon only before a zone).
_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?(?:\s?[ap]\.?m\.?)?(?![\d:])"
_MILITARY = r"(?:[01]\d|2[0-3])[0-5]\d(?![\d:])"
_PROSE_TIME = re.compile(
    r"[ ,]{0,3}(?:at |@ |around |about |approximately |~|between (?:the hours of )?|from )?"
    rf"(?:(?P<h>\d{{1,2}})h(?P<mi>\d{{2}})(?![\d:])|(?P<clock>{_CLOCK})|(?P<mil>{_MILITARY}))"
    rf"(?:\s?(?:and|to|until|-|–|—)\s?(?P<end>{_CLOCK}|{_MILITARY}))?",
    re.IGNORECASE,
)
_PROSE_SOURCES = ("summary", "what_happened")


@dataclass(frozen=True)
class ProseWindow:
    start: datetime
    end: datetime | None
    """The window's end when the prose gives one ("between 1900 and 2100 UTC")."""
    written: str


def prose_window(doc: Document, zone: Zone, default_year: int | None, *, preamble: bool = True) -> ProseWindow | None:
    """The earliest of the instants the title and the opening prose state: in each, the first date
    followed by a time (or a window of two), read in the zone written after it (else the document's).
    preamble=False: the title and the summary only (text under other labels may tell of earlier
    events: "On the 1st of November AWS sent an email ...")."""
    found = [
        w
        for source in (doc.title or "", doc.prose(None) if preamble else "", *(doc.prose(r) for r in _PROSE_SOURCES))
        if (w := _first_window(source, zone, default_year))
    ]
    return min(found, key=lambda w: w.start) if found else None


def _first_window(source: str, zone: Zone, default_year: int | None) -> ProseWindow | None:
    for i, m in enumerate(itertools.islice(DATE_RE.finditer(source), 50)):
        parsed = parse_date(m.group(0), default_year)
        t = _PROSE_TIME.match(source, m.end()) or (_next_sentence_time(source, m.end()) if i == 0 else None)
        if not (parsed and parsed.day and parsed.day_known and t):
            continue
        written_zone = ZONE_RE.match(source[t.end() :].lstrip(" ("))
        if (t.group("mil") or _is_military(t.group("end"))) and written_zone is None:
            continue  # "1900" without a zone may be a count or a year
        at = _clock(t)
        if at is None:
            continue
        stated = zone_from_text(written_zone.group(0)) if written_zone else None
        use = stated if stated is not None and stated.problem is None else zone
        start = combine(parsed.day, at, use)
        end_at = _time_of(t.group("end")) if t.group("end") else None
        end = _after(combine(parsed.day, end_at, use), start) if end_at else None
        near = t.start() <= m.end() + 3
        return ProseWindow(
            start, end, source[m.start() : t.end()].strip() if near else f"{m.group(0)} ... {t.group(0).strip()}"
        )
    return None


def _next_sentence_time(source: str, after: int) -> re.Match[str] | None:
    """The opening date's time told in the rest of its sentence or the next one, with its zone
    ("On Monday 30th January, the team initiated the upgrade. ... At roughly 09:30 GMT, the
    network halted"); no other date may come between."""
    ends = [e.start() for e in itertools.islice(_SENTENCE_END.finditer(source, after), 2)]
    reach = source[after : ends[-1] if len(ends) == 2 else len(source)]
    if DATE_RE.search(reach):
        return None
    for c in re.finditer(_CLOCK, reach):
        if ZONE_RE.match(reach[c.end() :].lstrip(" (")):
            return _PROSE_TIME.match(source, after + c.start())
    return None


def _clock(t: re.Match[str]) -> time | None:
    if t.group("h"):
        hour, minute = int(t.group("h")), int(t.group("mi"))
        return time(hour, minute) if hour < 24 and minute < 60 else None
    return _time_of(t.group("clock") or t.group("mil"))


def _is_military(text: str | None) -> bool:
    return bool(text) and re.fullmatch(_MILITARY, text or "") is not None


def _time_of(text: str) -> time | None:
    if _is_military(text):
        return time(int(text[:2]), int(text[2:]))
    pt = parse_time(text)
    return pt.value if pt else None


def _after(end: datetime, start: datetime) -> datetime:
    """A window's end written as a time only: past midnight when it is earlier than the start."""
    return end if end >= start else end + timedelta(days=1)


_SOURCES = ("summary", "what_happened", "resolution", "impact")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])|\n\s*\n")
_MAX_AFTER_START = timedelta(days=14)  # a later "restored" is another story (a follow-up, a retrospective)


def prose_mitigation(doc: Document, started: datetime, zone: Zone, year: int | None) -> tuple[datetime, str] | None:
    """(instant, the sentence's words) of the first sentence that says the service was restored,
    with a clock time, at or after `started`; None when no sentence says so."""
    for source in (doc.preamble, *(doc.text(role) for role in _SOURCES)):
        for sentence in _SENTENCE_END.split(source):
            found = _restored_at(" ".join(sentence.split()), started, zone, year)
            if found is not None:
                return found
    return None


def _restored_at(sentence: str, started: datetime, zone: Zone, year: int | None) -> tuple[datetime, str] | None:
    said = mitigation_position(sentence)
    if said is None:
        return None
    clocks = [m for m in TIME_RE.finditer(sentence) if m.group("h") or m.group("h2")]
    if not clocks:
        return None
    before = [m for m in clocks if m.start() < said]
    clock = before[-1] if before else clocks[0]
    parsed_time = parse_time(clock.group(0))
    if parsed_time is None or parsed_time.value is None:
        return None
    dated = [m for m in DATE_RE.finditer(sentence) if m.end() <= clock.start() + 1 and not m.group("my")]
    parsed_day = parse_date(dated[-1].group(0), year) if dated else None
    day = parsed_day.day if parsed_day and parsed_day.day else started.astimezone(zone.tz).date()
    written = ZONE_RE.match(sentence[clock.end() :].lstrip(" ("))
    stated = zone_from_text(written.group(0)) if written else None
    at = combine(day, parsed_time.value, stated if stated is not None and stated.problem is None else zone)
    if not started <= at <= started + _MAX_AFTER_START:
        return None
    return at, sentence[:160]
