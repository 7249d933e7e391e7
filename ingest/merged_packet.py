"""Validating a packet after an importer merged outside data into it.

The PagerDuty and Slack importers both fill a reviewer's packet from another source; what they
produce must still be a valid packet, and when it is not, the error must name the source file,
where in the source the value came from, and which packet refused it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kb.model import EventPacket

SourceError = Callable[[Path, str, str], ValueError]
"""An importer's error type: (source file, where, what was expected)."""


def revalidated(data: dict[str, Any], packet_key: str, source: Path, where: str, error: SourceError) -> EventPacket:
    """`data` (a packet dump with merged values) as a packet, or `error` naming the first refused field."""
    try:
        return EventPacket.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise error(
            source,
            f"{where}: " + ".".join(map(str, first["loc"])),
            f"a value the packet {packet_key} accepts: {first['msg']}",
        ) from None


__all__ = ["SourceError", "revalidated"]
