"""A Slack channel into packet files or the graph: the orchestration behind `kb import slack`.

ingest.slack reads the export and merges one channel into one packet (no I/O on packets,
no engine). This module finds the packet the channel belongs to (the --incident id, or
the packet tagged slack:CHANNEL), merges, and writes: into the user's packet file changing
only what the merge added (kb.packet_update), or a new file the command creates, or the
graph. A file that exists but is not that incident's packet is never written over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ingest import slack as slack_ingest
from kb.model import EventPacket
from kb.model.documents import MAX_FILE_BYTES
from kb.packet_update import update_packet_file
from kb.packets import PacketError, packet_files, read_packet, write_packet

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase


class SlackImportError(ValueError):
    """An import that cannot go ahead (the message names the file and the reason); nothing was written."""


@dataclass
class SlackImport:
    report: slack_ingest.MergeReport
    packet: EventPacket
    into: str
    """The packet file written or merged into, "graph", or "" (nothing written)."""
    skipped: list[str] = field(default_factory=list)
    """Packet files of the folder that do not validate and are not this incident's: left alone."""


def default_key(export: slack_ingest.SlackExport) -> str:
    """A new packet's id when the user gives none: the channel's name (Slack names are valid ids)."""
    return export.channel.name


def preview(export: slack_ingest.SlackExport, key: str | None, options: slack_ingest.SlackOptions) -> SlackImport:
    """What an import would give, written nowhere."""
    packet, rep = slack_ingest.new_packet(export, key or default_key(export), options)
    return SlackImport(rep, packet, "")


def _text(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            return fh.read(MAX_FILE_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return ""


def import_into_folder(
    export: slack_ingest.SlackExport, folder: Path, key: str | None, options: slack_ingest.SlackOptions
) -> SlackImport:
    """Merge into the folder's packet of this incident (its id, or tagged slack:CHANNEL), or write a new one."""
    if folder.exists() and not folder.is_dir():
        raise SlackImportError(f"--out {folder}: expected a folder of packet files")
    existing: dict[Path, EventPacket] = {}
    skipped: list[str] = []
    marks = (slack_ingest.channel_tag(export), key or default_key(export))
    for p in packet_files([folder]) if folder.is_dir() else []:
        try:
            existing[p] = read_packet(p)
        except PacketError as exc:
            problem = f"{p}: not a valid packet ({exc.problems[0].field}: {exc.problems[0].expected})"
            if any(m in _text(p) for m in marks):
                # This incident's packet with a slip of the pen: a second packet would split the record.
                raise SlackImportError(
                    f"{problem}; it names this incident: fix it first, nothing was written"
                ) from None
            skipped.append(problem)
    match = next(
        (p for p, pk in existing.items() if (pk.incident.id == key if key else slack_ingest.claims(pk, export))),
        None,
    )
    if match is not None:
        before = existing[match]
        packet, rep = slack_ingest.merge(before, export, options)
        update_packet_file(match, before, packet)
        return SlackImport(rep, packet, str(match), skipped)
    packet, rep = slack_ingest.new_packet(export, key or default_key(export), options)
    path = folder / f"{packet.key}.yaml"
    if path.exists():
        raise SlackImportError(
            f"{path}: exists and is not a valid packet of incident {packet.key}; not written over "
            "(fix it, or choose another --out or --incident)"
        )
    write_packet(packet, path)
    return SlackImport(rep, packet, str(path), skipped)


def import_into_graph(
    kbase: KnowledgeBase, export: slack_ingest.SlackExport, key: str | None, options: slack_ingest.SlackOptions
) -> SlackImport:
    """Merge into the stored packet of this incident, or add a new one; then ingest it."""
    from kb.graph.reader import read_packets

    new_key = key or default_key(export)
    found = kbase.query("incident_claims", key=new_key, tag=slack_ingest.channel_tag(export))["incident"].tolist()
    if key is not None:
        found = [k for k in found if k == key]
    stored = read_packets(kbase, found[:1])
    if stored:
        packet, rep = slack_ingest.merge(stored[0], export, options)
    else:
        packet, rep = slack_ingest.new_packet(export, new_key, options)
    kbase.ingest_packets([packet])
    return SlackImport(rep, packet, "graph")


__all__ = [
    "SlackImport",
    "SlackImportError",
    "default_key",
    "import_into_folder",
    "import_into_graph",
    "preview",
]
