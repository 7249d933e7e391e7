"""Stand-ins, in invented text, for three import rules: no text silently dropped, a labelled
cause is a factor, labelled instants are timeline rows and give the start."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.markdown import import_text
from kb.model import DocumentPart, EventPacket

LABELLED_LOG = """\
### Outage on 2022-03-14 - Widget queue stalled

- **Milestones**
  - Onset 2022-03-14 08:10
  - Alerted 2022-03-14 08:25
  - Incident declared: 2022-03-14 08:40
  - Fixed 2022-03-14 09:55
  - Closed 2021-03-14 10:30

- **Problem**: The widget broker ran out of file handles after a config push halved its limit

- **Impact**: Widgets were not delivered for two hours

- **Setting**:
  - The broker had been migrated to new hosts the week before
  - Runbook: [Runbook](https://example.org/runbook) for the broker

- **Follow-ups**:
  - Alert on file handle usage above 80%
"""


def _import(text: str, name: str = "2022-03-14-widget-queue.md") -> tuple[EventPacket, list[str], list[str]]:
    result = import_text(text, Path(name))
    assert result.packet is not None, result.report.reason
    return result.packet, result.report.recognised, result.report.notes


def _utc(y: int, mo: int, d: int, h: int, mi: int) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def test_a_labelled_part_the_importer_does_not_know_is_kept_in_the_summary_and_reported() -> None:
    p, recognised, _ = _import(LABELLED_LOG)
    summary = p.incident.summary or ""
    assert "Setting: - The broker had been migrated to new hosts the week before" in summary
    # "  - Runbook: [link]" under a labelled item is its content, not a section of its own
    assert "- Runbook: Runbook for the broker" in summary
    assert "section 'Setting': no field of its own, kept in the summary (2 part(s))" in recognised
    # the label left with nothing once its instants are rows is no text
    assert "Milestones" not in summary


def test_an_unknown_heading_and_the_text_before_the_first_heading_are_kept() -> None:
    text = (
        "Filed by the on-call team; see the tracker for the raw chat log. All times are in CET.\n\n"
        "# Cache eviction storm\n\n## Summary\n\nThe cache evicted hot keys on 2023-05-02 at 14:00.\n\n"
        "## Odds and ends\n\nThe eviction policy was last changed in 2019.\n\n"
        "## Hypotheses we ruled out\n\nA failing memory module: the hardware checks were clean.\n\n"
        "```\nlog line that is not imported\n```\n"
    )
    p, recognised, _ = _import(text, "cache.md")
    summary = p.incident.summary or ""
    assert "Odds and ends: The eviction policy was last changed in 2019." in summary
    assert "Filed by the on-call team; see the tracker for the raw chat log." in summary
    assert "log line" not in summary and "All times" not in summary  # a code block; the zone, read as such
    assert any("Odds and ends" in r and "kept in the summary" in r for r in recognised)
    # what the document rules out is no evidence about the incident: read, said, not imported
    assert "memory module" not in summary
    assert (
        "section 'Hypotheses we ruled out': read but not imported (hypotheses the document rules out are no "
        "evidence about the incident)"
    ) in import_text(text, Path("cache.md")).report.not_recognised
    assert "section '(text before the first heading)': 'All times are in CET.' read as the time zone" in recognised
    assert p.incident.started_at == datetime(2023, 5, 2, 13, 0, tzinfo=UTC)  # 14:00 CET


def test_a_labelled_cause_becomes_a_factor() -> None:
    p, _, _ = _import(LABELLED_LOG)
    # "Problem" states what failed: a factor, read as material (like a "what went wrong" line)
    factors = [(f.statement, f.read_from) for a in p.analyses for f in a.factors]
    assert factors == [
        ("The widget broker ran out of file handles after a config push halved its limit", DocumentPart.WENT_WRONG)
    ]
    text = (
        "# Disk full\n\nDate: 2023-01-02\n\n- **Trigger**: A log rotation job was disabled\n\n"
        "- **Cause**: Logs filled the root volume\n"
    )
    p, _, _ = _import(text, "disk.md")
    factors = sorted((f.statement, f.read_from) for a in p.analyses for f in a.factors)
    assert factors == [
        ("Logs filled the root volume", DocumentPart.FACTORS),
        ("Trigger: A log rotation job was disabled", DocumentPart.TRIGGER),
    ]


def test_labelled_instants_are_timeline_rows_with_their_kinds() -> None:
    p, recognised, notes = _import(LABELLED_LOG)
    rows = [(e.at, e.kind.value, e.text) for e in p.timeline]
    assert rows == [
        (_utc(2022, 3, 14, 8, 10), "trigger", "Onset"),
        (_utc(2022, 3, 14, 8, 25), "detection", "Alerted"),
        (_utc(2022, 3, 14, 8, 40), "decision", "Incident declared"),
        (_utc(2022, 3, 14, 9, 55), "repair", "Fixed"),
    ]  # "Closed 2021-03-14": a year from the others, a slip of the pen, said and not a row
    assert any("'2021-03-14 10:30' is 364 days from the document's other instants" in n for n in notes)
    assert any("labelled instants" in r for r in recognised)
    assert p.incident.started_at == _utc(2022, 3, 14, 8, 10)
    assert p.incident.detected_at == _utc(2022, 3, 14, 8, 25)
    assert p.incident.mitigated_at == _utc(2022, 3, 14, 9, 55)
    assert any("started_at: the earliest instant the document states ('Onset 2022-03-14 08:10')" in n for n in notes)


def test_started_at_is_the_earliest_stated_instant_never_the_midnight_of_the_date() -> None:
    # The title states an instant earlier than the first labelled one: it starts the incident.
    text = LABELLED_LOG.replace("### Outage on 2022-03-14 -", "### Outage on 2022-03-14 07:55 -").replace(
        "  - Onset 2022-03-14 08:10\n", ""
    )
    p, _, notes = _import(text)
    assert p.incident.started_at == _utc(2022, 3, 14, 7, 55)
    assert any("started_at: the earliest instant the document states ('2022-03-14 07:55')" in n for n in notes)
    # Without a timeline or labels, the title's instant, not 00:00 of the document's date.
    p, _, _ = _import("### Outage on 2022-03-14 07:55 - Widgets\n\n- **Impact**: none\n\n- **Problem**: a bug\n")
    assert p.incident.started_at == _utc(2022, 3, 14, 7, 55)


def test_a_placeholder_action_is_no_finding_and_a_done_marker_in_any_case_finishes_one() -> None:
    none_left = LABELLED_LOG.replace("  - Alert on file handle usage above 80%", "  - N/A")
    p, _, _ = _import(none_left)
    assert [f for a in p.analyses for f in a.findings] == []
    marked = LABELLED_LOG.replace(
        "  - Alert on file handle usage above 80%",
        "  - Alert on file handle usage above 80% (Done)\n  - Raise the limit once we are done with the migration",
    )
    p, _, _ = _import(marked)
    findings = [f for a in p.analyses for f in a.findings]
    assert [(f.statement[:20], str(f.status)) for f in findings] == [
        ("Alert on file handle", "done"),
        ("Raise the limit once", "agreed"),  # "done" in a sentence is no marker
    ]


def test_a_document_whose_text_outgrows_a_text_field_still_imports() -> None:
    """A text field holds at most MAX_TEXT characters, and an 8 MB document is accepted: a longer
    summary (kept text), impact or timeline row is cut and said, not a rejected document."""
    from kb.model.documents import MAX_TEXT

    big = ("The cache node restarted and the queue grew. " * 30 + "\n\n") * 800
    head = "# Cache outage\n\n## Summary\n\nOn 2024-01-01 10:00 UTC the cache failed.\n\n"
    for text, field in (
        (head + "## Odds and ends\n\n" + big, "incident.summary"),
        (head + "## Impact\n\n" + big, "incident.customer_impact"),
        ("# Cache outage\n\n## Timeline\n\n- 2024-01-01 10:00 " + big.replace("\n", " ") + "\n", "timeline.0.text"),
    ):
        assert len(text) > MAX_TEXT
        result = import_text(text, Path("2024-01-01-cache.md"))
        assert result.packet is not None, result.report.reason
        cut = f"{field}: the text past 1,000,000 characters (the most a text field holds)"
        assert cut in result.report.not_recognised and cut in result.packet.provenance.notes
        got: Any = result.packet.model_dump()
        for part in field.split("."):
            got = got[int(part)] if part.isdigit() else got[part]
        assert len(got) == MAX_TEXT and got.endswith("…")
