"""Roadmap import: items from a CSV or YAML file, each linked to the findings that motivate it.

YAML: a list of {key, title, quarter, findings: [finding keys]} (or that list under a
top-level `roadmap:` or `items:`). CSV: columns key, title, quarter, findings, with
several finding keys in one cell separated by ";" or "|". Finding keys are graph keys,
"{incident}/finding/{local id}".

Every row is validated first, and every finding key must exist in the knowledge base;
one bad row and nothing is written. Importing again replaces the imported links of
the items in the file (MOTIVATED_BY with origin "roadmap-import"); links that a packet
declared stay.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from kb.knowledge_base import KnowledgeBase
from kb.model.common import LocalId, NonEmpty
from kb.model.documents import MAX_FILE_BYTES, MAX_TEXT, DocumentError, brief, decode, load_yaml, one_line


class RoadmapError(ValueError):
    """A roadmap file that cannot be imported; the message names the file, the item and the field."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))  # one line, whatever the file holds


class RoadmapRow(BaseModel):
    model_config = {"extra": "forbid", "str_max_length": MAX_TEXT}
    key: LocalId
    title: NonEmpty
    quarter: str | None = Field(default=None, pattern=r"^\d{4}Q[1-4]$")
    status: str | None = None
    findings: list[NonEmpty] = Field(default_factory=list)


@dataclass
class RoadmapImport:
    items: int
    links: int
    untraced: list[str]


_SPLIT = re.compile(r"[;|]")


def _raw_rows(path: Path) -> list[Any]:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".yaml", ".yml"):
        raise RoadmapError(f"{path}: expected a .csv, .yaml or .yml file")
    try:
        with path.open("rb") as fh:
            text = decode(fh.read(MAX_FILE_BYTES + 1))
        if suffix == ".csv":
            return _csv_rows(path, text)
        data = load_yaml(text)
    except OSError as exc:
        raise RoadmapError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    except DocumentError as exc:
        if exc.field == "(syntax)":  # "not valid YAML: ..."
            raise RoadmapError(f"{path}: not {exc.expected}") from None
        raise RoadmapError(f"{path}: {exc.field}: {exc.expected}") from None
    if isinstance(data, dict):
        data = data.get("roadmap", data.get("items"))
    if not isinstance(data, list):
        raise RoadmapError(f"{path}: expected a list of roadmap items (key, title, quarter, findings)")
    return data


def _csv_rows(path: Path, text: str) -> list[Any]:
    reader = csv.DictReader(io.StringIO(text))
    try:
        if not reader.fieldnames or not {"key", "title"} <= {f.strip().lower() for f in reader.fieldnames}:
            found = ", ".join(reader.fieldnames or [])
            raise RoadmapError(
                f"{path}: expected a header row with columns key, title, quarter, findings "
                f"(found: {brief(found) if found else 'none'})"
            )
        rows = []
        for row in reader:
            # CSV cells are trimmed: spaces after a comma are layout, not content.
            clean = {k.strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(k, str)}
            clean["findings"] = [f.strip() for f in _SPLIT.split(clean.get("findings", "")) if f.strip()]
            rows.append({k: v for k, v in clean.items() if v != "" or k in ("key", "title")})
        return rows
    except csv.Error as exc:
        raise RoadmapError(f"{path}: line {reader.line_num}: a CSV row ({exc})") from None


def read_roadmap(path: Path) -> list[RoadmapRow]:
    """The items of one roadmap file, or a RoadmapError naming it: never another exception."""
    try:
        return _read_roadmap(path)
    except RoadmapError:
        raise
    except Exception as exc:  # a check this reader lacks must still reject this file only
        raise RoadmapError(f"{path}: a roadmap file ({type(exc).__name__}: {brief(str(exc))})") from None


def _read_roadmap(path: Path) -> list[RoadmapRow]:
    rows: list[RoadmapRow] = []
    for n, raw in enumerate(_raw_rows(path), start=1):
        try:
            rows.append(RoadmapRow.model_validate(raw))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "item"
            name = raw.get("key") if isinstance(raw, dict) else None
            got = f" (got {brief(err['input'])})" if err["type"] not in ("missing", "value_error") else ""
            label = name[:60] if isinstance(name, str) else brief(name)
            raise RoadmapError(
                f"{path}: item {n}{f' ({label})' if name else ''}, field {where}: "
                f"{err['msg'].removeprefix('Value error, ')}{got}"
            ) from None
    seen: set[str] = set()
    for n, row in enumerate(rows, start=1):
        if row.key in seen:
            raise RoadmapError(f"{path}: item {n}, field key: {row.key!r} appears twice")
        seen.add(row.key)
    return rows


def import_roadmap(kbase: KnowledgeBase, path: Path) -> RoadmapImport:
    rows = read_roadmap(path)
    known = set(kbase.query("loop_findings")["finding"])
    for n, row in enumerate(rows, start=1):
        for i, fkey in enumerate(row.findings):
            if fkey not in known:
                raise RoadmapError(
                    f"{path}: item {n} ({row.key}), field findings.{i}: {fkey!r} is not a "
                    "finding in the knowledge base (expected a key like INC-1/finding/R1)"
                )
    links = [(row.key, f) for row in rows for f in dict.fromkeys(row.findings)]
    items = [{"key": r.key, "title": r.title, "quarter": r.quarter, "status": r.status} for r in rows]
    if items:
        kbase.replace_roadmap_links(items, links)
    return RoadmapImport(items=len(rows), links=len(links), untraced=[r.key for r in rows if not r.findings])
