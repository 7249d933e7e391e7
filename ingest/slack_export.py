"""Reading a Slack workspace export (its folder or .zip) with limits applied before anything is read.

users.json, channels.json (and groups.json) and CHANNEL/YYYY-MM-DD.json day files of messages.
Every problem is a SlackError naming the file inside the export, the field and what was expected.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import Any

from kb.model.documents import MAX_EXPORT_BYTES, MAX_YEAR, MIN_YEAR, DocumentError, brief, decode, load_json, one_line

MAX_MEMBERS = 5_000
"""Files read from one export (a workspace export of years holds a few thousand)."""
MAX_TOTAL_BYTES = 4 * MAX_EXPORT_BYTES
"""Bytes read from one export in all (a .zip may claim any size: checked before reading)."""
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


def pseudonym(user_id: str) -> str:
    """A stable, readable stand-in for a Slack user: the same user gets the same name in every import."""
    return "person-" + hashlib.sha256(f"slack-user:{user_id}".encode()).hexdigest()[:8]


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
