"""Labelled instants as timeline rows, for a document whose only timeline is a list of them.

"- **Key events**" then "First detected 2021-09-04 22:05", "Repaired 2021-09-05 12:16",
"Incident declared ...", "Resolved ...": each is an instant the document states, so each is a
row, its kind the one its label names (a detection, a repair...), in time order. An instant far
from all the others (more than SLIP from their median, the document's own date counted too) is a
slip of the pen ("Incident declared 2020-06-09" in a 2021 incident): said, and not a row.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from ingest.markdown.anchor_labels import anchor_label
from ingest.markdown.dates import Zone, combine
from ingest.markdown.timeline import Entry, stamp
from kb.model import EventKind

SHAPE = "labelled instants (no timeline of its own)"
SLIP = timedelta(days=90)
_KIND = {
    "started": EventKind.TRIGGER,
    "detected": EventKind.DETECTION,
    "acknowledged": EventKind.DECISION,  # an incident declared: the decision to treat it as one
    "mitigated": EventKind.REPAIR,
    "resolved": EventKind.KEY_MOMENT,
}


def instant_rows(
    instants: list[tuple[str, str, int]], zone: Zone, day: date | None, year: int | None
) -> tuple[list[Entry], list[str]]:
    """(rows in time order, notes) from (label, instant as written, line) triples."""
    rows: list[Entry] = []
    for label, value, line in instants:
        anchor = anchor_label(label)
        st = stamp(value.replace(" at ", " "), year)
        if anchor is None or st is None or (st.day is None and st.at is None):
            continue
        on = st.day or day
        if on is None:
            continue
        at = combine(on, st.at or time(0, 0), st.zone or zone)
        precision = "day" if st.at is None else "exact"
        rows.append(Entry(at, label, line, day=on, precision=precision, written=value, kind=_KIND[anchor].value))
    if not rows:
        return [], []
    notes: list[str] = []
    kept = _without_slips(rows, day, zone, notes)
    for e in kept:
        if e.precision == "day":
            notes.append(f"line {e.line}: {e.text!r} gives a day and no time; placed at 00:00 of {e.day}")
    return sorted(kept, key=lambda e: e.at), notes


def _without_slips(rows: list[Entry], day: date | None, zone: Zone, notes: list[str]) -> list[Entry]:
    reference: list[datetime] = sorted([e.at for e in rows] + ([combine(day, time(12, 0), zone)] if day else []))
    median = reference[len(reference) // 2]
    kept = []
    for e in rows:
        if abs(e.at - median) > SLIP:
            notes.append(
                f"line {e.line}: {e.text} {e.written!r} is {abs(e.at - median).days} days from the document's "
                "other instants: read as a slip, not a row"
            )
        else:
            kept.append(e)
    return kept
