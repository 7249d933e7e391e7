"""Reading Event Packet files (YAML or JSON) with errors that name file, field and expectation."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kb.model import EventPacket
from kb.model.documents import MAX_FILE_BYTES, DocumentError, brief, decode, dump_yaml, load_json, load_yaml, one_line

PACKET_SUFFIXES = (".yaml", ".yml", ".json")
MAX_PROBLEMS = 20


@dataclass(frozen=True)
class PacketProblem:
    file: Path
    field: str
    expected: str

    def __str__(self) -> str:
        # One line each, whatever the file name, the keys or the values in it hold.
        return one_line(f"{self.file}: {self.field}: {self.expected}")


class PacketError(ValueError):
    """A packet file that cannot be accepted; `problems` lists every field at fault."""

    def __init__(self, file: Path, problems: list[PacketProblem]) -> None:
        self.file = file
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _field_path(loc: tuple[Any, ...]) -> str:
    # Keys come from the file: an odd one (empty, dotted, huge) is shown quoted and short.
    return (
        ".".join(
            str(p) if isinstance(p, int) or (0 < len(p) <= 60 and p.replace("_", "a").isalnum()) else brief(p)
            for p in loc
        )
        or "(document)"
    )


def parse_packet(data: Any, file: Path) -> EventPacket:
    if not isinstance(data, dict):
        raise PacketError(file, [PacketProblem(file, "(document)", "a mapping with an 'incident' section")])
    try:
        return EventPacket.model_validate(data)
    except RecursionError:
        raise PacketError(file, [PacketProblem(file, "(document)", "a packet nested less deeply")]) from None
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            msg = err["msg"]
            if err["type"] == "value_error":
                msg = msg.removeprefix("Value error, ")
            if "input" in err and err["type"] not in ("missing", "value_error"):
                msg += f" (got {brief(err['input'])})"  # bounded: the input may be huge or deep
            field = _field_path(err["loc"])
            # Cross-reference checks run on the whole packet and name their field in the message.
            where, sep, rest = msg.partition(": ")
            if not err["loc"] and sep and " " not in where:
                field, msg = where, rest
            problems.append(PacketProblem(file, field, msg))
        if len(problems) > MAX_PROBLEMS:  # a file of 100,000 unknown keys gets a readable answer
            more = PacketProblem(file, "(document)", f"... and {len(problems) - MAX_PROBLEMS} more problems")
            problems = [*problems[:MAX_PROBLEMS], more]
        raise PacketError(file, problems) from None


def read_packet(path: str | Path) -> EventPacket:
    """One packet file, or a PacketError naming the file: whatever the file holds, no other exception."""
    file = Path(path)
    try:
        with file.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise PacketError(file, [PacketProblem(file, "(file)", f"a readable file ({exc.strerror or exc})")]) from None
    try:
        text = decode(raw)
        data = load_json(text) if file.suffix == ".json" else load_yaml(text)
    except DocumentError as exc:
        raise PacketError(file, [PacketProblem(file, exc.field, exc.expected)]) from None
    try:
        return parse_packet(data, file)
    except PacketError:
        raise
    except Exception as exc:  # a check the model lacks must still reject this file only
        problem = PacketProblem(file, "(document)", f"a valid packet ({type(exc).__name__}: {brief(str(exc))})")
        raise PacketError(file, [problem]) from None


def packet_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files as given, and the packet files inside folders (recursively, sorted)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in PACKET_SUFFIXES and p.is_file())
        else:
            yield path


def dump_packet(packet: EventPacket) -> dict[str, Any]:
    """A plain, JSON-compatible dict without defaults, for writing packet files."""
    return packet.model_dump(mode="json", exclude_none=True, exclude_defaults=True)


def packet_text(packet: EventPacket, path: str | Path) -> str:
    """What write_packet writes to `path`: JSON for a .json file, else YAML."""
    data = dump_packet(packet)
    data.setdefault("incident", {})
    if Path(path).suffix == ".json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return dump_yaml(data)


def write_packet(packet: EventPacket, path: str | Path) -> Path:
    """Write the packet file (callers check first that they may replace what is there: kb.file_guard)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(packet_text(packet, out), encoding="utf-8")
    return out
