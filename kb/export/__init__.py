"""Incidents out of the graph: as Event Packets (YAML that re-ingests to the same graph)
or as the readable review document (markdown)."""

from kb.export.packets import ExportError, fetch_packet, packet_yaml, related_incidents, write_yaml
from kb.export.review import gate_status, review_markdown

__all__ = [
    "ExportError",
    "fetch_packet",
    "gate_status",
    "packet_yaml",
    "related_incidents",
    "review_markdown",
    "write_yaml",
]
