"""Shapes met in real post-mortems of templates the importer had not seen (Pathfinder's,
Nibiru's, Chia's; not redistributable, so written here in miniature): a timeline in a code
block, a start stated only in the opening sentence, a date only in the file name, an
"Improvements" heading, "incident over" as the last row."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ingest.markdown import import_text

_FENCED = """# Mainnet outage post-mortem

### Root cause of the issue

A class hash mismatch between the node and the sequencer.

### Improvements

Improve our monitoring, especially around mainnet.

Reduce the time taken from fix to release.

### Timeline

All times given are in UTC.

```
2023-06-17 18:05 Block is created, nodes start failing
2023-06-17 19:10 Issue reported via Telegram DM
2023-06-18 11:30 incident over
```
"""

_LOG_EXCERPT = """# Outage

## Timeline

- 2023-06-17 18:05 nodes start failing
- 2023-06-17 19:10 issue reported

```
2023-06-17T18:05:00Z WARN sync terminated
Caused by: class hash mismatch
```
"""


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_code_block_of_stamped_lines_is_the_timeline() -> None:
    p = import_text(_FENCED, Path("pathfinder.md")).packet
    assert p is not None
    assert [(e.at, e.text) for e in p.timeline] == [
        (_utc("2023-06-17 18:05"), "Block is created, nodes start failing"),
        (_utc("2023-06-17 19:10"), "Issue reported via Telegram DM"),
        (_utc("2023-06-18 11:30"), "incident over"),
    ]
    assert p.incident.started_at == _utc("2023-06-17 18:05")
    assert p.incident.resolved_at == _utc("2023-06-18 11:30")  # "incident over"


def test_an_improvements_heading_holds_the_action_items() -> None:
    p = import_text(_FENCED, Path("pathfinder.md")).packet
    assert p is not None
    assert [f.statement for a in p.analyses for f in a.findings] == [
        "Improve our monitoring, especially around mainnet.",
        "Reduce the time taken from fix to release.",
    ]


def test_a_log_excerpt_in_a_timeline_section_stays_background() -> None:
    p = import_text(_LOG_EXCERPT, Path("log.md")).packet
    assert p is not None
    assert [e.text for e in p.timeline] == ["nodes start failing", "issue reported"]


def test_a_date_only_in_the_file_name_and_a_time_in_the_first_sentence(tmp_path: Path) -> None:
    text = (
        "# Postmortem\n\n## Summary\n\nOn Sept 30 @ 22:16:01 UTC time, the network halted at block 1131575.\n\n"
        "## Root Cause\n\nThe binary was missing a wasm extension.\n"
    )
    result = import_text(text, tmp_path / "2023-09-30-Chain-Halt.md")
    assert result.packet is not None, result.report.reason
    assert result.packet.incident.started_at == datetime(2023, 9, 30, 22, 16, 1, tzinfo=UTC)
    assert any("file name" in n for n in result.report.notes)
    undated = import_text(text, tmp_path / "chain-halt.md")  # no year anywhere: still a clear failure
    assert undated.packet is None and "no date anywhere" in (undated.report.reason or "")


def test_hours_h_minutes_in_the_opening_sentence_with_its_zone() -> None:
    text = (
        "# Mainnet outage\n\nOn Saturday, 17 June 2023, 18h05 CEST, nodes stopped syncing.\n\n"
        "## Root cause\n\nA hash mismatch.\n"
    )
    p = import_text(text, Path("outage.md")).packet
    assert p is not None
    assert p.incident.started_at == _utc("2023-06-17 16:05")  # CEST is UTC+2


_US_DATES = """# Blockchain mainnet stall

## Issue Summary

A bug in the timelord stalled the chain.

## Timeline (all times PST)

01-10-2024

\t7:32 PM - The chain stalled at height 4779033.

\t7:42 PM - New blocks being created again.

01-31-2024 - The fix was added to the code base.
"""


def test_dashed_numeric_dates_follow_the_order_the_document_shows() -> None:
    # 01-31-2024 can only be month first, so 01-10-2024 is January 10th; the rows are an
    # indented code block of stamped lines
    p = import_text(_US_DATES, Path("stall.md")).packet
    assert p is not None
    assert [e.at for e in p.timeline] == [
        _utc("2024-01-11 03:32"),  # 19:32 PST
        _utc("2024-01-11 03:42"),
        _utc("2024-01-31 08:00"),  # a date-only row: 00:00 PST
    ]


def test_an_ambiguous_dashed_date_without_evidence_is_read_day_first_and_said_so() -> None:
    text = _US_DATES.replace("01-31-2024", "02-11-2024")  # now nothing shows the order
    result = import_text(text, Path("stall.md"))
    assert result.packet is not None
    assert result.packet.timeline[0].at == _utc("2024-10-02 03:32")  # 1 October, 19:32 PST (taken at its word)
    assert any("'01-10-2024' read day first" in n for n in result.report.notes)
