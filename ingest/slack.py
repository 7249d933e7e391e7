"""A Slack workspace export (a folder or its .zip) -> timeline events, participants and decisions.

The export holds users.json, channels.json (and groups.json for private channels) and one
folder per channel of CHANNEL/YYYY-MM-DD.json files, each a list of messages with `ts`
(epoch seconds as a string, "1732871402.000200"), `user`, `text`, `reactions`, `subtype`
and `thread_ts` (read by ingest.slack_export). One channel is read (the incident channel); its
messages become:

- timeline events, with a kind where the message says so (ingest.slack_rules, first match
  wins; a message no rule matches is chatter and is counted, not imported);
- participants (role responder) from the authors: their real names from users.json, or a
  stable pseudonym with `pseudonymise` (names and @-mentions in the text are replaced too);
- decision points from the messages marked with a chosen reaction (default :decision:)
  or starting with a chosen keyword (default "decision:").

Event and decision ids are "slack-<ts>", so importing the same export twice, or into a
packet that already holds the messages, adds nothing. `ts` is read exactly (microseconds)
into UTC. Timestamps the packet already has are never overwritten: a disagreement is a
conflict in the report.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError

from ingest.merged_packet import revalidated
from ingest.slack_export import (
    SlackChannel,
    SlackError,
    SlackExport,
    SlackMessage,
    SlackUser,
    parse_ts,
    pseudonym,
    read_export,
)
from ingest.slack_rules import KIND_RULES, SKIPPED_SUBTYPES, classify
from kb.model import DecisionPoint, EventKind, EventPacket, Participant, Role, TimelineEvent

SOURCE = "slack"
TAG_PREFIX = "slack:"
DEFAULT_DECISION_REACTIONS = ("decision",)
DEFAULT_DECISION_KEYWORDS = ("decision:",)
DEFAULT_SEVERITY = 3

_MENTION = re.compile(r"<@([A-Z0-9]{2,40})(?:\|[^>]{0,80})?>")
_CHANNEL_REF = re.compile(r"<#[A-Z0-9]{2,40}\|([^>]{0,80})>")
_SPECIAL = re.compile(r"<!(channel|here|everyone)(?:\|[^>]{0,40})?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>\s]{1,2000})(?:\|([^>]{0,400}))?>")


@dataclass(frozen=True)
class SlackOptions:
    pseudonymise: bool = False
    decision_reactions: tuple[str, ...] = DEFAULT_DECISION_REACTIONS
    decision_keywords: tuple[str, ...] = DEFAULT_DECISION_KEYWORDS
    since: datetime | None = None
    until: datetime | None = None


@dataclass
class MergeReport:
    incident: str
    channel: str
    messages: int = 0
    added_events: int = 0
    already_present: int = 0
    added_decisions: int = 0
    added_participants: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    chatter: int = 0
    skipped_subtypes: Counter[str] = field(default_factory=Counter)
    filled: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    created: bool = False


def author(export: SlackExport, msg: SlackMessage, options: SlackOptions) -> str | None:
    """The handle of a message's human author, or None for bots and messages without one."""
    if msg.bot or msg.user is None:
        return None
    if options.pseudonymise:
        return pseudonym(msg.user)
    user = export.users.get(msg.user)
    return user.name if user else msg.user


def plain_text(export: SlackExport, msg: SlackMessage, options: SlackOptions) -> str:
    """Slack's markup as people read it: mentions as names, links as their label, entities decoded."""

    def mention(m: re.Match[str]) -> str:
        uid = m.group(1)
        if options.pseudonymise:
            return "@" + pseudonym(uid)
        user = export.users.get(uid)
        return "@" + (user.name if user else uid)

    text = _MENTION.sub(mention, msg.text)
    text = _CHANNEL_REF.sub(lambda m: "#" + m.group(1), text)
    text = _SPECIAL.sub(lambda m: "@" + m.group(1), text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = html.unescape(text)
    if options.pseudonymise and export.names is not None:
        pattern, stand_ins = export.names
        text = pattern.sub(lambda m: stand_ins[m.group(0).lower()], text)
    return text


def is_decision(msg: SlackMessage, text: str, options: SlackOptions) -> bool:
    """Marked as a decision: a chosen reaction on it, or it starts with a chosen keyword."""
    if any(r in options.decision_reactions for r in msg.reactions):
        return True
    head = text.lstrip(" *_>").lower()
    return any(head.startswith(k.lower()) for k in options.decision_keywords if k.strip())


def decision_text(text: str, options: SlackOptions) -> str:
    """The decision itself: the message without the keyword that marked it ("Decision: roll back" -> "roll back")."""
    head = text.lstrip(" *_>")
    for k in options.decision_keywords:
        if k.strip() and head.lower().startswith(k.lower()) and (rest := head[len(k) :].strip(" *_:-")):
            return rest
    return text


def _event_id(msg: SlackMessage) -> str:
    return f"slack-{msg.ts}"


@dataclass
class ChannelParts:
    """What one channel gives a packet."""

    events: list[TimelineEvent]
    decisions: list[DecisionPoint]
    participants: list[Participant]
    first_at: datetime | None
    detected_at: datetime | None
    messages: int
    kinds: Counter[str]
    chatter: int
    skipped_subtypes: Counter[str]


def channel_parts(export: SlackExport, options: SlackOptions | None = None) -> ChannelParts:
    opts = options or SlackOptions()
    events: list[TimelineEvent] = []
    decisions: list[DecisionPoint] = []
    people: dict[str, Participant] = {}
    kinds: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    chatter = read = 0
    first_at: datetime | None = None
    for msg in export.channel.messages:
        if (opts.since and msg.at < opts.since) or (opts.until and msg.at > opts.until):
            continue
        if msg.subtype in SKIPPED_SUBTYPES:
            skipped[msg.subtype] += 1
            continue
        read += 1
        first_at = first_at or msg.at
        handle = author(export, msg, opts)
        if handle:
            people.setdefault(handle, Participant(handle=handle, role=Role.RESPONDER))
        text = plain_text(export, msg, opts).strip()
        if not text:
            chatter += 1
            continue
        marked = is_decision(msg, text, opts)
        kind = EventKind.DECISION if marked else classify(text)
        if kind is None:
            chatter += 1
            continue
        kinds[kind.value] += 1
        who = handle or msg.bot_name or ("bot" if msg.bot else None)
        shown = f"{who}: {text}" if who else text
        try:
            events.append(TimelineEvent(id=_event_id(msg), at=msg.at, kind=kind, text=shown, source=SOURCE))
            if marked:
                decision = decision_text(text, opts)
                decisions.append(DecisionPoint(id=_event_id(msg), at=msg.at, decision=decision, made_by=handle))
        except ValidationError as exc:
            raise SlackError(msg.file, f"message ts {msg.ts}", exc.errors()[0]["msg"]) from None
    detected = next((e.at for e in events if e.kind is EventKind.DETECTION), None)
    return ChannelParts(events, decisions, list(people.values()), first_at, detected, read, kinds, chatter, skipped)


def channel_tag(export: SlackExport) -> str:
    return f"{TAG_PREFIX}{export.channel.id or export.channel.name}"


def claims(packet: EventPacket, export: SlackExport) -> bool:
    """Is this packet the record of that channel's incident (tagged slack:CHANNEL)?"""
    return channel_tag(export) in packet.incident.tags


def _report(key: str, export: SlackExport, parts: ChannelParts) -> MergeReport:
    return MergeReport(
        key,
        export.channel.name,
        messages=parts.messages,
        kinds=parts.kinds,
        chatter=parts.chatter,
        skipped_subtypes=parts.skipped_subtypes,
    )


def new_packet(
    export: SlackExport, key: str, options: SlackOptions | None = None, title: str | None = None
) -> tuple[EventPacket, MergeReport]:
    """A fresh, unreviewed packet from one channel."""
    parts = channel_parts(export, options)
    if parts.first_at is None:
        raise SlackError(export.source, f"channel {export.channel.name}", "at least one message in the time range")
    report = _report(key, export, parts)
    report.created = True
    report.added_events, report.added_decisions = len(parts.events), len(parts.decisions)
    report.added_participants = len(parts.participants)
    if parts.detected_at:
        report.filled.append("detected_at")
    try:
        packet = EventPacket.model_validate(
            {
                "incident": {
                    "id": key,
                    "title": title or f"Incident discussed in #{export.channel.name}",
                    "severity": DEFAULT_SEVERITY,
                    "started_at": parts.first_at,
                    "detected_at": parts.detected_at,
                    "tags": [channel_tag(export)],
                },
                "provenance": {
                    "source": SOURCE,
                    "file": str(export.source),
                    "imported": True,
                    "reviewed": False,
                    "notes": [
                        f"imported from Slack channel #{export.channel.name}",
                        f"no severity in a Slack export: SEV{DEFAULT_SEVERITY} assumed (the default)",
                    ],
                },
                "timeline": [e.model_dump() for e in parts.events],
                "participants": [p.model_dump() for p in parts.participants],
                "decisions": [d.model_dump() for d in parts.decisions],
            }
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise SlackError(
            export.source, ".".join(map(str, first["loc"])) or "(document)", first["msg"].removeprefix("Value error, ")
        ) from None
    return packet, report


def merge(
    packet: EventPacket, export: SlackExport, options: SlackOptions | None = None
) -> tuple[EventPacket, MergeReport]:
    """The packet with the channel's events, decisions and people added; merging twice adds nothing.

    An event is present when the packet has its id, or an event at the same instant with the
    same text. detected_at fills only a missing value; a disagreement is reported, not written."""
    parts = channel_parts(export, options)
    report = _report(packet.key, export, parts)
    data = packet.model_dump()
    have_ids = {e.id: e for e in packet.timeline if e.id}
    have_text = {(e.at, e.text) for e in packet.timeline}
    for ev in parts.events:
        if ev.id in have_ids or (ev.at, ev.text) in have_text:
            report.already_present += 1
            mine = have_ids.get(ev.id or "")
            if mine is not None and (mine.kind, mine.at) != (ev.kind, ev.at):
                report.conflicts.append(
                    f"timeline {ev.id}: packet {mine.kind.value} at {mine.at.isoformat()}, "
                    f"Slack {ev.kind.value} at {ev.at.isoformat()} (packet kept)"
                )
            continue
        data["timeline"].append(ev.model_dump())
        report.added_events += 1
    have_decisions = {d.id for d in packet.decisions if d.id} | {(d.at, d.decision) for d in packet.decisions}
    for dp in parts.decisions:
        if dp.id in have_decisions or (dp.at, dp.decision) in have_decisions:
            continue
        data["decisions"].append(dp.model_dump())
        report.added_decisions += 1
    handles = {p["handle"] for p in data["participants"]}
    for person in parts.participants:
        if person.handle not in handles:
            data["participants"].append(person.model_dump())
            report.added_participants += 1
    meta = data["incident"]
    if parts.detected_at is not None:
        if meta["detected_at"] is None:
            if parts.detected_at >= meta["started_at"]:
                meta["detected_at"] = parts.detected_at
                report.filled.append("detected_at")
            else:
                report.conflicts.append(
                    f"detected_at: Slack {parts.detected_at.isoformat()} is before the packet's "
                    f"started_at {meta['started_at'].isoformat()}"
                )
        elif meta["detected_at"] != parts.detected_at:
            report.conflicts.append(
                f"detected_at: packet {meta['detected_at'].isoformat()}, Slack {parts.detected_at.isoformat()}"
            )
    tag = channel_tag(export)
    if tag not in meta["tags"]:
        meta["tags"].append(tag)
    note = f"merged Slack channel #{export.channel.name} from {export.source.name}"
    added = report.added_events + report.added_decisions + report.added_participants + len(report.filled)
    if added and note not in data["provenance"]["notes"]:
        data["provenance"]["notes"].append(note)
    return revalidated(data, packet.key, export.source, f"channel {export.channel.name}", SlackError), report


__all__ = [
    "KIND_RULES",
    "SKIPPED_SUBTYPES",
    "ChannelParts",
    "MergeReport",
    "SlackChannel",
    "SlackError",
    "SlackExport",
    "SlackMessage",
    "SlackOptions",
    "SlackUser",
    "channel_parts",
    "channel_tag",
    "claims",
    "classify",
    "merge",
    "new_packet",
    "parse_ts",
    "plain_text",
    "pseudonym",
    "read_export",
]
