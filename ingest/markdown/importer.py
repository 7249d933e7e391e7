"""A post-mortem document -> an imported, unreviewed Event Packet and a report of what was read.

Rules (the README repeats them):
- started_at: the earliest timeline entry, else the first full date in the document
  (00:00 in the document's zone).
- Times are read in the zone the document states ("All times in CET", a table header
  "Date and Time in CET"), else UTC; the report says which.
- Stats durations are measured from started_at: detected_at = started_at + time to
  detection, mitigated_at = started_at + time to recovery. Without them, detected_at is
  the first entry that reads as detection. resolved_at is the last entry that reads as
  resolution, else mitigated_at.
- Severity: a "Severity:"/"SEV"/"Priority:" field, else DEFAULT_SEVERITY, noted in
  provenance.notes.
- Contributing factors and root causes (and a trigger) -> factors of one contribution
  map, each contributing to the impact, category guessed and themes suggested. Action
  items -> agreed findings. A ticket the document names (an Action Items table's Bug or
  Ticket column) becomes the finding's work item; every other action item is reported
  as a work-item candidate (its bold lead or first sentence as the title) and stays
  untracked in the graph, so the integration gate shows it as open until `kb gate
  --push` or a person creates the ticket. (A placeholder work item would count as
  tracking and close the gate on paper.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ingest.markdown.blocks import Item, bold_lead, bullets, paragraphs, tables
from ingest.markdown.classify import (
    event_kind,
    guess_category,
    reads_as_acknowledgement,
    reads_as_mitigation,
    reads_as_resolution,
    suggest_themes,
)
from ingest.markdown.dates import UTC_ASSUMED, Zone, combine, parse_date, parse_duration, stated_zone
from ingest.markdown.sections import Document, Section, normalise, split, strip_markdown
from ingest.markdown.templates import HEADINGS, looks_like_template, recognise
from ingest.markdown.timeline import TimelineResult, parse_timeline
from kb.model import EventKind, EventPacket, FindingStatus, Method, Role, slugify

DEFAULT_SEVERITY = 3
"""SEV3 when a document gives none: the middle of the scale, neither hidden nor alarming."""
SOURCE = "markdown"
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".txt")
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
            "file": str(self.file), "status": self.status, "reason": self.reason, "template": self.template,
            "incident": self.incident, "title": self.title, "timeline_events": self.timeline_events,
            "factors": self.factors, "findings": self.findings, "zone": self.zone,
            "category": self.stats.category,
            "ttd_minutes": ttd.total_seconds() / 60 if ttd is not None else None,
            "ttr_minutes": ttr.total_seconds() / 60 if ttr is not None else None,
            "recognised": self.recognised, "not_recognised": self.not_recognised, "notes": self.notes,
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
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in MARKDOWN_SUFFIXES
                              and p.stem.lower() not in _NOT_POSTMORTEMS)
        else:
            yield path


def import_file(path: str | Path) -> ImportResult:
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        return ImportResult(FileReport(file, "failed", f"cannot be read: {exc.strerror or exc}"))
    if b"\x00" in data[:8192]:
        return ImportResult(FileReport(file, "failed", "a binary file, not markdown text"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return ImportResult(FileReport(file, "failed", f"not valid UTF-8 (byte {exc.start}: {exc.reason})"))
    return import_text(text, file)


def import_text(text: str, file: Path) -> ImportResult:
    report = FileReport(file, "failed")
    try:
        packet = _build(text, file, report)
    except ImportFailed as exc:
        report.status, report.reason = "failed", str(exc)
        return ImportResult(report)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        report.status, report.reason = "failed", f"the packet built from it is invalid at {where}: {first['msg']}"
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
    doc = split(text)
    report.title = doc.title
    why_template = looks_like_template(doc, file, text)
    if why_template:
        report.status, report.reason = "template", f"a template, not an incident: {why_template}"
        return None
    if not any(s.role for s in doc.sections):
        raise ImportFailed("no post-mortem sections found (expected headings such as Summary, Timeline, "
                           "Contributing Factors, Action Items)")
    template = recognise(doc)
    report.template = template
    report.recognised.append(f"template: {template}")
    notes: list[str] = [f"imported from markdown ({template} template)"]

    zone = stated_zone(text)
    report.zone = f"{zone.name} (as the document states)" if zone else "UTC (assumed: no zone stated)"
    zone = zone or UTC_ASSUMED
    doc_day = _document_day(doc, text)
    default_year = doc_day.year if doc_day else _first_year(text)

    timeline = _timeline(doc, zone, doc_day, default_year, report)
    stats = _stats(doc, report)
    report.stats = stats

    entries = sorted(timeline.entries, key=lambda e: e.at)
    if entries:
        started = entries[0].at
    elif doc_day:
        started = combine(doc_day, time(0, 0), zone)
        notes.append(f"no timeline timestamps; started_at is the document date {doc_day.isoformat()}")
        report.notes.append(notes[-1])
    else:
        raise ImportFailed("no date anywhere in the document: an incident needs a start time "
                           "(a timeline with dates, or a 'Date:' line)")
    kinds = [event_kind(e.text, i == 0) for i, e in enumerate(timeline.entries)]
    events = [{"at": e.at, "kind": k.value, "text": e.text, "source": SOURCE}
              for e, k in zip(timeline.entries, kinds, strict=True)]

    detected: datetime | None = None
    acknowledged: datetime | None = None
    mitigated: datetime | None = None
    if stats.time_to_detection is not None:
        detected = started + stats.time_to_detection
    else:
        detected = next((e.at for e, k in zip(timeline.entries, kinds, strict=True)
                         if k is EventKind.DETECTION), None)
    if stats.time_to_recovery is not None:
        mitigated = started + stats.time_to_recovery
    else:
        mitigated = next((e.at for e in timeline.entries if reads_as_mitigation(e.text)), None)
    acknowledged = next((e.at for e in timeline.entries if reads_as_acknowledgement(e.text)), None)
    resolutions = [e.at for e in timeline.entries if reads_as_resolution(e.text)]
    resolved = max(resolutions) if resolutions else mitigated
    if stats.time_to_detection is not None or stats.time_to_recovery is not None:
        notes.append("stats durations measured from started_at (the first timeline entry)")

    severity, sev_note = _severity(doc)
    if sev_note:
        notes.append(sev_note)
        report.not_recognised.append(sev_note)
    ident = _incident_id(doc, file)
    report.incident = ident

    summary = _summary(doc, report)
    impact = _plain(doc, "impact")
    if impact:
        report.recognised.append("impact")
    else:
        report.not_recognised.append("no impact section")
    factors, influences = _factors(doc, report)
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

    analyses = []
    if factors or findings:
        analyses.append({"id": "imported", "method": Method.CONTRIBUTION_MAP.value, "factors": factors,
                         "influences": influences, "findings": findings})
    packet = EventPacket.model_validate({
        "incident": {
            "id": ident, "title": doc.title or file.stem, "severity": severity,
            "services": _list(doc.meta.get("services") or doc.meta.get("service")
                              or doc.meta.get("affected services")),
            "teams": _list(doc.meta.get("teams") or doc.meta.get("team")),
            "started_at": started, "detected_at": detected, "acknowledged_at": acknowledged,
            "mitigated_at": mitigated, "resolved_at": resolved,
            "customer_impact": impact or None, "summary": summary or None, "tags": tags,
        },
        "provenance": {"source": SOURCE, "file": str(file), "imported": True, "reviewed": False, "notes": notes},
        "timeline": events,
        "participants": participants,
        "analyses": analyses,
    })
    report.timeline_events = len(events)
    report.factors = len(factors)
    report.findings = len(findings)
    report.notes += timeline.notes
    return packet


def _document_day(doc: Document, text: str) -> date | None:
    for key in ("date", "start time"):
        if key in doc.meta:
            parsed = parse_date(doc.meta[key])
            if parsed and parsed.day:
                return parsed.day
    summary = doc.text("summary") or text
    parsed = parse_date(summary)
    if parsed and parsed.day and parsed.has_year:
        return parsed.day
    parsed = parse_date(text)
    return parsed.day if parsed and parsed.day and parsed.has_year else None


def _first_year(text: str) -> int | None:
    m = re.search(r"\b(19[89]\d|20\d\d)\b", text)
    return int(m.group(1)) if m else None


def _timeline(doc: Document, zone: Zone, day: date | None, year: int | None, report: FileReport) -> TimelineResult:
    sections = doc.by_role("timeline")
    result = TimelineResult()
    for s in sections:
        part = parse_timeline(s.lines, zone, day, year)
        result.entries += part.entries
        result.notes += part.notes
        result.skipped += part.skipped
        result.zones_used |= part.zones_used
        if part.shape != "none":
            result.shape = part.shape
    if not sections:
        report.not_recognised.append("no timeline section")
    elif result.entries:
        zones = ", ".join(sorted(result.zones_used))
        report.recognised.append(f"timeline: {len(result.entries)} entries ({result.shape}; times in {zones})")
    else:
        report.not_recognised.append("timeline section without dated entries")
    report.not_recognised += [f"timeline {s}" for s in result.skipped]
    return result


_STAT_KEYS = {
    "category": ("category",),
    "ttd": ("time to detection", "time to detect", "ttd", "detection time"),
    "ttr": ("time to recovery", "time to resolve", "time to resolution", "time to mitigation",
            "time to mitigate", "ttr", "ttm", "recovery time"),
}


def _stats(doc: Document, report: FileReport) -> Stats:
    raw: dict[str, str] = {}
    for s in doc.by_role("stats"):
        for item in bullets(s.lines) or [_item(line) for line in s.lines if ":" in line]:
            name, sep, value = item.text.partition(":")
            if sep:
                raw[normalise(name)] = value.strip()
    for key, value in doc.meta.items():
        raw.setdefault(key, value)
    stats = Stats(raw=raw)
    for key, names in _STAT_KEYS.items():
        found_value = next((raw[n] for n in names if n in raw), None)
        if found_value is None:
            continue
        value = found_value
        if not value:
            continue
        if key == "category":
            stats.category = value or None
            continue
        duration = parse_duration(value)
        label = "time to detection" if key == "ttd" else "time to recovery"
        if duration is None:
            report.not_recognised.append(f"stats {label}: {value!r} is not a duration")
        elif key == "ttd":
            stats.time_to_detection = duration
        else:
            stats.time_to_recovery = duration
    found = [f"{k} {v}" for k, v in (("category", stats.category),
                                      ("TTD", _minutes(stats.time_to_detection)),
                                      ("TTR", _minutes(stats.time_to_recovery))) if v]
    if found:
        report.recognised.append("stats: " + ", ".join(found))
    return stats


def _item(line: str) -> Item:
    return Item(strip_markdown(line), line)


def _minutes(d: timedelta | None) -> str | None:
    return None if d is None else f"{d.total_seconds() / 60:g} min"


_SEV = re.compile(r"(?:sev(?:erity)?|p(?:riority)?)?\s*[-:]?\s*([1-5])\b", re.IGNORECASE)
_SEV_WORDS = {"critical": 1, "high": 2, "major": 2, "medium": 3, "moderate": 3, "minor": 4, "low": 4}


def _severity(doc: Document) -> tuple[int | None, str | None]:
    for key in ("severity", "sev", "priority"):
        value = doc.meta.get(key)
        if not value:
            continue
        m = _SEV.search(value)
        if m:
            return int(m.group(1)), None
        word = _SEV_WORDS.get(value.strip().lower().split()[0]) if value.strip() else None
        if word:
            return word, None
    return None, "no severity in the document: unknown"


_ID_IN_NAME = re.compile(r"^([A-Za-z]{1,10}[-_]?\d{2,4}(?:[-_]\d{1,6})?)\b")
_NUMBER_IN_TITLE = re.compile(r"(?:incident|inc)\s*#?\s*(\d+)", re.IGNORECASE)


def _incident_id(doc: Document, file: Path) -> str:
    given = doc.meta.get("incident id") or doc.meta.get("incident")
    if given and re.fullmatch(r"[A-Za-z0-9_.\-#]+", given.strip()):
        return given.strip().lstrip("#")
    m = _ID_IN_NAME.match(file.stem)
    if m and any(c.isdigit() for c in m.group(1)):
        return m.group(1)
    m = _NUMBER_IN_TITLE.search(doc.title or "")
    if m:
        return f"INC-{m.group(1)}"
    return slugify(file.stem)[:80] or "imported"


def _plain(doc: Document, role: str) -> str:
    parts = []
    for s in doc.by_role(role):
        paras = paragraphs(s.lines)
        items = [i.full for i in bullets(s.lines)]
        parts += paras + [f"- {i}" for i in items]
    return "\n\n".join(p for p in parts if p)


def _summary(doc: Document, report: FileReport) -> str:
    parts = []
    for role, label in (("summary", None), ("what_happened", None), ("resolution", "Resolution"),
                        ("detection", "Detection")):
        text = _plain(doc, role)
        if text:
            parts.append(f"{label}: {text}" if label else text)
            report.recognised.append(role.replace("_", " "))
    if not parts:
        report.not_recognised.append("no summary section")
    return "\n\n".join(parts)


def _factors(doc: Document, report: FileReport) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    statements: list[str] = []
    for s in doc.by_role("factors"):
        items = bullets(s.lines)
        paras = paragraphs(s.lines)
        if items:
            # Prose around a list counts when it names a factor in bold ("the lack of **X** ... biggest factor").
            statements += [c for p in paras if (c := _bold_clause(s.lines, p))]
            statements += [i.full for i in items]
        else:
            statements += paras
    for s in doc.by_role("trigger"):
        statements += [f"Trigger: {p}" for p in paragraphs(s.lines)]
    statements = [st for st in statements if st.strip(" -")]
    factors: list[dict[str, Any]] = [
        {"id": f"f{i}", "statement": st, "category": guess_category(st).value, "category_guessed": True,
         "themes": suggest_themes(st)} for i, st in enumerate(statements, start=1)]
    if factors:
        report.recognised.append(f"factors: {len(factors)} (categories guessed, themes suggested)")
    elif doc.by_role("factors"):
        report.not_recognised.append("contributing factors section without items")
    else:
        report.not_recognised.append("no contributing factors or root causes")
    return factors, [{"source": f["id"], "target": "impact"} for f in factors]


def _bold_clause(lines: list[str], para: str) -> str | None:
    """The clause of a prose paragraph that holds a bold phrase, or None without one."""
    bold = [strip_markdown(b) for line in lines for b in re.findall(r"\*\*(.+?)\*\*", line)]
    for clause in re.split(r"(?<=[.;:,])\s+", para):
        if any(b and b in clause for b in bold):
            return clause.rstrip(" ,;:")
    return None


def _findings(doc: Document, factors: list[dict[str, Any]], report: FileReport) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = []
    for s in doc.by_role("action_items"):
        table_rows = [t for t in tables(s.lines) if t.column("action", "item", "task", "description", "what")
                      is not None]
        if table_rows:
            for t in table_rows:
                findings += [_finding_from_row(t.header, row, t.column("action", "item", "task", "description",
                                                                        "what")) for row in t.rows]
        else:
            for item in bullets(s.lines):
                lead = bold_lead(item.line)
                title = lead[0] if lead else _first_sentence(item.text)
                findings.append({"statement": item.full, "work_title": title, "match_text": title})
    out = []
    for i, f in enumerate((f for f in findings if f and f["statement"].strip(" -")), start=1):
        work = f.pop("work", None)
        title = f.pop("work_title", None)
        f.update({"id": f"a{i}", "work_items": [work] if work else []})
        if title and f.get("status") != FindingStatus.DONE.value:
            report.work_item_candidates.append(f"a{i}: {title[:200]}")
        f.setdefault("status", FindingStatus.AGREED.value)
        f["tags"] = ["imported", *f.get("tags", [])]
        f["addresses"] = _addresses(f.pop("match_text", f["statement"]), factors)
        out.append(f)
    if out:
        tracked = sum(1 for f in out if f["work_items"])
        report.recognised.append(f"action items: {len(out)} findings ({tracked} with a ticket named in the "
                                 f"document, {len(out) - tracked} work-item candidates)")
    elif doc.by_role("action_items"):
        report.not_recognised.append("action items section without items")
    else:
        report.not_recognised.append("no action items")
    return out


_TICKET = re.compile(r"\b([A-Z][A-Z0-9]+-\d+)\b|\b(?:bug|issue|ticket)\s*#?\s*(\d+)\b", re.IGNORECASE)


def _finding_from_row(header: list[str], row: list[str], col: int | None) -> dict[str, Any]:
    cells = {h.lower(): strip_markdown(c) for h, c in zip(header, row, strict=False)}
    statement = strip_markdown(row[col]) if col is not None and col < len(row) else ""
    if not statement:
        return {}

    def cell(*names: str) -> str:
        return next((v for k, v in cells.items() if any(n in k for n in names) and v), "")

    out: dict[str, Any] = {"statement": statement}
    owner = cell("owner", "assignee", "who")
    if owner and owner.lower() not in ("n/a", "tbd", "-", "?"):
        out["owner"] = owner
    kind = cell("type", "kind")
    if kind:
        out["tags"] = [slugify(kind)] if slugify(kind) else []
    ticket_text = cell("bug", "ticket", "issue", "jira", "link", "tracking")
    status_text = f"{cell('status', 'state')} {ticket_text}".lower()
    done = bool(re.search(r"\b(done|closed|complete[d]?|fixed|resolved)\b", status_text))
    if done:
        out["status"] = FindingStatus.DONE.value
    m = _TICKET.search(ticket_text)
    if m:
        ext = m.group(1) or f"BUG-{m.group(2)}"
        system = "jira" if m.group(1) else "bug-tracker"
        out["work"] = {"system": system, "external_id": ext.upper(), "title": statement[:200],
                       "status": "done" if done else "open"}
    else:
        out["work_title"] = statement
    return out


def _first_sentence(text: str) -> str:
    m = re.match(r"(.+?[.!?])(?:\s|$)", text)
    return (m.group(1) if m else text)[:200]


_STOP_WORDS = ("about after again also because before being between could does each from have into implement "
               "implemented more must need only other over should some such than that their them then there these "
               "they this those through under very what when where which while will with would make sure ensure able")
_STOP = frozenset(_STOP_WORDS.split())


def _stems(text: str) -> set[str]:
    words = re.findall(r"[a-z][a-z0-9]{2,}", text.lower())
    return {w[:4] for w in words if w not in _STOP}


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


_LEAD = re.compile(r"\b(incident commander|commander|lead|\bic\b|incident manager)\b", re.IGNORECASE)


def _participants(doc: Document, report: FileReport) -> list[dict[str, Any]]:
    people: dict[str, dict[str, Any]] = {}
    for s in doc.by_role("responders"):
        attendees = "attendee" in normalise(s.title)
        for item in bullets(s.lines):
            handle = re.split(r"\s*[(,–—:-]\s*", item.text, maxsplit=1)[0].strip()
            if not handle or "use initials" in item.text.lower():
                continue
            role = Role.INCIDENT_LEAD if _LEAD.search(item.text) else (
                Role.FACILITATOR if "facilitat" in item.text.lower() else
                Role.STAKEHOLDER if attendees else Role.RESPONDER)
            people.setdefault(handle, {"handle": handle, "role": role.value})
    if people:
        report.recognised.append(f"participants: {len(people)}")
    return list(people.values())


_NOT_IMPORTED = {"lessons": "lessons learned", "messaging": "messaging", "supporting": "supporting information"}


def _report_other_sections(doc: Document, report: FileReport) -> None:
    for s in doc.sections:
        if s.role in _NOT_IMPORTED and s.text:
            report.not_recognised.append(f"section {s.title!r}: read but not imported "
                                         f"({_NOT_IMPORTED[s.role]} has no place in an Event Packet)")
        elif s.role is None and s.text:
            report.not_recognised.append(f"section {s.title!r}: not recognised")


def _list(value: str | None) -> list[str]:
    if not value:
        return []
    return [v.strip() for v in re.split(r"[,;]", value) if v.strip()]




__all__ = ["DEFAULT_SEVERITY", "HEADINGS", "FileReport", "ImportResult", "Section", "Stats",
           "import_file", "import_paths", "import_text", "markdown_files"]
