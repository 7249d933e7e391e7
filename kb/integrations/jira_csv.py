"""Jira by file: a CSV for Jira's importer, and status sync from a Jira CSV export.

Export: one row per finding the gate says needs a work item, in the columns Jira's
CSV importer maps without configuration (Summary, Issue Type, Priority, Description,
Labels repeated for several labels).

Sync: read the CSV that Jira's issue search exports ("Export > CSV"), match rows to
work items by issue key (WorkItem.external_id, or key "jira:KEY"), and set status,
resolution and resolution date. Jira writes dates in the exporting user's format
and time zone without an offset ("02/Apr/25 4:00 PM"), so the zone is a parameter.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

import pandas as pd

from kb.analysis.gate import DEFAULT_RULES, GateRules, gate_findings
from kb.engines.frames import missing
from kb.integrations.jira import finding_label, summary_of
from kb.knowledge_base import KnowledgeBase
from kb.model.documents import MAX_EXPORT_BYTES, MAX_YEAR, MIN_YEAR, DocumentError, brief, decode, one_line

PRIORITY = {5: "Highest", 4: "High", 3: "Medium", 2: "Low", 1: "Lowest"}
DATE_FORMATS = (
    "%d/%b/%y %I:%M %p",
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M",
)
UNRESOLVED = {"", "unresolved", "none"}


class JiraCsvError(ValueError):
    """A Jira CSV file that cannot be read; the message names the file, row and column."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))  # one line, whatever the file holds


def export_rows(
    kbase: KnowledgeBase, incidents: Sequence[str], issue_type: str = "Task", rules: GateRules = DEFAULT_RULES
) -> list[dict[str, Any]]:
    findings = gate_findings(kbase, incidents, rules)
    rows = []
    for _, f in findings[findings["needs_work_item"]].iterrows():
        rated = f["quadrant"] != "unrated"
        description = "\n".join(
            line
            for line in (
                str(f["statement"]),
                f"Finding {f['finding']} of incident {f['incident']} (analysis {f['analysis']}).",
                f"Impact {int(f['impact'])}/5, effort {int(f['effort'])}/5 ({f['quadrant']})." if rated else "",
                f"Owner: {f['owner']}." if isinstance(f["owner"], str) else "",
            )
            if line
        )
        rows.append(
            {
                "Summary": summary_of(str(f["statement"])),
                "Issue Type": issue_type,
                "Priority": PRIORITY.get(int(f["impact"]), "") if pd.notna(f["impact"]) else "",
                "Description": description,
                "Labels": ["incident-kb", str(f["incident"]), finding_label(str(f["finding"]))],
                "finding": f["finding"],
            }
        )
    return rows


def write_import_csv(rows: list[dict[str, Any]], out: Path) -> int:
    """Write rows for Jira's CSV importer; several labels go in repeated Labels columns."""
    out.write_text(import_csv_text(rows), encoding="utf-8")
    return len(rows)


def import_csv_text(rows: list[dict[str, Any]]) -> str:
    """What write_import_csv writes (so a caller can check first what it would replace)."""
    n_labels = max((len(r["Labels"]) for r in rows), default=1)
    header = ["Summary", "Issue Type", "Priority", "Description"] + ["Labels"] * n_labels + ["kb finding"]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    for r in rows:
        labels = r["Labels"] + [""] * (n_labels - len(r["Labels"]))
        writer.writerow([r["Summary"], r["Issue Type"], r["Priority"], r["Description"], *labels, r["finding"]])
    return buf.getvalue()


def parse_jira_date(text: str, zone: tzinfo = UTC) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    if len(text) > 40:  # a date is short; this also bounds what strptime's patterns scan
        raise ValueError(f"{brief(text)} is not a date Jira exports (like 02/Apr/25 4:00 PM or 2025-04-02 16:00)")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        for fmt in DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"{text!r} is not a date Jira exports (like 02/Apr/25 4:00 PM or 2025-04-02 16:00)")
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:  # year 1 or 9999 with an offset overflows in UTC
        raise ValueError(f"{text!r} is not a date between the years {MIN_YEAR} and {MAX_YEAR}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


@dataclass
class ExportRow:
    key: str
    status: str | None
    resolution: str | None
    resolved: datetime | None


def read_export(path: Path, zone: tzinfo = UTC) -> list[ExportRow]:
    """Rows of a Jira CSV export: Issue key and Status are required, Resolution and Resolved optional.
    Whatever the file holds, the only exception is a JiraCsvError naming it."""
    try:
        with path.open("rb") as fh:
            text = decode(fh.read(MAX_EXPORT_BYTES + 1), MAX_EXPORT_BYTES)
    except OSError as exc:
        raise JiraCsvError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    except DocumentError as exc:
        raise JiraCsvError(f"{path}: {exc.field}: {exc.expected}") from None
    reader = csv.reader(io.StringIO(text))
    try:
        return _export_rows(path, reader, zone)
    except JiraCsvError:
        raise
    except csv.Error as exc:
        raise JiraCsvError(f"{path}: line {reader.line_num}: a CSV row ({exc})") from None
    except Exception as exc:  # a check this reader lacks must still reject this file only
        raise JiraCsvError(
            f"{path}: line {reader.line_num}: a Jira CSV export ({type(exc).__name__}: {brief(str(exc))})"
        ) from None


def _export_rows(path: Path, reader: Any, zone: tzinfo) -> list[ExportRow]:
    header = next(reader, None)
    if not header:
        raise JiraCsvError(f"{path}: empty file; expected a Jira CSV export with a header row")
    # Jira repeats some columns (Labels, Sprint...): take the first of each name.
    index: dict[str, int] = {}
    for i, name in enumerate(header):
        index.setdefault(name.strip().lower(), i)
    for required in ("issue key", "status"):
        if required not in index:
            raise JiraCsvError(
                f"{path}: no column {required.title()!r}; expected a Jira CSV export "
                f"(found: {brief(', '.join(h for h in header if h)) if any(header) else 'none'})"
            )
    rows = []
    for n, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue

        def cell(name: str, cells: list[str] = cells) -> str:
            i = index.get(name)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        key = cell("issue key")
        if not key:
            raise JiraCsvError(f"{path}: row {n}, column 'Issue key': empty; expected a key like OPS-12")
        try:
            resolved = parse_jira_date(cell("resolved"), zone)
        except ValueError as exc:
            raise JiraCsvError(f"{path}: row {n}, column 'Resolved': {exc}") from None
        resolution = cell("resolution")
        rows.append(
            ExportRow(
                key=key.upper(),
                status=cell("status") or None,
                resolution=None if resolution.lower() in UNRESOLVED else resolution,
                resolved=resolved,
            )
        )
    return rows


@dataclass
class SyncReport:
    changes: pd.DataFrame
    unchanged: int = 0
    unknown: list[str] = field(default_factory=list)


def _same_time(a: object, b: datetime | None) -> bool:
    if b is None or a is None or a is pd.NaT:
        return missing(a) and b is None
    return bool(pd.Timestamp(a) == pd.Timestamp(b))


def sync_export(kbase: KnowledgeBase, path: Path, zone: tzinfo = UTC) -> SyncReport:
    """Update work items from a Jira CSV export; nothing is written when the file is malformed."""
    return apply_rows(kbase, read_export(path, zone))


def tracked_issues(kbase: KnowledgeBase) -> dict[str, pd.Series]:
    """The Jira work items of the knowledge base by issue key (upper case): what a sync updates."""
    items = kbase.query("loop_work_items").drop_duplicates("key")
    jira = items[(items["system"].str.lower() == "jira") | items["key"].str.startswith("jira:")]
    by_external: dict[str, pd.Series] = {}
    for _, item in jira.iterrows():
        ext = item["external_id"] if isinstance(item["external_id"], str) else item["key"].removeprefix("jira:")
        by_external[ext.upper()] = item
    return by_external


def apply_rows(kbase: KnowledgeBase, rows: list[ExportRow]) -> SyncReport:
    """Set status, resolution and resolution date of the tracked work items the rows name (by key)."""
    by_external = tracked_issues(kbase)
    updates, changes, unchanged, unknown = [], [], 0, []
    for r in rows:
        item = by_external.get(r.key)
        if item is None:
            unknown.append(r.key)
            continue
        old_status = item["status"] if isinstance(item["status"], str) else None
        old_res = item["resolution"] if isinstance(item["resolution"], str) else None
        if old_status == r.status and old_res == r.resolution and _same_time(item["closed_at"], r.resolved):
            unchanged += 1
            continue
        updates.append({"key": item["key"], "status": r.status, "resolution": r.resolution, "closed_at": r.resolved})
        changes.append(
            {
                "work_item": item["key"],
                "finding": item["finding"],
                "old_status": old_status,
                "status": r.status,
                "resolution": r.resolution,
                "closed_at": r.resolved,
            }
        )
    kbase.update_work_items(updates)
    frame = pd.DataFrame(changes, columns=["work_item", "finding", "old_status", "status", "resolution", "closed_at"])
    frame["closed_at"] = pd.to_datetime(frame["closed_at"], utc=True)
    return SyncReport(changes=frame, unchanged=unchanged, unknown=unknown)
