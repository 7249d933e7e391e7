"""The end of impact told only in prose: "Around 9:30 UTC the record propagated again and by
9:40 UTC traffic had returned to normal levels." Read when no timeline row, label or stated
duration gives the mitigation: the sentence that says the service came back, at the time
written closest before those words (else the first after), on the date the sentence gives,
else the start's day."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from ingest.markdown.classify import mitigation_position
from ingest.markdown.dates import DATE_RE, TIME_RE, ZONE_RE, Zone, combine, parse_date, parse_time, zone_from_text
from ingest.markdown.sections import Document

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

