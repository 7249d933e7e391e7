"""PagerDuty exports into packet files or the graph: the orchestration behind `kb import pagerduty`.

ingest.pagerduty reads PagerDuty JSON and merges one incident into one packet (no I/O on
packets, no engine). This module finds the packet each PagerDuty incident belongs to (same
id, or tagged pagerduty:ID; or the --as id), merges, and writes the result: into the user's
packet file changing only what the merge added (kb.packet_update), or into the graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ingest import pagerduty as pd_ingest
from kb import file_guard
from kb.model import EventPacket
from kb.packet_update import update_packet_file
from kb.packets import PacketError, packet_files, packet_text, read_packet, write_packet

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase


class PagerDutyImportError(ValueError):
    """Bad arguments for an import (the message says which); nothing was written."""


@dataclass
class Merged:
    report: pd_ingest.MergeReport
    into: str
    """The packet file written, or "graph"."""


@dataclass
class PagerDutyImport:
    merged: list[Merged] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """Files that could not be read, packet files that could not be merged into: one line each."""


def _read(files: list[Path], as_key: str | None, result: PagerDutyImport) -> list[pd_ingest.PdIncident]:
    incidents: list[pd_ingest.PdIncident] = []
    for f in files:
        try:
            incidents += pd_ingest.read_file(f)
        except pd_ingest.PagerDutyError as exc:
            result.errors.append(str(exc))
    if as_key and len(incidents) > 1:
        raise PagerDutyImportError(
            f"--as {as_key}: the files hold {len(incidents)} PagerDuty incidents; --as needs exactly one"
        )
    return incidents


def _create(inc: pd_ingest.PdIncident, as_key: str | None) -> tuple[EventPacket, pd_ingest.MergeReport]:
    packet = pd_ingest.new_packet(inc, as_key)
    rep = pd_ingest.MergeReport(
        packet.key,
        inc.id,
        added_events=len(packet.timeline),
        created=True,
        filled=[
            n for n in ("detected_at", "acknowledged_at", "resolved_at") if getattr(packet.incident, n) is not None
        ],
    )
    return packet, rep


def import_into_folder(
    files: list[Path], folder: Path, *, merge: bool, as_key: str | None = None, force: bool = False
) -> PagerDutyImport:
    """Merge into the folder's packet of the same incident (with `merge`), or write a new packet there.

    A merged file keeps its layout, comments and value forms: only what the merge adds is written.
    A new packet never replaces a file of the user's at its path (file_guard.OverwriteRefused, and
    nothing is written), unless `force`."""
    if merge and not folder.is_dir():
        raise PagerDutyImportError(f"--merge-into {folder}: expected a folder of packet files or 'graph'")
    result = PagerDutyImport()
    incidents = _read(files, as_key, result)
    return merge_into_folder(incidents, folder, merge=merge, as_key=as_key, result=result, force=force)


def merge_into_folder(
    incidents: list[pd_ingest.PdIncident],
    folder: Path,
    *,
    merge: bool = True,
    as_key: str | None = None,
    result: PagerDutyImport | None = None,
    force: bool = False,
) -> PagerDutyImport:
    """Merge parsed incidents into the folder's packets (with `merge`) or write new packets there.

    A new packet never replaces a file of the user's at its path (file_guard.OverwriteRefused,
    and nothing is written), unless `force`."""
    result = result if result is not None else PagerDutyImport()
    existing: dict[Path, EventPacket] = {}
    if merge:
        for p in packet_files([folder]):
            try:
                existing[p] = read_packet(p)
            except PacketError as exc:
                result.errors.append(f"{p}: not merged into, it is not a valid packet ({exc.problems[0]})")
    read_in = dict(existing)  # the files as they are: merges change only what they add to these
    final: dict[Path, EventPacket] = {}
    created: set[Path] = set()
    for inc in incidents:
        match = next(
            (p for p, pk in existing.items() if (pk.incident.id == as_key if as_key else pd_ingest.claims(pk, inc))),
            None,
        )
        if match is not None:
            packet, rep = pd_ingest.merge(existing[match], inc)
            path = match
        else:
            packet, rep = _create(inc, as_key)
            path = folder / f"{packet.key}.yaml"
            created.add(path)
        existing[path] = final[path] = packet
        result.merged.append(Merged(rep, str(path)))
    # Every new file is checked before anything is written: all of the import lands, or none.
    file_guard.check({p: packet_text(final[p], p).encode("utf-8") for p in sorted(created)}, force)
    for path, packet in final.items():
        if path in created:
            write_packet(packet, path)
        else:
            update_packet_file(path, read_in[path], packet)
    return result


def import_into_graph(kbase: KnowledgeBase, files: list[Path], as_key: str | None = None) -> PagerDutyImport:
    """Merge into the stored packet of the same incident, or add a new one; then ingest them."""
    result = PagerDutyImport()
    incidents = _read(files, as_key, result)
    return merge_into_graph(kbase, incidents, as_key, result)


def merge_into_graph(
    kbase: KnowledgeBase,
    incidents: list[pd_ingest.PdIncident],
    as_key: str | None = None,
    result: PagerDutyImport | None = None,
) -> PagerDutyImport:
    """Merge parsed incidents into their stored packets, or add new ones; then ingest them."""
    from kb.graph.reader import read_packets

    result = result if result is not None else PagerDutyImport()
    packets: list[EventPacket] = []
    for inc in incidents:
        found = kbase.query("incident_claims", key=as_key or inc.key, tag=inc.tag)["incident"].tolist()
        stored = read_packets(kbase, found[:1])
        if stored:
            packet, rep = pd_ingest.merge(stored[0], inc)
        else:
            packet, rep = _create(inc, as_key)
        packets.append(packet)
        result.merged.append(Merged(rep, "graph"))
    kbase.ingest_packets(packets)
    return result


__all__ = [
    "Merged",
    "PagerDutyImport",
    "PagerDutyImportError",
    "import_into_folder",
    "import_into_graph",
    "merge_into_folder",
    "merge_into_graph",
]
