"""A batch of imported documents: one packet per incident id."""

from __future__ import annotations

from pathlib import Path

from ingest.markdown.importer import ImportResult
from kb.model import EventPacket


def unique_packets(results: list[ImportResult]) -> list[EventPacket]:
    """The imported packets, first file first; a later file with an id already used fails with the reason
    (ingesting both would let the second silently replace the first)."""
    seen: dict[str, Path] = {}
    packets: list[EventPacket] = []
    for r in results:
        if r.packet is None:
            continue
        if r.packet.key in seen:
            r.report.status = "failed"
            r.report.reason = f"incident id {r.packet.key} is already used by {seen[r.packet.key]}"
            r.packet = None
            continue
        seen[r.packet.key] = r.report.file
        packets.append(r.packet)
    return packets
