"""PagerDuty REST API v2 JSON (incidents and their log entries) -> Event Packets, or merged into one.

Accepted shapes, as the API returns them and as people save them:
  {"incident": {...}, "log_entries": [...]}         GET /incidents/{id} + its log entries
  {"incidents": [...], "log_entries": [...]}        a list; entries matched by entry.incident.id
  {"log_entries": [...]}                            entries alone; the incident from their reference
  an incident with its own "log_entries" list, or a JSON list of any of these.

Log entries trigger, acknowledge, escalate, annotate, assign and resolve become timeline
events with the id "pd-<log entry id>", so merging the same export twice, or into a
packet that already holds them, adds nothing. The first trigger, acknowledge and the
last resolve give detected_at, acknowledged_at and resolved_at where the packet has none.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ingest.merged_packet import revalidated
from kb.model import EventKind, EventPacket, Participant, Role, TimelineEvent
from kb.model.documents import (
    INT64_MAX,
    INT64_MIN,
    MAX_EXPORT_BYTES,
    MAX_YEAR,
    MIN_YEAR,
    DocumentError,
    brief,
    decode,
    load_json,
    one_line,
)

SOURCE = "pagerduty"
DEFAULT_SEVERITY = 3
TAG_PREFIX = "pagerduty:"

KINDS: dict[str, EventKind] = {
    "trigger_log_entry": EventKind.DETECTION,  # the alert fired: monitoring detected it
    "acknowledge_log_entry": EventKind.KEY_MOMENT,
    "escalate_log_entry": EventKind.COMMUNICATION,
    "assign_log_entry": EventKind.COMMUNICATION,
    "annotate_log_entry": EventKind.KEY_MOMENT,
    "resolve_log_entry": EventKind.REPAIR,
}


class PagerDutyError(ValueError):
    """A file that is not PagerDuty incident JSON; the message names file, field and expectation."""

    def __init__(self, file: Path, where: str, expected: str) -> None:
        self.file, self.where, self.expected = file, where, expected
        super().__init__(one_line(f"{file}: {where}: {expected}"))


@dataclass
class PdIncident:
    id: str
    number: int | None
    title: str
    created_at: datetime | None
    urgency: str | None
    priority: str | None
    service: str | None
    teams: list[str]
    url: str | None
    file: Path
    log_entries: list[dict[str, Any]] = field(default_factory=list)
    origin: str | None = None
    """Where it was read, for the provenance note when not a file (e.g. "the PagerDuty API")."""

    @property
    def key(self) -> str:
        """The packet id of a PagerDuty incident that no packet claims yet."""
        return f"PD-{self.number}" if self.number is not None else f"PD-{self.id}"

    @property
    def tag(self) -> str:
        return f"{TAG_PREFIX}{self.id}"


@dataclass
class MergeReport:
    incident: str
    pagerduty_id: str
    added_events: int = 0
    already_present: int = 0
    filled: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    skipped_types: Counter[str] = field(default_factory=Counter)
    created: bool = False


def _time(value: Any, file: Path, where: str) -> datetime:
    if not isinstance(value, str):
        raise PagerDutyError(file, where, f"an ISO 8601 timestamp string (got {brief(value)})")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PagerDutyError(file, where, f"an ISO 8601 timestamp (got {brief(value)})") from None
    if parsed.tzinfo is None:
        raise PagerDutyError(file, where, f"a timestamp with a zone offset (got {brief(value)})")
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:  # year 1 or 9999 with an offset overflows in UTC
        raise PagerDutyError(
            file, where, f"a timestamp between the years {MIN_YEAR} and {MAX_YEAR} (got {brief(value)})"
        )
    return parsed


def _summary(ref: Any) -> str | None:
    if not isinstance(ref, dict):
        return None
    text = ref.get("summary") or ref.get("name")
    return text if isinstance(text, str) else None


def _ref(value: Any, file: Path, where: str) -> str | None:
    """The name of a reference ({"summary": ...} as the API gives it, or a plain name), or None."""
    if value is None or isinstance(value, str):
        return value or None
    name = _summary(value)
    if isinstance(value, dict) and (name or not (value.get("summary") or value.get("name"))):
        return name
    raise PagerDutyError(file, where, f'a reference like {{"summary": "name"}} (got {brief(value)})')


def _text_or_none(raw: dict[str, Any], name: str, file: Path, where: str) -> str | None:
    value = raw.get(name)
    if value is None or isinstance(value, str):
        return value
    raise PagerDutyError(file, f"{where}.{name}", f"a string (got {brief(value)})")


def _list(raw: dict[str, Any], name: str, file: Path, where: str) -> list[Any]:
    value = raw.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise PagerDutyError(file, f"{where}{'.' if where else ''}{name}", f"a list (got {brief(value)})")
    return value


def _id(value: Any, file: Path, where: str) -> str:
    # PagerDuty ids are strings ("PXYZ123"); numbers are taken as written, nothing else.
    if isinstance(value, str) and value.strip() or isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise PagerDutyError(file, where, f"an id string (got {brief(value)})")


def read_file(path: str | Path) -> list[PdIncident]:
    """The PagerDuty incidents of one file, or a PagerDutyError naming it: never another exception."""
    file = Path(path)
    try:
        with file.open("rb") as fh:
            raw = fh.read(MAX_EXPORT_BYTES + 1)
    except OSError as exc:
        raise PagerDutyError(file, "(file)", f"a readable file ({exc.strerror or exc})") from None
    try:
        data = load_json(decode(raw, MAX_EXPORT_BYTES))
    except DocumentError as exc:
        raise PagerDutyError(file, exc.field, exc.expected) from None
    try:
        return parse(data, file)
    except PagerDutyError:
        raise
    except Exception as exc:  # a check this reader lacks must still reject this file only
        raise PagerDutyError(
            file, "(document)", f"PagerDuty REST API v2 JSON ({type(exc).__name__}: {brief(str(exc))})"
        ) from None


def parse(data: Any, file: Path) -> list[PdIncident]:
    docs = data if isinstance(data, list) else [data]
    incidents: dict[str, PdIncident] = {}
    loose: list[tuple[str, dict[str, Any]]] = []
    for di, doc in enumerate(docs):
        where = f"[{di}]" if isinstance(data, list) else ""
        if not isinstance(doc, dict):
            raise PagerDutyError(file, where or "(document)", 'an object with "incident", "incidents" or "log_entries"')
        raw_incidents = ([doc["incident"]] if "incident" in doc else []) + _list(doc, "incidents", file, where)
        if not raw_incidents and "log_entries" not in doc:
            raise PagerDutyError(
                file, where or "(document)", 'an object with "incident", "incidents" or "log_entries" (REST API v2)'
            )
        for ii, raw in enumerate(raw_incidents):
            inc = _incident(raw, file, f"{where}incidents[{ii}]")
            incidents.setdefault(inc.id, inc).log_entries += [
                _entry(e, file, f"{where}incidents[{ii}].log_entries[{ei}]")
                for ei, e in enumerate(_list(raw, "log_entries", file, f"{where}incidents[{ii}]."))
            ]
        for ei, e in enumerate(_list(doc, "log_entries", file, where)):
            entry = _entry(e, file, f"{where}log_entries[{ei}]")
            loose.append((f"{where}log_entries[{ei}]", entry))
    for where, entry in loose:
        ref = entry.get("incident")
        if not isinstance(ref, dict) or not ref.get("id"):
            if len(incidents) == 1:
                next(iter(incidents.values())).log_entries.append(entry)
                continue
            raise PagerDutyError(file, f"{where}.incident.id", "the id of the incident this entry belongs to")
        ref_id = _id(ref["id"], file, f"{where}.incident.id")
        owner = incidents.get(ref_id)
        if owner is None:
            owner = PdIncident(
                ref_id,
                None,
                _summary(ref) or f"PagerDuty incident {ref_id}",
                None,
                None,
                None,
                None,
                [],
                _text_or_none(ref, "html_url", file, f"{where}.incident"),
                file,
            )
            incidents[owner.id] = owner
        owner.log_entries.append(entry)
    for inc in incidents.values():
        # One entry may appear twice (an incident's own list and a separate export): keep one.
        unique = {e["id"]: e for e in inc.log_entries}
        inc.log_entries = sorted(unique.values(), key=lambda e: (e["at"], e["id"]))
    if not incidents:
        raise PagerDutyError(file, "(document)", "at least one incident or log entry")
    return list(incidents.values())


def _incident(raw: Any, file: Path, where: str) -> PdIncident:
    if not isinstance(raw, dict):
        raise PagerDutyError(file, where, "an incident object")
    if not raw.get("id"):
        raise PagerDutyError(file, f"{where}.id", "the incident id")
    pd_id = _id(raw["id"], file, f"{where}.id")
    number = raw.get("incident_number")
    if number is not None and (
        not isinstance(number, int) or isinstance(number, bool) or not INT64_MIN <= number <= INT64_MAX
    ):
        raise PagerDutyError(file, f"{where}.incident_number", f"an integer (got {brief(number)})")
    created = _time(raw["created_at"], file, f"{where}.created_at") if raw.get("created_at") else None
    titles = [_text_or_none(raw, name, file, where) for name in ("title", "summary", "description")]
    title = next((t for t in titles if t), f"PagerDuty incident {pd_id}")
    return PdIncident(
        id=pd_id,
        number=number,
        title=title,
        created_at=created,
        urgency=_text_or_none(raw, "urgency", file, where),
        priority=_ref(raw.get("priority"), file, f"{where}.priority"),
        service=_ref(raw.get("service"), file, f"{where}.service"),
        teams=[
            t
            for ti, x in enumerate(_list(raw, "teams", file, where + "."))
            if (t := _ref(x, file, f"{where}.teams[{ti}]"))
        ],
        url=_text_or_none(raw, "html_url", file, where),
        file=file,
    )


def _entry(raw: Any, file: Path, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise PagerDutyError(file, where, "a log entry object")
    for name in ("id", "type", "created_at"):
        if not raw.get(name):
            raise PagerDutyError(file, f"{where}.{name}", "present in every log entry")
    if not isinstance(raw["type"], str):
        raise PagerDutyError(file, f"{where}.type", f"a type like trigger_log_entry (got {brief(raw['type'])})")
    for name in ("summary", "note"):
        _text_or_none(raw, name, file, where)
    agent = raw.get("agent")
    if agent is not None and not (isinstance(agent, dict) and isinstance(agent.get("type") or "", str)):
        raise PagerDutyError(file, f"{where}.agent", f"an agent reference object (got {brief(agent)})")
    channel = raw.get("channel")
    if channel is not None and not isinstance(channel, dict):
        raise PagerDutyError(file, f"{where}.channel", f"a channel object (got {brief(channel)})")
    entry_id = _id(raw["id"], file, f"{where}.id")
    if not _ENTRY_ID.fullmatch(entry_id):  # it becomes the timeline event id "pd-<id>"
        raise PagerDutyError(file, f"{where}.id", f"a log entry id of letters, digits, _ . - (got {brief(entry_id)})")
    return {**raw, "id": entry_id, "at": _time(raw["created_at"], file, f"{where}.created_at")}


_ENTRY_ID = re.compile(r"[A-Za-z0-9_.\-]{1,100}")


def _text(entry: dict[str, Any]) -> str:
    summary = entry.get("summary")
    if not (isinstance(summary, str) and summary.strip()):
        summary = entry["type"].replace("_log_entry", "").replace("_", " ")
    if entry["type"] == "annotate_log_entry":
        channel = entry.get("channel") or {}
        notes = (entry.get("note"), channel.get("summary"), channel.get("content"))
        note = next((n for n in notes if n and isinstance(n, str)), None)
        if note and note not in summary:
            return f"{summary}: {note}"
    return summary


def events(inc: PdIncident, report: MergeReport | None = None) -> list[TimelineEvent]:
    out = []
    for entry in inc.log_entries:
        kind = KINDS.get(entry["type"])
        if kind is None:
            if report:
                report.skipped_types[entry["type"]] += 1
            continue
        out.append(TimelineEvent(id=f"pd-{entry['id']}", at=entry["at"], kind=kind, text=_text(entry), source=SOURCE))
    return out


def _first(inc: PdIncident, kind: str, last: bool = False) -> datetime | None:
    times: list[datetime] = [e["at"] for e in inc.log_entries if e["type"] == kind]
    if not times:
        return None
    return max(times) if last else min(times)


def _responders(inc: PdIncident) -> list[Participant]:
    people: dict[str, Participant] = {}
    for e in inc.log_entries:
        agent = e.get("agent")
        if (
            e["type"] in ("acknowledge_log_entry", "resolve_log_entry", "annotate_log_entry")
            and isinstance(agent, dict)
            and (agent.get("type") or "").startswith("user")
        ):
            name = _summary(agent)
            if name:
                people.setdefault(name, Participant(handle=name, role=Role.RESPONDER))
    return list(people.values())


_PRIORITY = re.compile(r"^\s*(?:P|SEV)\s*([1-5])\b", re.IGNORECASE)


def severity(inc: PdIncident) -> tuple[int, str | None]:
    if inc.priority and (m := _PRIORITY.match(inc.priority)):
        return int(m.group(1)), None
    if inc.urgency == "high":
        return 2, "severity from PagerDuty urgency high (SEV2)"
    if inc.urgency == "low":
        return 4, "severity from PagerDuty urgency low (SEV4)"
    return DEFAULT_SEVERITY, f"no PagerDuty priority or urgency: SEV{DEFAULT_SEVERITY} assumed (the default)"


def new_packet(inc: PdIncident, key: str | None = None) -> EventPacket:
    """A fresh, unreviewed packet for a PagerDuty incident that no packet claims."""
    try:
        evs = events(inc)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise PagerDutyError(inc.file, f"incident {inc.id}: log entry", first["msg"]) from None
    started = inc.created_at or (min(e.at for e in evs) if evs else None)
    if started is None:
        raise PagerDutyError(inc.file, f"incident {inc.id}", "a created_at or at least one log entry")
    sev, note = severity(inc)
    notes = [f"imported from PagerDuty incident {inc.id}"] + ([note] if note else [])
    try:
        return EventPacket.model_validate(
            {
                "incident": {
                    "id": key or inc.key,
                    "title": inc.title,
                    "severity": sev,
                    "services": [inc.service] if inc.service else [],
                    "teams": inc.teams,
                    "started_at": started,
                    "detected_at": _first(inc, "trigger_log_entry"),
                    "acknowledged_at": _first(inc, "acknowledge_log_entry"),
                    "resolved_at": _first(inc, "resolve_log_entry", last=True),
                    "tags": [inc.tag],
                },
                "provenance": {
                    "source": SOURCE,
                    "file": str(inc.file),
                    "imported": True,
                    "reviewed": False,
                    "notes": notes,
                },
                "timeline": [e.model_dump() for e in evs],
                "participants": [p.model_dump() for p in _responders(inc)],
            }
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        got = f" (got {brief(first['input'])})" if first["type"] not in ("missing", "value_error") else ""
        raise PagerDutyError(
            inc.file,
            f"incident {inc.id}: " + ".".join(map(str, first["loc"])),
            first["msg"].removeprefix("Value error, ") + got,
        ) from None


def claims(packet: EventPacket, inc: PdIncident) -> bool:
    """Is this packet the record of that PagerDuty incident?"""
    return packet.incident.id == inc.key or inc.tag in packet.incident.tags


def merge(packet: EventPacket, inc: PdIncident) -> tuple[EventPacket, MergeReport]:
    """The packet with the PagerDuty timeline and timestamps added; merging twice adds nothing.

    An event is already present when the packet has its id, or an event at the same
    instant with the same text. Timestamps fill only what the packet lacks; a
    disagreement is reported, not overwritten (the reviewed document wins)."""
    report = MergeReport(packet.incident.id, inc.id)
    data = packet.model_dump()
    have_ids = {e.id for e in packet.timeline if e.id}
    have_text = {(e.at, e.text) for e in packet.timeline}
    try:
        new_events = events(inc, report)
    except ValidationError as exc:
        raise PagerDutyError(inc.file, f"incident {inc.id}: log entry", exc.errors()[0]["msg"]) from None
    for ev in new_events:
        if ev.id in have_ids or (ev.at, ev.text) in have_text:
            report.already_present += 1
            continue
        data["timeline"].append(ev.model_dump())
        report.added_events += 1
    meta = data["incident"]
    for name, value in (
        ("detected_at", _first(inc, "trigger_log_entry")),
        ("acknowledged_at", _first(inc, "acknowledge_log_entry")),
        ("resolved_at", _first(inc, "resolve_log_entry", last=True)),
    ):
        if value is None:
            continue
        if meta[name] is None:
            meta[name] = value
            report.filled.append(name)
        elif meta[name] != value:
            report.conflicts.append(f"{name}: packet {meta[name].isoformat()}, PagerDuty {value.isoformat()}")
    if inc.tag not in meta["tags"]:
        meta["tags"].append(inc.tag)
    if inc.service and inc.service not in meta["services"]:
        meta["services"].append(inc.service)
    for team in inc.teams:
        if team not in meta["teams"]:
            meta["teams"].append(team)
    handles = {p["handle"] for p in data["participants"]}
    data["participants"] += [p.model_dump() for p in _responders(inc) if p.handle not in handles]
    note = f"merged PagerDuty incident {inc.id} from {inc.origin or inc.file.name}"
    made_here = f"imported from PagerDuty incident {inc.id}"  # new_packet's note: its source is known already
    if note not in data["provenance"]["notes"] and made_here not in data["provenance"]["notes"]:
        data["provenance"]["notes"].append(note)
    return revalidated(data, packet.key, inc.file, f"incident {inc.id}", PagerDutyError), report
