"""Graph -> Event Packet files. The packet is rebuilt by kb.graph.reader, so re-ingesting the
file gives the same graph (provenance notes are not stored in the graph and do not come back)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import yaml

from kb.graph.reader import read_packets
from kb.model import EventPacket
from kb.packets import dump_packet, write_packet

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase


class ExportError(LookupError):
    pass


def fetch_packet(kbase: KnowledgeBase, key: str) -> EventPacket:
    """The incident's Event Packet as the graph holds it; ExportError when there is no such incident."""
    packets = read_packets(kbase, [key])
    if not packets:
        raise ExportError(f"no incident {key!r} in the knowledge base")
    return packets[0]


def related_incidents(kbase: KnowledgeBase, key: str) -> pd.DataFrame:
    """RELATED_TO neighbours of one incident: related, title, started_at, score, basis, origin."""
    return kbase.query("export_related", keys=[key])


def packet_yaml(packet: EventPacket) -> str:
    data = dump_packet(packet)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def write_yaml(packet: EventPacket, path: str | Path) -> Path:
    return write_packet(packet, path)
