"""A post-mortem document -> an imported, unreviewed Event Packet and a report of what was read.

Rules (the README repeats them):
- started_at: a labelled impact start (PagerDuty's IMPACT TIME), else the row a stated
  TTD/TTR is measured from (where impact began), else the earliest timeline entry (labelled
  instants, "First detected 2021-09-04 22:05", are the rows of a document with no other
  timeline, and then an earlier instant in the title or summary wins), else an instant the
  title or opening prose states, else the document's date (00:00 in its zone).
- Text mapped to no field (a "- **Context**:" part, an unknown heading) is kept in the summary
  under its title, and the report says so (ingest.markdown.unmapped).
- Times are read in the zone the document states (any IANA name, abbreviations, zones in
  words), else UTC; the report says which. An unknown zone is a note, not a failure.
- detected/mitigated/resolved: labels first (Discovery:, Recovery:, IMPACT TIME's end),
  then started_at + TTD / TTR, then the first entry at or after started_at that reads so.
  An anchor before started_at is left empty: empty beats wrong.
- Severity: a "Severity:"/"SEV"/"Priority:" field or "Sev1" in the prose, else unknown
  (None), noted in provenance.notes: a guessed SEV3 would count in hotspots like a stated one.
- Contributing factors, root causes, fault, leadup, what went wrong, a trigger, a summary's
  root-cause paragraph -> factors of one contribution map, each contributing to the
  impact; a Five Whys list -> a five_whys analysis whose whys form a chain. Each factor
  says which part it was read from (Factor.read_from): the lint tells a cause the document
  states as such from one lifted from its prose. Action items
  -> agreed findings with owners, done status and the tickets they name as work items;
  every other action item is reported as a work-item candidate and stays untracked in the
  graph, so the integration gate shows it as open until the ticket exists. (A placeholder
  work item would count as tracking and close the gate on paper.)
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ingest.markdown.blocks import Block, Item, bold_lead, bullets, paragraphs, tables, urls
from ingest.markdown.causes import NO_CONTENT, cause_statements, item_statements
from ingest.markdown.classify import (
    event_kind,
    guess_category,
    reads_as_acknowledgement,
    reads_as_detection,
    reads_as_mitigation,
    reads_as_outage_start,
    reads_as_resolution,
    suggest_themes,
)
from ingest.markdown.dates import (
    DATE_RE,
    UTC_ASSUMED,
    Zone,
    combine,
    numeric_dates_month_first,
    parse_date,
    parse_duration,
    shows_month_first,
    stated_zone,
)
from ingest.markdown.findings import (
    finding_from_item,
    finding_from_row,
    introduces_what_follows,
    promises_what_follows,
)
from ingest.markdown.instant_rows import SHAPE as INSTANTS_SHAPE
from ingest.markdown.instant_rows import instant_rows
from ingest.markdown.prose_times import prose_mitigation, prose_window
from ingest.markdown.sections import Document, Section, normalise, split
from ingest.markdown.templates import HEADINGS, looks_like_template, recognise
from ingest.markdown.timeline import Entry, TimelineResult, parse_timeline, stamp
from ingest.markdown.unmapped import unmapped_text
from kb.model import DocumentPart, EventKind, EventPacket, FindingStatus, Method, Role, slugify
from kb.model.documents import MAX_TEXT

SOURCE = "markdown"
# Quarto (.qmd) and R Markdown (.rmd) documents are markdown with YAML front matter
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".txt", ".qmd", ".rmd")
PDF_SUFFIXES = (".pdf",)
MAX_BYTES = 8 * 1024 * 1024
"""A post-mortem is rarely past 1 MB; a bigger file is refused before it is read."""
_ADDRESS_MIN_SHARED = 2  # content words an action item must share with the factor it addresses


@dataclass
class Stats:
    category: str | None = None
    time_to_detection: timedelta | None = None
    time_to_recovery: timedelta | None = None
    raw: dict[str, str] = field(default_factory=dict)


@dataclass
class FileReport:
    """What one document gave: status imported | template | failed, and why."""

    file: Path
    status: str
    reason: str | None = None
    template: str | None = None
    incident: str | None = None
    title: str | None = None
    timeline_events: int = 0
    factors: int = 0
    findings: int = 0
    stats: Stats = field(default_factory=Stats)
    zone: str | None = None
    recognised: list[str] = field(default_factory=list)
    not_recognised: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    work_item_candidates: list[str] = field(default_factory=list)
    """ "a1: title" for each action item without a ticket: what a ticket for it would be called."""

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def as_dict(self) -> dict[str, Any]:
        ttd, ttr = self.stats.time_to_detection, self.stats.time_to_recovery
        return {
            "file": str(self.file),
            "status": self.status,
            "reason": self.reason,
            "template": self.template,
            "incident": self.incident,
            "title": self.title,
            "timeline_events": self.timeline_events,
            "factors": self.factors,
            "findings": self.findings,
            "zone": self.zone,
            "category": self.stats.category,
            "ttd_minutes": ttd.total_seconds() / 60 if ttd is not None else None,
            "ttr_minutes": ttr.total_seconds() / 60 if ttr is not None else None,
            "recognised": self.recognised,
            "not_recognised": self.not_recognised,
            "notes": self.notes,
            "work_item_candidates": self.work_item_candidates,
        }


@dataclass
class ImportResult:
    report: FileReport
    packet: EventPacket | None = None


class ImportFailed(ValueError):
    pass


_NOT_POSTMORTEMS = ("readme", "license", "licence", "changelog", "contributing", "code_of_conduct", "index")


def markdown_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files as given; inside folders, every markdown file (recursively, sorted) except a
    folder's own README, LICENSE, CHANGELOG and the like."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in MARKDOWN_SUFFIXES + PDF_SUFFIXES
                and p.stem.lower() not in _NOT_POSTMORTEMS
            )
        else:
            yield path


def import_file(path: str | Path) -> ImportResult:
    """One document, markdown or PDF (by its suffix); never raises: a problem is the file's report."""
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_BYTES:
            return ImportResult(
                FileReport(
                    file, "failed", f"{size} bytes: larger than the {MAX_BYTES} bytes a post-mortem is expected to be"
                )
            )
        data = file.read_bytes()
    except OSError as exc:
        return ImportResult(FileReport(file, "failed", f"cannot be read: {exc.strerror or exc}"))
    if file.suffix.lower() in PDF_SUFFIXES or data[:5] == b"%PDF-":
        return import_pdf_bytes(data, file)
    if b"\x00" in data[:8192]:
        return ImportResult(FileReport(file, "failed", "a binary file, not markdown text"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return ImportResult(FileReport(file, "failed", f"not valid UTF-8 (byte {exc.start}: {exc.reason})"))
    return import_text(text, file)


def import_pdf_bytes(data: bytes, file: Path) -> ImportResult:
    """A PDF post-mortem (PagerDuty's export, or any text PDF) read into the same document model."""
    from ingest.pdf import PdfUnreadable, read_pdf

    report = FileReport(file, "failed")
    try:
        doc, text = read_pdf(data)
    except PdfUnreadable as exc:
        report.reason = str(exc)
        return ImportResult(report)
    return _guarded(lambda: _build_doc(doc, text, file, report), report)


def import_text(text: str, file: Path) -> ImportResult:
    report = FileReport(file, "failed")
    return _guarded(lambda: _build(text, file, report), report)


def _guarded(build: Any, report: FileReport) -> ImportResult:
    try:
        packet = build()
    except ImportFailed as exc:
        report.status, report.reason = "failed", str(exc)
        return ImportResult(report)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        report.status, report.reason = "failed", f"the packet built from it is invalid at {where}: {first['msg']}"
        return ImportResult(report)
    except (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        OSError,
        RecursionError,
        OverflowError,
        ArithmeticError,
    ) as exc:
        # A bug of ours must not take the other files down with this one: this file fails, named.
        report.status, report.reason = "failed", f"could not be read ({type(exc).__name__}: {exc})"[:300]
        return ImportResult(report)
    if packet is None:
        return ImportResult(report)
    report.status = "imported"
    return ImportResult(report, packet)


def import_paths(paths: Iterable[str | Path]) -> list[ImportResult]:
    return [import_file(p) for p in markdown_files(paths)]


# -- building ------------------------------------------------------------------------------


def _build(text: str, file: Path, report: FileReport) -> EventPacket | None:
    if not text.strip():
        raise ImportFailed("empty document")
    with numeric_dates_month_first(shows_month_first(text)):
        return _build_doc(split(text), text, file, report)


def _build_doc(doc: Document, text: str, file: Path, report: FileReport) -> EventPacket | None:
    if not text.strip():
        raise ImportFailed("empty document")
    report.title = doc.title or _title_from_file(file)
    why_template = looks_like_template(doc, file, text)
    if why_template:
        report.status, report.reason = "template", f"a template, not an incident: {why_template}"
        return None
    if not any(s.role for s in doc.sections):
        raise ImportFailed(
            "no post-mortem sections found (expected headings such as Summary, Timeline, "
            "Contributing Factors, Action Items)"
        )
    template = recognise(doc)
    report.template = template
    report.recognised.append(f"template: {template}")
    notes: list[str] = [f"imported from {'PDF' if file.suffix.lower() == '.pdf' else 'markdown'} ({template} template)"]
    notes += doc.notes
    report.notes += doc.notes

    zone = stated_zone(doc.meta.get("timezone", "") or doc.meta.get("time zone", "")) or stated_zone(text)
    if zone is not None and zone.problem:
        report.notes.append(zone.problem)
        notes.append(zone.problem)
        zone = None
    report.zone = f"{zone.name} (as the document states)" if zone else "UTC (assumed: no zone stated)"
    zone = zone or UTC_ASSUMED
    doc_day = _document_day(doc, text)
    if doc_day is None:
        doc_day = _file_name_day(file)
        if doc_day is not None:
            notes.append(f"no full date in the document: the day {doc_day.isoformat()} is the file name's")
            report.notes.append(notes[-1])
    default_year = doc_day.year if doc_day else _first_year(text)

    timeline = _timeline(doc, zone, doc_day, default_year, report)
    stats = _stats(doc, report)
    report.stats = stats

    entries = timeline.entries
    kinds = [EventKind(e.kind) if e.kind else event_kind(e.text, i == 0) for i, e in enumerate(entries)]
    events = [
        {"at": e.at, "kind": k.value, "text": e.text, "source": SOURCE} for e, k in zip(entries, kinds, strict=True)
    ]
    anchors = _anchors(doc, entries, kinds, stats, zone, doc_day, default_year, notes)
    started = anchors["started_at"]
    if started is not None and timeline.shape == INSTANTS_SHAPE:
        # The rows are the labelled instants alone: the title or summary may state an earlier one
        # ("Incident on 2021-07-12 15:24", "First detected 2021-07-12 15:44"): the earliest wins.
        window = prose_window(doc, zone, default_year, preamble=False)
        first = min(entries, key=lambda e: e.at)
        said = f"{first.text} {first.written}" if started == first.at else None
        if window is not None and window.start < started:
            started, said = window.start, window.written
        if said is not None:
            notes.append(f"started_at: the earliest instant the document states ({said!r})")
            report.notes.append(notes[-1])
    if started is None and not entries:
        window = prose_window(doc, zone, default_year)
        if window is not None:
            started = window.start
            notes.append(f"no timeline timestamps; started_at is the instant the summary states ({window.written!r})")
            report.notes.append(notes[-1])
            if window.end is not None and anchors["mitigated_at"] is None and anchors["resolved_at"] is None:
                anchors["mitigated_at"] = anchors["resolved_at"] = window.end
                notes.append("mitigated_at: the end of the window the summary states")
                report.notes.append(notes[-1])
    if started is None:
        if doc_day:
            started = combine(doc_day, time(0, 0), zone)
            notes.append(f"no timeline timestamps; started_at is the document date {doc_day.isoformat()}")
            report.notes.append(notes[-1])
        else:
            raise ImportFailed(
                "no date anywhere in the document: an incident needs a start time "
                "(a timeline with dates, or a 'Date:' line)"
            )
    anchors["started_at"] = started
    if anchors["mitigated_at"] is None and anchors["resolved_at"] is None:
        restored = prose_mitigation(doc, started, zone, default_year)
        if restored is not None:
            anchors["mitigated_at"] = anchors["resolved_at"] = restored[0]
            notes.append(f"mitigated_at: the instant the prose says service came back ({restored[1]!r})")
            report.notes.append(notes[-1])
    _drop_out_of_order(anchors, notes)

    severity, sev_note = _severity(doc, text)
    if sev_note:
        notes.append(sev_note)
        report.not_recognised.append(sev_note)
    ident = _incident_id(doc, file)
    report.incident = ident

    summary = _summary(doc, report)
    loose = set(map(id, _dated_items(doc, default_year))) if timeline.shape == _LOOSE_SHAPE else set()
    other, where, not_kept = unmapped_text(doc, skip=loose)
    if other:
        summary = "\n\n".join(p for p in (summary, other) if p)
    report.recognised += where
    report.not_recognised += not_kept
    impact = _plain(doc, "impact")
    if impact:
        report.recognised.append("impact")
    else:
        report.not_recognised.append("no impact section")
    factors, influences, whys = _factors(doc, report)
    findings = _findings(doc, factors, report)
    participants = _participants(doc, report)
    _report_other_sections(doc, report)

    tags = [slugify(stats.category)] if stats.category and slugify(stats.category) else []
    notes += [f"timeline: {n}" for n in timeline.notes]
    if factors:
        notes.append("factor categories guessed and themes suggested by keyword")
    if zone.stated:
        notes.append(f"times read in {zone.name} as the document states")
    else:
        notes.append("no time zone stated: times assumed to be UTC")

    analyses: list[dict[str, Any]] = []
    if factors or findings:
        analyses.append(
            {
                "id": "imported",
                "method": Method.CONTRIBUTION_MAP.value,
                "factors": factors,
                "influences": influences,
                "findings": findings,
            }
        )
    if whys:
        analyses.append(whys)
    fields = {
        "incident": {
            "id": ident,
            "title": (doc.title or _title_from_file(file))[:300],
            "severity": severity,
            "services": _list(doc.meta.get("services") or doc.meta.get("service") or doc.meta.get("affected services")),
            "teams": _list(doc.meta.get("teams") or doc.meta.get("team")),
            **anchors,
            "customer_impact": impact or None,
            "summary": summary or None,
            "tags": sorted(set(tags + _list(doc.meta.get("tags")))),
        },
        "provenance": {"source": SOURCE, "file": str(file), "imported": True, "reviewed": False, "notes": notes},
        "timeline": events,
        "participants": participants,
        "analyses": analyses,
    }
    # A text field holds at most MAX_TEXT characters: a longer part is cut, said, and the document
    # still imports.
    for clipped in _clip_texts(fields):
        cut = f"{clipped}: the text past {MAX_TEXT:,} characters (the most a text field holds)"
        notes.append(cut)
        report.not_recognised.append(cut)
    packet = EventPacket.model_validate(fields)
    report.timeline_events = len(events)
    report.factors = len(factors) + len(whys.get("factors", []))
    report.findings = len(findings)
    report.notes += timeline.notes
    return packet


def _clip_texts(value: Any, path: str = "") -> list[str]:
    """Cut every string in `value` (nested dicts and lists, changed in place) to MAX_TEXT characters;
    the paths of those cut."""
    cut: list[str] = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        where = f"{path}.{key}" if path else str(key)
        if isinstance(item, str) and len(item) > MAX_TEXT:
            value[key] = item[: MAX_TEXT - 1] + "…"
            cut.append(where)
        elif isinstance(item, dict | list):
            cut += _clip_texts(item, where)
    return cut


_IMPACT_WORDS = re.compile(
    r"\b(outage|down\b|unavailable|unreachable|inaccessible|crash|fail|error|expire|"
    r"exhaust|disrupt|broke|degrad|unable|cannot|can not|starvation|5xx|50[0-9]|lost|"
    r"pending|unhealthy|not respond)",
    re.IGNORECASE,
)


def _anchors(
    doc: Document,
    entries: list[Entry],
    kinds: list[EventKind],
    stats: Stats,
    zone: Zone,
    day: date | None,
    year: int | None,
    notes: list[str],
) -> dict[str, datetime | None]:
    """started / detected / acknowledged / mitigated / resolved, from what the document says.

    Labels win ("IMPACT TIME a to b", "Discovery: ...", "Recovery: ..."). A stated TTD / TTR is
    measured from the row where impact began: the row from which the stated durations land on
    other rows of the timeline, else the first row that reads as impact. Without either, the
    first entry starts the incident and the rows that say so detect, mitigate and resolve it.
    An anchor that would come before the start is left empty: empty is better than wrong."""
    out: dict[str, datetime | None] = {
        "started_at": None,
        "detected_at": None,
        "acknowledged_at": None,
        "mitigated_at": None,
        "resolved_at": None,
    }
    labelled = _labelled_instants({**stats.raw, **doc.meta}, zone, day, year)
    ordered = sorted(entries, key=lambda e: e.at)
    marked = next((e.at for e in ordered if reads_as_outage_start(e.text)), None)
    if labelled.get("started_at"):
        out["started_at"] = labelled["started_at"]
    elif marked is not None:
        out["started_at"] = marked  # "<START OF OUTAGE>": the document marks the row
    elif stats.time_to_detection is not None or stats.time_to_recovery is not None:
        out["started_at"] = _impact_row(entries, stats)
        if out["started_at"] is not None:
            notes.append(
                f"stats durations measured from the row where impact began ({out['started_at']:%Y-%m-%d %H:%M} UTC)"
            )
    elif ordered:
        out["started_at"] = _first_instant(ordered)
    detected = labelled.get("detected_at")
    if detected is not None and out["started_at"] is not None and out["started_at"] > detected:
        # The document says when it was first detected: the incident began by then, at its
        # earliest row if that is no later ("First detected: 13:42", a stated TTR from elsewhere).
        out["started_at"] = min([detected] + [e.at for e in ordered[:1]])
        notes.append(f"started_at: no later than the labelled detection ({detected:%Y-%m-%d %H:%M} UTC)")
    started = out["started_at"]

    def after(e: Entry) -> bool:
        return started is None or e.at >= started

    if labelled.get("detected_at"):
        out["detected_at"] = labelled["detected_at"]
    elif stats.time_to_detection is not None and started is not None:
        out["detected_at"] = started + stats.time_to_detection
    else:
        out["detected_at"] = next(
            (
                e.at
                for e, k in zip(entries, kinds, strict=True)
                if after(e) and (k is EventKind.DETECTION or reads_as_detection(e.text))
            ),
            None,
        )
    if labelled.get("mitigated_at"):
        out["mitigated_at"] = labelled["mitigated_at"]
    elif stats.time_to_recovery is not None and started is not None:
        out["mitigated_at"] = started + stats.time_to_recovery
    else:
        out["mitigated_at"] = next((e.at for e in entries if after(e) and reads_as_mitigation(e.text)), None)
    out["acknowledged_at"] = labelled.get("acknowledged_at") or next(
        (e.at for e in entries if after(e) and reads_as_acknowledgement(e.text)), None
    )
    resolutions = [e.at for e in entries if after(e) and reads_as_resolution(e.text)]
    out["resolved_at"] = labelled.get("resolved_at") or (max(resolutions) if resolutions else out["mitigated_at"])
    if out["mitigated_at"] is None and labelled.get("resolved_at") is None and resolutions:
        out["mitigated_at"] = min(resolutions)
    if (
        out["mitigated_at"] is None
        and entries
        and kinds[-1] is EventKind.REPAIR
        and len(entries) > 1
        and entries[-1].precision != "month"  # "Sep 2024: change merged": when, within a month, is unknown
    ):
        # Nothing says "restored", and the timeline ends on a repair ("Pod killed, releasing file watches").
        out["mitigated_at"] = entries[-1].at
        notes.append("mitigated_at: the timeline's last entry, a repair (no entry says the service was restored)")
    return out


def _first_instant(ordered: list[Entry]) -> datetime:
    """The earliest row's instant; a row with a date but no time ("`May 31` team deploys the
    contract", placed at 00:00) gives way to the first timed row of the same day."""
    first = ordered[0]
    if first.precision == "day":
        timed = next((e for e in ordered if e.precision != "day" and e.day == first.day), None)
        if timed is not None:
            return timed.at
    return first.at


def _impact_row(entries: list[Entry], stats: Stats) -> datetime | None:
    """The row the document's TTD/TTR are measured from: the one from which they land on rows."""
    times = {e.at for e in entries}
    best: tuple[int, int, datetime] | None = None
    for i, e in enumerate(entries):
        score = sum(1 for d in (stats.time_to_detection, stats.time_to_recovery) if d is not None and e.at + d in times)
        key = (score, -i, e.at)
        if score and (best is None or key[:2] > best[:2]):
            best = key
    if best:
        return best[2]
    impact = next((e.at for e in entries[1:] if _IMPACT_WORDS.search(e.text)), None)
    return impact or (min(times) if times else None)


_LABELS = {
    "detected_at": ("discovery", "detected", "detection time", "time detected", "discovered"),
    "mitigated_at": ("recovery", "recovered", "mitigated", "mitigation time", "time mitigated"),
    "resolved_at": ("resolved", "resolution time", "time resolved", "end time"),
    "started_at": ("started", "start time", "impact start", "impact began"),
    "acknowledged_at": ("acknowledged",),
}


def _labelled_instants(fields: dict[str, str], zone: Zone, day: date | None, year: int | None) -> dict[str, datetime]:
    """Instants the document labels: "IMPACT TIME Aug 30 at 11:15 to Aug 30 at 12:13",
    "Discovery: 2024-03-04 14:09", "Recovery: 14:49"."""
    out: dict[str, datetime] = {}

    def instant(value: str) -> datetime | None:
        st = stamp(value.replace(" at ", " "), year)
        if st is None or st.at is None:
            return None
        d = st.day or day
        return combine(d, st.at, st.zone or zone) if d else None

    impact = fields.get("impact time") or fields.get("impact window")
    if impact and " to " in impact:
        start, _, end = impact.partition(" to ")
        a, b = instant(start), instant(end)
        if a:
            out["started_at"] = a
        if b and (a is None or b >= a):
            out["mitigated_at"] = b
    elif impact and (window := _window(impact, zone, day, year)):
        out["started_at"], out["mitigated_at"] = window  # "Impact Window: 02:00–02:08 CET"
    for anchor, names in _LABELS.items():
        for n in names:
            value = fields.get(n)
            if value and anchor not in out:
                at = instant(value)
                if at:
                    out[anchor] = at
    return out


def _window(value: str, zone: Zone, day: date | None, year: int | None) -> tuple[datetime, datetime] | None:
    """ "02:00–02:08 CET", "2025-12-11 02:00-02:08": a labelled window's start and end (past
    midnight when the end is the earlier time)."""
    st = stamp(value, year)
    d = (st.day or day) if st else None
    if st is None or st.at is None or st.end is None or d is None:
        return None
    start, end = combine(d, st.at, st.zone or zone), combine(d, st.end, st.zone or zone)
    return start, end if end >= start else end + timedelta(days=1)


_ORDER = ("started_at", "detected_at", "acknowledged_at", "mitigated_at", "resolved_at")


def _drop_out_of_order(anchors: dict[str, datetime | None], notes: list[str]) -> None:
    """An anchor before started_at (or resolved before mitigated) is a misreading: leave it empty."""
    started = anchors["started_at"]
    for name in _ORDER[1:]:
        value = anchors[name]
        if value is not None and started is not None and value < started:
            notes.append(f"{name} {value:%Y-%m-%d %H:%M} UTC is before started_at: left empty")
            anchors[name] = None
    mitigated, resolved = anchors["mitigated_at"], anchors["resolved_at"]
    if mitigated is not None and resolved is not None and resolved < mitigated:
        anchors["resolved_at"] = mitigated


_TITLE_DATE_BEFORE = timedelta(days=90)


def _document_day(doc: Document, text: str) -> date | None:
    for key in ("date", "start time", "started"):
        if key in doc.meta:
            parsed = parse_date(doc.meta[key])
            if parsed and parsed.day:
                return _title_day_before(doc.title, parsed.day) or parsed.day
    for source in (doc.title or "", doc.text("summary"), doc.text("what_happened"), doc.preamble, text):
        for m in itertools.islice(DATE_RE.finditer(source), 200):
            parsed = parse_date(m.group(0))
            if parsed and parsed.day and parsed.has_year and parsed.day_known:
                return parsed.day
    return None


def _title_day_before(title: str | None, dated: date) -> date | None:
    """A title that names an earlier full date ("... for incident on 17th June 2019") than the
    document's date (a blog post's, 2019-07-02): the incident's day, if within 90 days of it."""
    parsed = parse_date(title or "")
    if parsed is None or parsed.day is None or not (parsed.has_year and parsed.day_known):
        return None
    return parsed.day if dated - _TITLE_DATE_BEFORE <= parsed.day < dated else None


def _file_name_day(file: Path) -> date | None:
    """A file named by its ISO date ("2023-09-30-chain-halt.md") states the day the document may not."""
    m = _FILE_DATE.search(file.stem)
    parsed = parse_date(m.group(0)) if m else None
    return parsed.day if parsed and parsed.day else None


_FILE_DATE = re.compile(r"(?<!\d)(?:19[89]\d|20\d\d)-\d{2}-\d{2}(?!\d)")
_YEAR = re.compile(r"(?<!\d)(19[89]\d|20\d\d)(?!\d)")


def _first_year(text: str) -> int | None:
    m = _YEAR.search(text)
    return int(m.group(1)) if m else None


def _timeline(doc: Document, zone: Zone, day: date | None, year: int | None, report: FileReport) -> TimelineResult:
    sections = doc.by_role("timeline")
    result = TimelineResult()
    for s in sections:
        part = parse_timeline(s.blocks, zone, day, year, s.title)
        result.entries += part.entries
        result.notes += part.notes
        result.skipped += part.skipped
        result.zones_used |= part.zones_used
        if part.shape != "none":
            result.shape = part.shape
    if not result.entries:
        loose = _dated_items(doc, year)
        if loose:
            part = parse_timeline(loose, zone, day, year)
            result.entries, result.notes, result.zones_used = part.entries, part.notes, part.zones_used
            result.shape = _LOOSE_SHAPE
    if not result.entries and doc.instants:
        rows, row_notes = instant_rows(doc.instants, zone, day, year)
        if rows:
            result.entries, result.notes = rows, row_notes
            result.zones_used = {zone.name if zone.stated else "UTC (assumed)"}
            result.shape = INSTANTS_SHAPE
    if not sections and not result.entries:
        report.not_recognised.append("no timeline section")
    elif result.entries:
        zones = ", ".join(sorted(result.zones_used))
        report.recognised.append(f"timeline: {len(result.entries)} entries ({result.shape}; times in {zones})")
    else:
        report.not_recognised.append("timeline section without dated entries")
    report.not_recognised += [f"timeline {s}" for s in result.skipped]
    return result


_MIN_LOOSE_ITEMS = 2
_LOOSE_SHAPE = "dated list items outside a timeline section"


def _dated_items(doc: Document, year: int | None) -> list[Block]:
    """A document whose timeline has no heading of its own ("- **Context**:" then
    "- 2024-07-25 12:10: ..." items): the list items of sections without a role that open with
    a date and a time. Prose stays prose, and a lone dated item is no timeline."""
    items = [
        b
        for s in doc.sections
        if s.role is None
        for b in s.blocks
        if b.kind == "item" and (st := stamp(b.text.split("\n", 1)[0], year)) is not None and st.day and st.at
    ]
    return items if len(items) >= _MIN_LOOSE_ITEMS else []


_STAT_KEYS = {
    "category": ("category",),
    "ttd": ("time to detection", "time to detect", "ttd", "detection time"),
    "ttr": (
        "time to recovery",
        "time to repair",
        "time to resolve",
        "time to resolution",
        "time to mitigation",
        "time to mitigate",
        "ttr",
        "ttm",
        "recovery time",
    ),
}


def _stats(doc: Document, report: FileReport) -> Stats:
    raw: dict[str, str] = {}
    for s in doc.by_role("stats"):
        for line in [i.text for i in bullets(s.blocks)] or s.lines:
            name, sep, value = line.partition(":")
            if sep:
                raw[normalise(name)] = value.strip()
    for key, value in doc.meta.items():
        raw.setdefault(key, value)
    stats = Stats(raw=raw)
    for key, names in _STAT_KEYS.items():
        found = next((raw[n] for n in names if n in raw), None)
        if not found:
            continue
        value = found
        if key == "category":
            stats.category = value
            continue
        duration = parse_duration(value)
        label = "time to detection" if key == "ttd" else "time to recovery"
        if duration is None:
            report.not_recognised.append(f"stats {label}: {value!r} is not a duration")
        elif key == "ttd":
            stats.time_to_detection = duration
        else:
            stats.time_to_recovery = duration
    read = [
        f"{k} {v}"
        for k, v in (
            ("category", stats.category),
            ("TTD", _minutes(stats.time_to_detection)),
            ("TTR", _minutes(stats.time_to_recovery)),
        )
        if v
    ]
    if read:
        report.recognised.append("stats: " + ", ".join(read))
    return stats


def _minutes(d: timedelta | None) -> str | None:
    return None if d is None else f"{d.total_seconds() / 60:g} min"


_SEV = re.compile(r"(?:sev(?:erity)?|p(?:riority)?)?\s?[-:]?\s?([0-5])(?!\d)", re.IGNORECASE)
_SEV_PROSE = re.compile(r"(?<![A-Za-z])(?:sev|severity)[- ]?([0-5])(?!\d)", re.IGNORECASE)
_PRIORITY_SET = re.compile(r"priority (?:set|changed) to [\"'“”‘’]?P([0-5])(?!\d)", re.IGNORECASE)
"""An incident tool's log entry setting the incident's priority (PagerDuty: 'Priority set to “P1” by Ana'):
a statement about the incident, unlike a bare "P1", which documents use for alerts and tickets too."""
_SEV_WORDS = {"critical": 1, "high": 2, "major": 2, "medium": 3, "moderate": 3, "minor": 4, "low": 4}


def _severity(doc: Document, text: str) -> tuple[int | None, str | None]:
    """A "Severity:"/"SEV:"/"Priority:" field, else "Sev1" / "SEV-2" written in the prose (not
    "P1", which documents use for alerts and tickets as often as for incidents); else unknown."""
    for key in ("severity", "sev", "priority"):
        value = doc.meta.get(key, "").strip()[:40]
        if not value:
            continue
        m = _SEV.search(value)
        if m:
            return max(1, int(m.group(1))), None
        word = _SEV_WORDS.get(value.lower().split()[0])
        if word:
            return word, None
    m = _SEV_PROSE.search(text)
    if m:
        return max(1, int(m.group(1))), None
    m = _PRIORITY_SET.search(text)
    if m:
        return max(1, int(m.group(1))), f'severity from the incident\'s priority: "{m.group(0)}"'
    return None, "no severity in the document: unknown"


_ID_IN_NAME = re.compile(r"([A-Za-z]{1,10}[-_]?\d{2,4}(?:[-_]\d{1,6})?)\b")
_NUMBER_IN_TITLE = re.compile(r"(?:incident|inc) ?#? ?(\d{1,9})", re.IGNORECASE)
_DATED_NAME = re.compile(r"\d{4}-\d{2}-\d{2}")


def _title_from_file(file: Path) -> str:
    """A document with no title line is named after its file: "Postmortem-dns-outage" -> "Postmortem dns outage"."""
    return " ".join(file.stem.replace("_", " ").replace("-", " ").split()) or file.stem


def _incident_id(doc: Document, file: Path) -> str:
    given = (doc.meta.get("incident id") or doc.meta.get("incident") or "")[:80]
    if given and re.fullmatch(r"[A-Za-z0-9_.\-#]+", given.strip()):
        return given.strip().lstrip("#")
    m = _ID_IN_NAME.match(file.stem)
    if m and any(c.isdigit() for c in m.group(1)) and not _DATED_NAME.match(file.stem):
        return m.group(1)
    m = _NUMBER_IN_TITLE.search(doc.title or "")
    if m:
        return f"INC-{m.group(1)}"
    return slugify(file.stem)[:80] or "imported"


def _plain(doc: Document, role: str) -> str:
    parts = []
    for s in doc.by_role(role):
        paras = paragraphs(s.blocks)
        items = [i.full for i in bullets(s.blocks)]
        parts += paras + [f"- {i}" for i in items]
    return "\n\n".join(p for p in parts if p)


def _summary(doc: Document, report: FileReport) -> str:
    parts = []
    for role, label in (
        ("summary", None),
        ("what_happened", None),
        ("resolution", "Resolution"),
        ("detection", "Detection"),
    ):
        text = _plain(doc, role)
        if text:
            parts.append(f"{label}: {text}" if label else text)
            report.recognised.append(role.replace("_", " "))
    if not parts:
        report.not_recognised.append("no summary section")
    return "\n\n".join(parts)


_ROOT_CAUSE = re.compile(
    r"\b(?:root cause|due to|caused by|was caused|causing|because|resulted in|"
    r"leading to|triggering|relates to|we determined that|found out that|revealed that|"
    r"the (?:cause|problem) (?:was|is))\b",
    re.IGNORECASE,
)
_CAUSE_LIST = re.compile(r"\b(?:factors|causes|reasons)\s?:$", re.IGNORECASE)


def _factors(doc: Document, report: FileReport) -> tuple[list[dict[str, Any]], list[dict[str, str]], dict[str, Any]]:
    """Contributing factors, root causes, fault, leadup, what went wrong / didn't go well, a
    trigger, and (without an explicit factors section) the summary's root-cause paragraphs.
    A Five Whys list is its own analysis: a chain where each why contributes to the one above."""
    # Each statement with the part of the document it was read from: a cause the document states
    # as such is its analysis; a summary's root-cause prose or a "what went wrong" line is material
    # for one (the review lint tells them apart).
    read: list[tuple[str, DocumentPart]] = []
    for s in doc.by_role("factors"):
        read += [(st, DocumentPart.FACTORS) for st in cause_statements(s)]
    for s in doc.by_role("went_wrong"):
        read += [(st, DocumentPart.WENT_WRONG) for st in item_statements(s.blocks)]
    if not doc.by_role("factors"):
        for s in doc.by_role("summary"):
            read += [(st, DocumentPart.SUMMARY) for st in _summary_causes(s)]
        for s in doc.sections:
            if s.role is None:  # "## Conclusion: This was caused by two factors: 1. ... 2. ..."
                read += [(st, DocumentPart.FACTORS) for _, items in _cause_lists(s) for st in items]
    if not read:  # a cause told only in the narrative ("What happened": "..., leading to a fork")
        for s in doc.by_role("what_happened"):
            read += [(st, DocumentPart.SUMMARY) for st in _summary_causes(s)]
    for s in doc.by_role("trigger"):  # "Trigger: ..." as a paragraph or a list item ("- **Trigger**: ...")
        read += [(f"Trigger: {p}", DocumentPart.TRIGGER) for p in item_statements(s.blocks)]
    statements: dict[str, DocumentPart] = {}
    for st, part in read:
        if st.strip(" -"):
            statements.setdefault(st, part)  # the first part a statement was read from wins
    factors: list[dict[str, Any]] = [
        {
            "id": f"f{i}",
            "statement": st[:2000],
            "category": guess_category(st).value,
            "category_guessed": True,
            "themes": suggest_themes(st),
            "read_from": part.value,
        }
        for i, (st, part) in enumerate(statements.items(), start=1)
    ]
    whys = _five_whys(doc)
    if factors:
        report.recognised.append(f"factors: {len(factors)} (categories guessed, themes suggested)")
    elif doc.by_role("factors") or doc.by_role("went_wrong"):
        report.not_recognised.append("contributing factors section without items")
    elif not whys:
        report.not_recognised.append("no contributing factors or root causes")
    if whys:
        report.recognised.append(f"five whys: a chain of {len(whys['factors'])} why(s)")
    return factors, [{"source": f["id"], "target": "impact"} for f in factors], whys


def _summary_causes(s: Section) -> list[str]:
    """Paragraphs of a summary that name a cause, and a list introduced as "two factors:"."""
    out: list[str] = []
    lists = dict(_cause_lists(s))
    for i, b in enumerate(s.blocks):
        if b.kind != "paragraph":
            continue
        if i in lists:
            out += lists[i]
            continue
        text = " ".join(b.text.split())
        if _ROOT_CAUSE.search(text):
            out.append(text)
    return out


def _cause_lists(s: Section) -> list[tuple[int, list[str]]]:
    """Lists a paragraph introduces as causes ("This was caused by two factors:"): (its index, items)."""
    out: list[tuple[int, list[str]]] = []
    for i, b in enumerate(s.blocks):
        if b.kind != "paragraph" or not _CAUSE_LIST.search(" ".join(b.text.split())[-40:]):
            continue
        items = []
        for nxt in s.blocks[i + 1 :]:
            if nxt.kind != "item":
                break
            if nxt.level == 0:
                items.append(" ".join(nxt.text.split()))
        if items:
            out.append((i, items))
    return out


def _five_whys(doc: Document) -> dict[str, Any]:
    """ "Five Whys" items -> factors w1..wn, w1 contributing to the impact, each next why to the one above."""
    whys: list[str] = []
    for s in doc.by_role("five_whys"):
        whys += [i.full for i in bullets(s.blocks)] or paragraphs(s.blocks)
    whys = [w for w in whys if w.strip()]
    if not whys:
        return {}
    factors = [
        {
            "id": f"w{i}",
            "statement": w[:2000],
            "category": guess_category(w).value,
            "category_guessed": True,
            "themes": suggest_themes(w),
            "read_from": DocumentPart.FIVE_WHYS.value,
        }
        for i, w in enumerate(whys, start=1)
    ]
    influences = [{"source": "w1", "target": "impact"}] + [
        {"source": f"w{i}", "target": f"w{i - 1}"} for i in range(2, len(whys) + 1)
    ]
    return {"id": "five-whys", "method": Method.FIVE_WHYS.value, "factors": factors, "influences": influences}


def _findings(doc: Document, factors: list[dict[str, Any]], report: FileReport) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = []
    for s in doc.by_role("action_items"):
        table_rows = [
            t for t in tables(s.blocks) if t.column("action", "item", "task", "description", "what") is not None
        ]
        if table_rows:
            for t in table_rows:
                col = t.column("action", "item", "task", "description", "what")
                findings += [finding_from_row(t.header, row, col) for row in t.rows]
            continue
        items = bullets(s.blocks)
        if items:
            findings += [
                finding_from_item(item.full, item.links, item.block.checked, bold_lead(item)) for item in items
            ]
        else:
            texts = [p for p in paragraphs(s.blocks) if not NO_CONTENT.fullmatch(p)]
            while len(texts) > 1 and introduces_what_follows(texts[0]):
                texts.pop(0)  # "The following actions were agreed:" introduces the actions, is none
            findings += [finding_from_item(p, urls(p), None, None) for p in texts]
    if not doc.by_role("action_items"):
        findings += [
            finding_from_item(item.full, item.links, item.block.checked, bold_lead(item)) for item in _promised(doc)
        ]
    out = []
    for i, f in enumerate((f for f in findings if f and f["statement"].strip(" -")), start=1):
        work = f.pop("work", [])
        title = f.pop("work_title", None)
        f.update({"id": f"a{i}", "work_items": work})
        if title and not work and f.get("status") != FindingStatus.DONE.value:
            report.work_item_candidates.append(f"a{i}: {title[:200]}")
        f.setdefault("status", FindingStatus.AGREED.value)
        f["tags"] = ["imported", *f.get("tags", [])]
        f["addresses"] = _addresses(f.pop("match_text", f["statement"]), factors)
        out.append(f)
    if out:
        tracked = sum(1 for f in out if f["work_items"])
        report.recognised.append(
            f"action items: {len(out)} findings ({tracked} with a ticket named in the "
            f"document, {len(out) - tracked} work-item candidates)"
        )
    elif doc.by_role("action_items"):
        report.not_recognised.append("action items section without items")
    else:
        report.not_recognised.append("no action items")
    return out


def _promised(doc: Document) -> list[Item]:
    """Without an action-items heading: the list right after a lead-in that promises it ("Going
    forward, we will do the following:"), in any section."""
    out: list[Item] = []
    for s in doc.sections:
        for i, b in enumerate(s.blocks):
            if b.kind == "paragraph" and promises_what_follows(" ".join(b.text.split())):
                run = list(itertools.takewhile(lambda x: x.kind == "item", s.blocks[i + 1 :]))
                out += bullets(run)
    return out


_STOP_WORDS = (
    "about after again also because before being between could does each from have into implement "
    "implemented more must need only other over should some such than that their them then there these "
    "they this those through under very what when where which while will with would make sure ensure able"
)
_STOP = frozenset(_STOP_WORDS.split())
_WORD = re.compile(r"[a-z][a-z0-9]{2,}")


def _stems(text: str) -> set[str]:
    return {w[:4] for w in _WORD.findall(text.lower()) if w not in _STOP}


def _addresses(statement: str, factors: list[dict[str, Any]]) -> list[str]:
    """The factor an action item most plainly answers: at least two shared content words,
    and at least 40% of the shorter text's words."""
    mine = _stems(statement)
    best: tuple[float, str] | None = None
    for f in factors:
        theirs = _stems(f["statement"])
        shared = len(mine & theirs)
        score = shared / max(1, min(len(mine), len(theirs)))
        if shared >= _ADDRESS_MIN_SHARED and score >= 0.4 and (best is None or score > best[0]):
            best = (score, f["id"])
    return [best[1]] if best else []


_LEAD = re.compile(r"\b(incident commander|commander|lead|ic|incident manager)\b", re.IGNORECASE)
_HANDLE_SPLIT = re.compile(r"\s?[,;]\s?|\s(?:and|&)\s")
_HANDLE_CUT = re.compile(r"\s?[(–—:]|\s-\s")


def _handles(text: str) -> list[str]:
    """ "alice, bob and carol" / "@alice @bob" / "AB CD EF" (initials) -> handles."""
    text = text.strip()[:1000]
    parts = [p.strip() for p in _HANDLE_SPLIT.split(text) if p.strip()]
    if len(parts) == 1:
        words = parts[0].split()
        if len(words) > 1 and (
            all(w.startswith("@") for w in words) or all(w.isupper() and len(w) <= 4 for w in words)
        ):
            parts = words
    out = []
    for p in parts:
        handle = _HANDLE_CUT.split(p, maxsplit=1)[0].strip().lstrip("@").strip("*_ .")
        if handle and len(handle) <= 60 and "use initials" not in p.lower():
            out.append(handle)
    return out


def _participants(doc: Document, report: FileReport) -> list[dict[str, Any]]:
    people: dict[str, dict[str, Any]] = {}

    def add(handle: str, role: Role) -> None:
        people.setdefault(handle, {"handle": handle, "role": role.value})

    for s in doc.by_role("responders"):
        norm = normalise(s.title)
        attendees = "attendee" in norm
        owner = "owner" in norm
        items = bullets(s.blocks)
        lines = [(i.text, i.text) for i in items] or [(p, p) for p in paragraphs(s.blocks)]
        for text, whole in lines:
            role = (
                Role.OWNER
                if owner
                else Role.INCIDENT_LEAD
                if _LEAD.search(whole)
                else (
                    Role.FACILITATOR
                    if "facilitat" in whole.lower()
                    else Role.STAKEHOLDER
                    if attendees
                    else Role.RESPONDER
                )
            )
            handles = _handles(text) if (attendees or not items) else _handles(text)[:1]
            for h in handles:
                add(h, role)
    for key, role in (
        ("attendees", Role.STAKEHOLDER),
        ("participants", Role.RESPONDER),
        ("owner of review process", Role.OWNER),
    ):
        for h in _handles(doc.meta.get(key, "")):
            add(h, role)
    if people:
        report.recognised.append(f"participants: {len(people)}")
    return list(people.values())


_NOT_IMPORTED = {
    "lessons": "lessons learned has no place in an Event Packet",
    "messaging": "messaging has no place in an Event Packet",
    "supporting": "supporting information has no place in an Event Packet",
    # Kept out of the text the analyses read: what it names (a database, NFS) was not this incident.
    "ruled_out": "hypotheses the document rules out are no evidence about the incident",
}


def _report_other_sections(doc: Document, report: FileReport) -> None:
    for s in doc.sections:
        if s.role in _NOT_IMPORTED and s.text:
            report.not_recognised.append(f"section {s.title!r}: read but not imported ({_NOT_IMPORTED[s.role]})")


def _list(value: str | None) -> list[str]:
    if not value:
        return []
    return [v.strip() for v in re.split(r"[,;]", value[:2000]) if v.strip()]


__all__ = [
    "HEADINGS",
    "FileReport",
    "ImportResult",
    "Section",
    "Stats",
    "import_file",
    "import_paths",
    "import_pdf_bytes",
    "import_text",
    "markdown_files",
]
