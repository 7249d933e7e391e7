"""Write what a merge added into the user's packet file, and nothing else.

`update_packet_file(path, before, after)` compares the two packets and applies only the
difference to the file's own YAML (ruamel.yaml round-trip mode): appended list items
(timeline events, tags, participants, notes) and fields that were missing. Everything the
merge did not touch keeps its form: comments, key order, flow lists, `+01:00` offsets,
`SEV2`, folded text. JSON files are rewritten whole (JSON has no layout to keep beyond indentation).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from kb.model import EventPacket
from kb.packets import dump_packet, write_packet


def _yaml() -> Any:
    from ruamel.yaml import YAML  # lazy: only a merge into a file needs it

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap the user's long lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _detect_indent(text: str) -> tuple[int, int]:
    """(sequence indent, dash offset) of the file's first block list item: keep the user's style."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        stripped = line.lstrip(" ")
        if stripped.startswith("- ") and i > 0 and lines[i - 1].rstrip().endswith(":"):
            parent = len(lines[i - 1]) - len(lines[i - 1].lstrip(" "))
            offset = len(line) - len(stripped) - parent
            return offset + 2, offset
    return 2, 0


def _apply(doc: Any, old: Any, new: Any) -> None:
    """Make `doc` (ruamel's mapping, holding `old`) hold `new`, touching only what differs."""
    for key, value in new.items():
        if key not in old or key not in doc:
            doc[key] = value
        elif isinstance(value, dict) and isinstance(old[key], dict) and hasattr(doc[key], "items"):
            _apply(doc[key], old[key], value)
        elif (
            isinstance(value, list)
            and isinstance(old[key], list)
            and isinstance(doc[key], list)
            and len(doc[key]) == len(old[key])
            and value[: len(old[key])] == old[key]
        ):
            doc[key].extend(value[len(old[key]) :])  # appended: the existing items stay as written
        elif value != old[key]:
            doc[key] = value


def update_packet_file(path: str | Path, before: EventPacket, after: EventPacket) -> Path:
    """Write `after` to `path`, which holds `before`, changing only what differs between them."""
    file = Path(path)
    if file.suffix == ".json" or not file.exists():
        return write_packet(after, file)
    old, new = dump_packet(before), dump_packet(after)
    if old == new:
        return file
    text = file.read_text(encoding="utf-8")
    yaml = _yaml()
    sequence, offset = _detect_indent(text)
    yaml.indent(mapping=2, sequence=sequence, offset=offset)
    doc = yaml.load(text)
    _apply(doc, old, new)
    buf = io.StringIO()
    yaml.dump(doc, buf)
    file.write_text(buf.getvalue(), encoding="utf-8")
    return file


__all__ = ["update_packet_file"]
