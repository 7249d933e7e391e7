"""A Slack workspace export (a folder or its .zip) -> timeline events, participants and decisions.

The export holds users.json, channels.json (and groups.json for private channels) and one
folder per channel of CHANNEL/YYYY-MM-DD.json files, each a list of messages with `ts`
(epoch seconds as a string, "1732871402.000200"), `user`, `text`, `reactions`, `subtype`
and `thread_ts`. One channel is read (the incident channel); its messages become:

- timeline events, with a kind where the message says so (KIND_RULES below, first match
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

import hashlib
import html
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kb.model import DecisionPoint, EventKind, EventPacket, Participant, Role, TimelineEvent
from kb.model.documents import MAX_EXPORT_BYTES, MAX_YEAR, MIN_YEAR, DocumentError, brief, decode, load_json, one_line

SOURCE = "slack"
TAG_PREFIX = "slack:"
DEFAULT_DECISION_REACTIONS = ("decision",)
DEFAULT_DECISION_KEYWORDS = ("decision:",)
MAX_MEMBERS = 5_000
"""Files read from one export (a workspace export of years holds a few thousand)."""
MAX_TOTAL_BYTES = 4 * MAX_EXPORT_BYTES
"""Bytes read from one export in all (a .zip may claim any size: checked before reading)."""
DEFAULT_SEVERITY = 3

# Subtypes that are housekeeping, never incident facts.
SKIPPED_SUBTYPES = frozenset(
    {
        "channel_join",
        "channel_leave",
        "channel_topic",
        "channel_purpose",
        "channel_name",
        "channel_archive",
        "channel_unarchive",
        "group_join",
        "group_leave",
        "pinned_item",
        "unpinned_item",
        "reminder_add",
        "tombstone",
        "message_deleted",
        "joiner_notification",
        "bot_add",
        "bot_remove",
    }
)

_W = r"(?<![\w-])"  # a word start that is not inside another word
KIND_RULES: tuple[tuple[EventKind, re.Pattern[str]], ...] = (
    # First match wins: a message that reports a fix also tends to mention the symptom.
    (
        EventKind.DECISION,
        re.compile(
            _W + r"(we(?:'ve| have)? decided|decided to|decision is|we(?:'ll| will) go with|let'?s go with"
            r"|agreed to|going with option|call(?:ing)? it:)",
            re.I,
        ),
    ),
    (
        EventKind.REPAIR,
        re.compile(
            _W + r"(rolled back|rolling back|roll ?back (?:is )?(?:complete|done|finished|deployed)"
            r"|reverted|reverting|revert (?:is )?(?:deployed|merged|done)|hot ?fix"
            r"|deployed (?:the |a )?fix|fix (?:is )?(?:deployed|out|live|rolled out)|restarted|restarting"
            r"|failed over|failing over|failover (?:done|complete)|scaled (?:up|out)|scaling (?:up|out)"
            r"|mitigated|mitigation (?:is )?(?:in place|applied|deployed)|recovered|recovering|back to normal|dropping"
            r"|resolved|drained|flushed|disabled the (?:flag|feature)|feature flag (?:off|disabled)|purged"
            r"|fixed|fixes it|solved|restored|re-?deployed|re-?deploying|downgraded|rolled over|cleared|killed"
            r"|re-?queued|(?:changes? )?applied|scaled down|scaling down"
            r"|(?:verified|systems?) (?:all systems )?operational"
            r"|is (?:back )?online|back up\b|manually deleted|deleted the (?:pod|pods|node|nodes))",
            re.I,
        ),
    ),
    (
        EventKind.COMMUNICATION,
        re.compile(
            _W + r"(status ?page|posted (?:an |the )?update|update (?:posted|sent)|^update:|comms|notif(?:y|ied)"
            r"|inform(?:ed)?\b|announce|<!channel>|<!here>|@channel|@here|support (?:team|ticket)|customer email"
            r"|incident commander|\bIC\b|taking (?:over )?(?:as )?IC|handing over|handover|escalat"
            r"|hand(?:ed)?[- ]over|asking (?:the )?teams?|asked (?:the )?teams?|brought to (?:the )?attention"
            r"|shares? (?:this |an |the )?update|reached out|let (?:the )?(?:customers?|users|community) know)",
            re.I,
        ),
    ),
    (
        EventKind.DIAGNOSIS,
        re.compile(
            _W + r"(root cause|caused by|culprit|looks like (?:it'?s|the|a)|suspect|found the|the cause"
            r"|logs show|narrowed (?:it )?down|correlates? with|due to|investigating|traced (?:it )?to"
            r"|identified|the issue (?:is|was) )",
            re.I,
        ),
    ),
    (
        EventKind.DETECTION,
        re.compile(
            _W + r"(alert(?:s|ed|ing)?\b|firing|\[firing|paged|triggered|pagerduty|we(?:'re| are) seeing"
            r"|customers? (?:are )?report|error rates?|spike|elevated|is down|are down|outage|alarm"
            r"|5\d\d(?:s|errors)?\b|404s?\b|timeouts?\b|latency|degraded|errors?\b|reports? (?:that|of|the issue)"
            r"|reported|first reports?|incoming report|warning from|automated warning|observes?\b|observed"
            r"|no space left|crash ?loop|oomkilled|unreachable"
            r"|(?:can ?not|can't|cannot|unable to) (?:access|log ?in|reach)"
            r"|ticket\b.{0,80}\bopened|opened a ticket)",
            re.I,
        ),
    ),
)
"""Keyword rules, in order; a question ("should we roll back?") is not a repair or a decision."""

_QUESTION_SKIPS = frozenset({EventKind.DECISION, EventKind.REPAIR})
_MENTION = re.compile(r"<@([A-Z0-9]{2,40})(?:\|[^>]{0,80})?>")
_CHANNEL_REF = re.compile(r"<#[A-Z0-9]{2,40}\|([^>]{0,80})>")
_SPECIAL = re.compile(r"<!(channel|here|everyone)(?:\|[^>]{0,40})?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>\s]{1,2000})(?:\|([^>]{0,400}))?>")
_TS = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,6})?")
_DAY_FILE = re.compile(r"(\d{4}-\d{2}-\d{2})\.json")
_ID = re.compile(r"[A-Za-z0-9_.\-]{1,100}")


class SlackError(ValueError):
    """An export that is not a Slack export; the message names file, field and expectation."""

    def __init__(self, file: str | Path, where: str, expected: str) -> None:
        self.file, self.where, self.expected = str(file), where, expected
        super().__init__(one_line(f"{file}: {where}: {expected}"))


@dataclass(frozen=True)
class SlackUser:
    id: str
    name: str
    """The real name from users.json (profile.real_name, real_name, display name, then name)."""
    aliases: tuple[str, ...]
    """Every name the person goes by in the export (to pseudonymise text)."""
    bot: bool = False


@dataclass
class SlackMessage:
    ts: str
    at: datetime
    user: str | None
    text: str
    file: str
    subtype: str | None = None
    thread_ts: str | None = None
    reactions: tuple[str, ...] = ()
    bot: bool = False
    bot_name: str | None = None


@dataclass
class SlackChannel:
    name: str
    id: str | None
    messages: list[SlackMessage]


@dataclass
class SlackExport:
    source: Path
    users: dict[str, SlackUser]
    channels: list[str]
    channel: SlackChannel

    @cached_property
    def names(self) -> tuple[re.Pattern[str], dict[str, str]] | None:
        """One pattern for every name of every user (3+ characters, longest first), and each
        name's pseudonym: the text is pseudonymised in one pass, not a pass per name."""
        stand_ins = {a.lower(): pseudonym(u.id) for u in self.users.values() for a in u.aliases if len(a) >= 3}
        if not stand_ins:
            return None
        names = "|".join(re.escape(a) for a in sorted(stand_ins, key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:{names})(?!\w)", re.IGNORECASE), stand_ins


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


# -- reading the export ------------------------------------------------------------------------


class _Source:
    """The files of an export, from a folder or a .zip, with the size limits applied before reading."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.read_bytes = 0
        self._zip: zipfile.ZipFile | None = None
        self._prefix = ""
        if path.is_dir():
            self.names = sorted(p.relative_to(path).as_posix() for p in path.rglob("*.json") if p.is_file())[
                : MAX_MEMBERS + 1
            ]
        else:
            try:
                data = path.read_bytes() if path.stat().st_size <= MAX_TOTAL_BYTES else None
            except OSError as exc:
                raise SlackError(path, "(file)", f"a readable folder or .zip ({exc.strerror or exc})") from None
            if data is None:
                raise SlackError(path, "(file)", f"an export of at most {MAX_TOTAL_BYTES // 2**20} MiB")
            try:
                self._zip = zipfile.ZipFile(io.BytesIO(data))
                infos = [i for i in self._zip.infolist() if not i.is_dir() and i.filename.endswith(".json")]
            except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
                raise SlackError(path, "(file)", f"a Slack export folder or .zip ({brief(str(exc))})") from None
            self._sizes = {i.filename: i.file_size for i in infos}
            self.names = sorted(self._sizes)[: MAX_MEMBERS + 1]
            # An export zipped with its folder holds "export/users.json": read under that folder.
            tops = [n for n in self.names if n.rsplit("/", 1)[-1] == "users.json"]
            if "users.json" not in self.names and tops:
                self._prefix = min(tops, key=len).removesuffix("users.json")
                self.names = [n.removeprefix(self._prefix) for n in self.names if n.startswith(self._prefix)]
        if len(self.names) > MAX_MEMBERS:
            raise SlackError(path, "(file)", f"an export of at most {MAX_MEMBERS} JSON files")

    def where(self, name: str) -> str:
        return f"{self.path}/{name}" if self._zip is None else f"{self.path}:{self._prefix}{name}"

    def load(self, name: str) -> Any:
        where = self.where(name)
        try:
            if self._zip is None:
                with (self.path / name).open("rb") as fh:
                    raw = fh.read(MAX_EXPORT_BYTES + 1)
            else:
                if self._sizes[self._prefix + name] > MAX_EXPORT_BYTES:
                    raise SlackError(where, "(file)", f"a file of at most {MAX_EXPORT_BYTES // 2**20} MiB")
                with self._zip.open(self._prefix + name) as fh:
                    raw = fh.read(MAX_EXPORT_BYTES + 1)
        except SlackError:
            raise
        except (OSError, zipfile.BadZipFile, ValueError, EOFError, KeyError) as exc:
            raise SlackError(where, "(file)", f"a readable JSON file ({brief(str(exc))})") from None
        self.read_bytes += len(raw)
        if self.read_bytes > MAX_TOTAL_BYTES:
            raise SlackError(self.path, "(file)", f"an export of at most {MAX_TOTAL_BYTES // 2**20} MiB in all")
        try:
            return load_json(decode(raw, MAX_EXPORT_BYTES))
        except DocumentError as exc:
            raise SlackError(where, exc.field, exc.expected) from None


def read_export(path: str | Path, channel: str | None = None) -> SlackExport:
    """The messages of one channel of an export, or a SlackError naming the file: never another exception.

    Without `channel`, the export must hold exactly one channel with messages."""
    src_path = Path(path)
    if not src_path.exists():
        raise SlackError(src_path, "(file)", "a Slack export folder or .zip")
    try:
        return _read(_Source(src_path), channel)
    except SlackError:
        raise
    except RecursionError:
        raise SlackError(src_path, "(document)", "a Slack export nested less deeply") from None
    except Exception as exc:  # a check this reader lacks must still reject this export only
        raise SlackError(
            src_path, "(document)", f"a Slack workspace export ({type(exc).__name__}: {brief(str(exc))})"
        ) from None


def _read(src: _Source, wanted: str | None) -> SlackExport:
    if "users.json" not in src.names:
        raise SlackError(src.path, "users.json", "present in a Slack workspace export (with channels.json)")
    users = _users(src.load("users.json"), src.where("users.json"))
    known: dict[str, str | None] = {}  # channel name -> id
    for listing in ("channels.json", "groups.json"):
        if listing in src.names:
            known.update(_channel_list(src.load(listing), src.where(listing)))
    folders: dict[str, list[str]] = {}
    for name in src.names:
        folder, sep, leaf = name.rpartition("/")
        if sep and "/" not in folder and _DAY_FILE.fullmatch(leaf):
            folders.setdefault(folder, []).append(name)
    if not known and not folders:
        raise SlackError(src.path, "channels.json", "a list of channels, and a CHANNEL/YYYY-MM-DD.json folder each")
    if wanted is None:
        with_messages = sorted(folders)
        if len(with_messages) != 1:
            raise SlackError(
                src.path,
                "--channel",
                f"the channel to read; the export holds {len(with_messages)} with messages: "
                + (", ".join(with_messages[:20]) or "none"),
            )
        wanted = with_messages[0]
    wanted = wanted.removeprefix("#")
    if wanted in known and wanted not in folders:
        raise SlackError(src.path, f"channel {brief(wanted)}", "a channel with messages in this export (it has none)")
    if wanted not in folders:
        have = sorted(set(known) | set(folders))
        raise SlackError(
            src.path, f"channel {brief(wanted)}", f"a channel of this export ({', '.join(have[:20]) or 'none'})"
        )
    messages: list[SlackMessage] = []
    for name in sorted(folders[wanted]):
        messages += _messages(src.load(name), src.where(name), users)
    unique = {m.ts: m for m in messages}  # a message edited across two day files: keep one
    ordered = sorted(unique.values(), key=lambda m: (m.at, m.ts))
    return SlackExport(
        src.path, users, sorted(set(known) | set(folders)), SlackChannel(wanted, known.get(wanted), ordered)
    )


def _text_field(raw: dict[str, Any], name: str, file: str, where: str) -> str | None:
    value = raw.get(name)
    if value is None or isinstance(value, str):
        return value
    raise SlackError(file, f"{where}.{name}", f"a string (got {brief(value)})")


def _users(data: Any, file: str) -> dict[str, SlackUser]:
    if not isinstance(data, list):
        raise SlackError(file, "(document)", f"a list of users (got {brief(data)})")
    users: dict[str, SlackUser] = {}
    for i, raw in enumerate(data):
        where = f"[{i}]"
        if not isinstance(raw, dict):
            raise SlackError(file, where, f"a user object (got {brief(raw)})")
        uid = raw.get("id")
        if not (isinstance(uid, str) and _ID.fullmatch(uid)):
            raise SlackError(file, f"{where}.id", f"a user id like U024BE7LH (got {brief(uid)})")
        profile = raw.get("profile") or {}
        if not isinstance(profile, dict):
            raise SlackError(file, f"{where}.profile", f"a profile object (got {brief(profile)})")
        names = [
            _text_field(profile, "real_name", file, f"{where}.profile"),
            _text_field(raw, "real_name", file, where),
            _text_field(profile, "display_name", file, f"{where}.profile"),
            _text_field(raw, "name", file, where),
        ]
        clean = [" ".join(n.split()) for n in names if n and n.strip()]
        bot = raw.get("is_bot") is True or uid == "USLACKBOT"
        users[uid] = SlackUser(uid, clean[0] if clean else uid, tuple(dict.fromkeys(clean)), bot)
    return users


def _channel_list(data: Any, file: str) -> dict[str, str | None]:
    if not isinstance(data, list):
        raise SlackError(file, "(document)", f"a list of channels (got {brief(data)})")
    out: dict[str, str | None] = {}
    for i, raw in enumerate(data):
        if not isinstance(raw, dict):
            raise SlackError(file, f"[{i}]", f"a channel object (got {brief(raw)})")
        name = raw.get("name")
        if not (isinstance(name, str) and name.strip()):
            raise SlackError(file, f"[{i}].name", f"the channel name (got {brief(name)})")
        cid = raw.get("id")
        out[name] = cid if isinstance(cid, str) else None
    return out


def parse_ts(value: Any, file: str, where: str) -> datetime:
    """Slack's `ts` ("1732871402.000200": seconds and microseconds since 1970) -> an exact UTC datetime."""
    if not (isinstance(value, str) and _TS.fullmatch(value)):
        raise SlackError(
            file, where, f'epoch seconds as Slack writes them, like "1732871402.000200" (got {brief(value)})'
        )
    try:
        seconds = Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise SlackError(file, where, f"epoch seconds (got {brief(value)})") from None
    whole = int(seconds)
    micros = int((seconds - whole) * 1_000_000)
    try:
        at = datetime.fromtimestamp(whole, UTC).replace(microsecond=micros)
    except (OverflowError, OSError, ValueError):
        at = None
    if at is None or not MIN_YEAR <= at.year <= MAX_YEAR:
        raise SlackError(file, where, f"a time between the years {MIN_YEAR} and {MAX_YEAR} (got {brief(value)})")
    return at


def _messages(data: Any, file: str, users: dict[str, SlackUser]) -> list[SlackMessage]:
    if not isinstance(data, list):
        raise SlackError(file, "(document)", f"a list of messages (got {brief(data)})")
    out: list[SlackMessage] = []
    for i, raw in enumerate(data):
        where = f"[{i}]"
        if not isinstance(raw, dict):
            raise SlackError(file, where, f"a message object (got {brief(raw)})")
        if "ts" not in raw:
            raise SlackError(file, f"{where}.ts", "present in every message")
        at = parse_ts(raw["ts"], file, f"{where}.ts")
        text = _text_field(raw, "text", file, where) or ""
        user = _text_field(raw, "user", file, where)
        subtype = _text_field(raw, "subtype", file, where)
        thread = raw.get("thread_ts")
        if thread is not None:
            parse_ts(thread, file, f"{where}.thread_ts")
        reactions = raw.get("reactions") or []
        if not isinstance(reactions, list):
            raise SlackError(file, f"{where}.reactions", f"a list of reactions (got {brief(reactions)})")
        names: list[str] = []
        for ri, r in enumerate(reactions):
            if not (isinstance(r, dict) and isinstance(r.get("name"), str)):
                raise SlackError(
                    file, f"{where}.reactions[{ri}]", f'a reaction like {{"name": "eyes"}} (got {brief(r)})'
                )
            names.append(r["name"])
        bot_name = _text_field(raw, "username", file, where)
        bot = (
            subtype == "bot_message"
            or bool(raw.get("bot_id"))
            or (user is not None and user in users and users[user].bot)
        )
        if not text.strip():
            text = _attachment_text(raw)
        out.append(
            SlackMessage(
                ts=raw["ts"],
                at=at,
                user=user,
                text=text,
                file=file,
                subtype=subtype,
                thread_ts=thread,
                reactions=tuple(names),
                bot=bot,
                bot_name=bot_name,
            )
        )
    return out


def _attachment_text(raw: dict[str, Any]) -> str:
    # Alert bots (Alertmanager, PagerDuty, Datadog) often post an empty text and an attachment.
    parts: list[str] = []
    for att in raw.get("attachments") or []:
        if isinstance(att, dict):
            for key in ("title", "text", "fallback"):
                value = att.get(key)
                if isinstance(value, str) and value.strip() and value not in parts:
                    parts.append(value)
                    break
    return " — ".join(parts)


# -- messages -> packet parts ------------------------------------------------------------------


def pseudonym(user_id: str) -> str:
    """A stable, readable stand-in for a Slack user: the same user gets the same name in every import."""
    return "person-" + hashlib.sha256(f"slack-user:{user_id}".encode()).hexdigest()[:8]


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


def classify(text: str) -> EventKind | None:
    """The kind a message's words give it (KIND_RULES, first match), or None for chatter."""
    question = text.rstrip().endswith("?")
    for kind, pattern in KIND_RULES:
        if question and kind in _QUESTION_SKIPS:
            continue
        if pattern.search(text):
            return kind
    return None


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
                decisions.append(DecisionPoint(id=_event_id(msg), at=msg.at, decision=text, made_by=handle))
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
    try:
        return EventPacket.model_validate(data), report
    except ValidationError as exc:
        first = exc.errors()[0]
        raise SlackError(
            export.source,
            f"channel {export.channel.name}: " + ".".join(map(str, first["loc"])),
            "a value the packet " + packet.key + " accepts: " + first["msg"],
        ) from None
