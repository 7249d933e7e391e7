"""The packet SLA: who compiles an incident's Event Packet and by when (`kb new`, `kb packets pending`).

The due time comes from kb.toml (or pyproject.toml [tool.incident-kb.packets]):

    [packets]
    sla = "24h"        # a packet is due this long after the incident is resolved (or scaffolded)
    within = "6h"      # `kb packets pending` also lists packets due within this much

A packet is pending while it has a due time (`incident.compile_by`) and no `incident.compiled_at`.
Packets without a due time (written before owners existed, or imported) are never pending: the
late-packet lint rule judges those after the fact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.lint.policy_file import kb_toml_home
from kb.model import EventPacket
from kb.model.documents import dump_yaml
from kb.packets import PacketError, dump_packet, packet_files, read_packet

if TYPE_CHECKING:
    import pandas as pd

    from kb.knowledge_base import KnowledgeBase

DEFAULT_SLA = timedelta(hours=24)
DEFAULT_WITHIN = timedelta(hours=6)
_DURATION = re.compile(r"^\s*(?:(\d{1,4})\s*d)?\s*(?:(\d{1,5})\s*h)?\s*(?:(\d{1,6})\s*m(?:in)?)?\s*$", re.I)
SECTIONS = ("timeline", "metrics", "logs", "participants", "decisions", "impacts")
"""What an Event Packet must gather: the scaffold lists each, empty, with what goes in it."""
_SECTION_HELP = {
    "timeline": "at, kind (trigger|detection|diagnosis|repair|decision|communication|key_moment), text",
    "metrics": "name, unit, points: [{at, value}], link: the key graphs over the incident window",
    "logs": "source, text, at, level: the log lines that showed what happened",
    "participants": "handle, role (responder|incident_lead|facilitator|owner|stakeholder), team",
    "decisions": "at, decision, rationale, alternatives, made_by: the decision points",
    "impacts": "stakeholder, statement, customers_affected, revenue_impact",
}


class SlaError(ValueError):
    """A [packets] setting or a duration that cannot be used; the message names file, field and expectation."""


@dataclass(frozen=True)
class PacketSettings:
    sla: timedelta = DEFAULT_SLA
    within: timedelta = DEFAULT_WITHIN
    source: Path | None = None


def parse_duration(text: Any, where: str) -> timedelta:
    """ "24h", "90m", "1d12h", "2d" -> a positive timedelta, or an SlaError naming `where`."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if not match or not any(match.groups()):
        raise SlaError(f'{where}: expected a duration like "24h", "90m" or "1d12h" (got {text!r})')
    days, hours, minutes = (int(g or 0) for g in match.groups())
    value = timedelta(days=days, hours=hours, minutes=minutes)
    if value <= timedelta(0):
        raise SlaError(f"{where}: expected a duration longer than zero (got {text!r})")
    return value


def read_settings(path: str | Path) -> PacketSettings:
    file = Path(path)
    home, base = kb_toml_home(file, SlaError)
    table = home.get("packets", {})
    if not isinstance(table, dict):
        raise SlaError(f"{file}: {base}packets: expected a table (sla, within)")
    for key in table:
        if key not in ("sla", "within"):
            raise SlaError(f"{file}: {base}packets.{key}: unknown setting; expected sla or within")
    sla = parse_duration(table["sla"], f"{file}: {base}packets.sla") if "sla" in table else DEFAULT_SLA
    within = parse_duration(table["within"], f"{file}: {base}packets.within") if "within" in table else DEFAULT_WITHIN
    return PacketSettings(sla, within, file)


def load_settings(path: str | Path | None = None, start: str | Path | None = None) -> PacketSettings:
    """`path` if given, else the nearest kb.toml (upwards from `start`), else the defaults (24 h, 6 h)."""
    if path is None:
        here = Path(start or Path.cwd()).resolve()
        path = next((f / "kb.toml" for f in (here, *here.parents) if (f / "kb.toml").is_file()), None)
    return read_settings(path) if path is not None else PacketSettings()


def scaffold(
    incident: str,
    *,
    now: datetime,
    settings: PacketSettings,
    owner: str | None = None,
    title: str | None = None,
    severity: int | None = None,
    started_at: datetime | None = None,
    resolved_at: datetime | None = None,
) -> EventPacket:
    """A new packet to compile: the incident, its owner, and its due time (resolution, else now, plus the SLA)."""
    return EventPacket.model_validate(
        {
            "incident": {
                "id": incident,
                "title": title or f"{incident} (title to come)",
                "severity": severity,
                "started_at": started_at or resolved_at or now,
                "resolved_at": resolved_at,
                "owner": owner,
                "compile_by": (resolved_at or now) + settings.sla,
            },
            "provenance": {
                "source": "manual",
                "reviewed": False,
                "notes": ["scaffolded by kb new"]
                + ([] if started_at else ["started_at is a placeholder (the scaffolding time): correct it"]),
            },
        }
    )


def scaffold_yaml(packet: EventPacket, settings: PacketSettings) -> str:
    """The packet as YAML with every section to compile listed, empty, under a comment saying what goes in."""
    sla = settings.sla.total_seconds() / 3600
    origin = f" ({settings.source})" if settings.source else " (the default)"
    head = (
        f"# Event Packet for {packet.key}: compile it by incident.compile_by (SLA {sla:g} h{origin}),\n"
        "# then set incident.compiled_at. `kb check FILE` says what is still missing.\n"
    )
    body = dump_yaml(dump_packet(packet))
    parts = [f"# {name}: {_SECTION_HELP[name]}\n{name}: []\n" for name in SECTIONS]
    return head + body + "".join(parts)


def write_scaffold(packet: EventPacket, settings: PacketSettings, folder: Path) -> Path:
    """DIR/ID.yaml, created; an existing file is never written over (FileExistsError)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{packet.key}.yaml"
    with path.open("x", encoding="utf-8") as fh:  # exclusive: fails if the file exists, even in a race
        fh.write(scaffold_yaml(packet, settings))
    return path


@dataclass
class Pending:
    rows: pd.DataFrame
    errors: list[str]


_COLUMNS = ["incident", "title", "owner", "compile_by", "hours_left", "status", "where"]


def _rows(found: Iterable[dict[str, Any]], now: datetime, within: timedelta) -> pd.DataFrame:
    import pandas as pd

    out = []
    for r in found:
        due = r["compile_by"]
        if due is None or due > now + within:
            continue
        left = (due - now).total_seconds() / 3600
        out.append({**r, "hours_left": round(left, 1), "status": "overdue" if left < 0 else "due soon"})
    df = pd.DataFrame(out, columns=_COLUMNS)
    return df.sort_values(["compile_by", "incident"], kind="stable").reset_index(drop=True)


def pending_in_files(paths: Iterable[str | Path], now: datetime, within: timedelta) -> Pending:
    """Packets in these files and folders past their due time, or due within `within`, not yet compiled."""
    found, errors = [], []
    for file in packet_files(paths):
        try:
            packet = read_packet(file)
        except PacketError as exc:
            errors.append(str(exc.problems[0]))
            continue
        inc = packet.incident
        if inc.compiled_at is None:
            found.append(
                {
                    "incident": inc.id,
                    "title": inc.title,
                    "owner": inc.owner,
                    "compile_by": inc.compile_by,
                    "where": str(file),
                }
            )
    return Pending(_rows(found, now, within), errors)


def pending_in_graph(kbase: KnowledgeBase, now: datetime, within: timedelta) -> Pending:
    """The same from the knowledge base (packets ingested with their owner and due time)."""
    import pandas as pd

    df = kbase.query("packets_pending")
    found = [
        {
            "incident": r["incident"],
            "title": r["title"],
            "owner": r["owner"] if isinstance(r["owner"], str) else None,
            "compile_by": pd.Timestamp(r["compile_by"]).tz_convert("UTC").to_pydatetime(),
            "where": "graph",
        }
        for r in df.to_dict("records")
    ]
    return Pending(_rows(found, now, within), [])
