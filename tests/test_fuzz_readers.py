"""Property-based fuzzing of the other readers of outside files: PagerDuty JSON, Jira CSV
exports, roadmap files and markdown post-mortems. Every file ends as the reader's own error
naming the file, or an accepted result; no other exception, no hang."""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from ingest import markdown as md
from ingest import pagerduty as pd
from kb.integrations.jira_csv import JiraCsvError, read_export
from kb.model import EventPacket
from kb.roadmap import RoadmapError, read_roadmap
from tests.fuzz_support import (
    EDGE_TEXT,
    TALLY,
    VALUES,
    fuzz_settings,
    hang_guard,
    paths,
    report_tally,
    set_path,
    similar,
    text_edits,
)

pytestmark = pytest.mark.timeout(300)  # a generous guard against a hang; each case has its own too


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("fuzz-readers")
    report_tally(request)


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def _rejected(reader: str, exc: Exception, file: Path) -> None:
    text = str(exc)
    assert text.startswith(f"{file}: ") and "\n" not in text and len(text) < 5_000, text[:300]
    TALLY[(reader, "rejected")] += 1


# -- PagerDuty -----------------------------------------------------------------------------------

PD_BASE: dict[str, Any] = {
    "incident": {
        "id": "PXYZ",
        "incident_number": 42,
        "title": "Checkout 5xx",
        "created_at": "2025-03-01T10:00:00Z",
        "urgency": "high",
        "priority": {"summary": "P1"},
        "service": {"summary": "checkout"},
        "teams": [{"summary": "payments"}],
        "html_url": "https://example.pagerduty.com/incidents/PXYZ",
    },
    "log_entries": [
        {
            "id": "L1",
            "type": "trigger_log_entry",
            "created_at": "2025-03-01T10:00:00Z",
            "summary": "Triggered",
            "incident": {"id": "PXYZ"},
        },
        {
            "id": "L2",
            "type": "acknowledge_log_entry",
            "created_at": "2025-03-01T10:05:00+01:00",
            "agent": {"type": "user_reference", "summary": "Ann"},
            "incident": {"id": "PXYZ"},
        },
        {
            "id": "L3",
            "type": "annotate_log_entry",
            "created_at": "2025-03-01T10:20:00Z",
            "channel": {"summary": "Rolled back"},
            "incident": {"id": "PXYZ"},
        },
        {"id": "L4", "type": "resolve_log_entry", "created_at": "2025-03-01T11:00:00Z", "incident": {"id": "PXYZ"}},
    ],
}
PD_PATHS = list(paths(PD_BASE))


def check_pagerduty(file: Path, reader: str) -> None:
    try:
        with hang_guard():
            incidents = pd.read_file(file)
            packets = [pd.new_packet(inc) for inc in incidents]
    except pd.PagerDutyError as exc:
        _rejected(reader, exc, file)
        return
    assert incidents and all(isinstance(p, EventPacket) for p in packets)
    TALLY[(reader, "accepted")] += 1


@st.composite
def pagerduty_docs(draw: st.DrawFn) -> Any:
    doc = copy.deepcopy(PD_BASE)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PD_PATHS))
        with contextlib.suppress(KeyError, IndexError, TypeError):
            set_path(doc, path, draw(similar(_at(doc, path)) if draw(st.booleans()) else VALUES))
    return [doc] if draw(st.booleans()) else doc


@fuzz_settings(350)
@given(doc=pagerduty_docs())
def test_pagerduty_structures(workdir: Path, doc: Any) -> None:
    file = workdir / "pd.json"
    file.write_text(json.dumps(doc, allow_nan=True), encoding="utf-8")
    check_pagerduty(file, "pagerduty (structure)")


PD_TEXT = json.dumps(PD_BASE, indent=1)


@fuzz_settings(200)
@given(data=st.data())
def test_pagerduty_text(workdir: Path, data: st.DataObject) -> None:
    file = workdir / "pd-text.json"
    file.write_bytes(data.draw(text_edits(PD_TEXT)).encode("utf-8", "surrogatepass"))
    check_pagerduty(file, "pagerduty (text)")


# -- Jira CSV export ----------------------------------------------------------------------------

CELLS = st.one_of(
    EDGE_TEXT,
    st.text(max_size=10),
    st.sampled_from(
        [
            "OPS-1",
            "Done",
            "Fixed",
            "Unresolved",
            "02/Apr/25 4:00 PM",
            "2025-04-02 16:00",
            "2025-04-02T16:00:00+02:00",
            "31/Feb/25 4:00 PM",
            "0001-01-01",
            "9999-12-31 23:59:59",
            '"',
            "a,b",
            "line\nbreak",
            "x" * 300,
        ]
    ),
)
COLUMNS = st.sampled_from(["Issue key", "Status", "Resolution", "Resolved", "Summary", "Labels", " status ", ""])


@fuzz_settings(350)
@given(
    header=st.lists(COLUMNS, max_size=6),
    rows=st.lists(st.lists(CELLS, max_size=6), max_size=4),
    zone=st.sampled_from(["UTC", "Pacific/Kiritimati", "Etc/GMT+12"]),
    raw=st.booleans(),
    data=st.data(),
)
def test_jira_csv_exports(
    workdir: Path, header: list[str], rows: list[list[str]], zone: str, raw: bool, data: st.DataObject
) -> None:
    from zoneinfo import ZoneInfo

    buf = io.StringIO()
    csv.writer(buf).writerows([header, *rows])
    text = data.draw(text_edits(buf.getvalue())) if raw else buf.getvalue()
    file = workdir / "jira.csv"
    file.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        with hang_guard():
            read = read_export(file, ZoneInfo(zone))
    except JiraCsvError as exc:
        _rejected("jira csv", exc, file)
        return
    assert all(r.key and (r.resolved is None or r.resolved.utcoffset() is not None) for r in read)
    TALLY[("jira csv", "accepted")] += 1


# -- Roadmap files -------------------------------------------------------------------------------

ROADMAP_BASE = [
    {
        "key": "RM-1",
        "title": "Certificate inventory",
        "quarter": "2025Q2",
        "findings": ["INC-1/finding/R1", "INC-2/finding/R2"],
    },
    {"key": "RM-2", "title": "Retry budget", "status": "planned"},
]
ROADMAP_PATHS = list(paths(ROADMAP_BASE))


@fuzz_settings(350)
@given(fmt=st.sampled_from(["yaml", "yaml-text", "csv"]), data=st.data())
def test_roadmap_files(workdir: Path, fmt: str, data: st.DataObject) -> None:
    doc = copy.deepcopy(ROADMAP_BASE)
    for _ in range(data.draw(st.integers(0, 3))):
        with contextlib.suppress(KeyError, IndexError, TypeError):
            path = data.draw(st.sampled_from(ROADMAP_PATHS))
            set_path(doc, path, data.draw(similar(_at(doc, path)) if data.draw(st.booleans()) else VALUES))
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(["key", "title", "quarter", "findings"])
        for item in doc:
            item = item if isinstance(item, dict) else {}
            findings = item.get("findings") or []  # a mutation may have made it a scalar
            cell = ";".join(map(str, findings)) if isinstance(findings, list) else str(findings)
            writer.writerow([str(item.get(k, "")) for k in ("key", "title", "quarter")] + [cell])
        text = data.draw(text_edits(buf.getvalue()))
    else:
        text = yaml.safe_dump({"roadmap": doc} if data.draw(st.booleans()) else doc, allow_unicode=True)
        if fmt == "yaml-text":
            text = data.draw(text_edits(text))
    file = workdir / f"roadmap.{'csv' if fmt == 'csv' else 'yaml'}"
    file.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        with hang_guard():
            rows = read_roadmap(file)
    except RoadmapError as exc:
        _rejected("roadmap", exc, file)
        return
    assert len({r.key for r in rows}) == len(rows)
    TALLY[("roadmap", "accepted")] += 1


# -- Markdown post-mortems (through the public entry points only) -------------------------------

MD_LINES = st.sampled_from(
    [
        "# Incident: checkout errors",
        "## Summary",
        "## Timeline",
        "## Root causes",
        "## Action items",
        "## Impact",
        "Date: 2025-03-01",
        "**Severity:** SEV2",
        "- 10:00 UTC alert fired",
        "- 10:05 on-call acknowledged",
        "| Action | Owner | Ticket |",
        "|---|---|---|",
        "| Add alert | ann | OPS-1 |",
        "1. Rollback",
        "",
        "   ",
        "[" * 40,
        "#" * 40,
        " " * 200,
        "```",
        "> quote",
        "* * *",
        "0001-01-01 00:00 +05:00",
        "9999-12-31 23:59 -05:00",
        "- 25:99 bogus time",
        "Started: 2025-02-30 10:00",
        "[link](http://x)",
        "<details>",
        "\x00",
        "\ufeff",
    ]
)


@fuzz_settings(350)
@given(lines=st.lists(st.one_of(MD_LINES, st.text(max_size=30)), max_size=25), via_file=st.booleans())
def test_markdown_documents(workdir: Path, lines: list[str], via_file: bool) -> None:
    text = "\n".join(lines)
    file = workdir / "postmortem.md"
    with hang_guard():
        if via_file:
            file.write_bytes(text.encode("utf-8", "surrogatepass"))
            result = md.import_file(file)
        else:
            result = md.import_text(text, file)
    assert result.report.file == file
    if result.packet is None:
        assert result.report.status in ("failed", "template")  # a blank template is reported, not imported
        TALLY[("markdown", "rejected")] += 1
    else:
        assert isinstance(result.packet, EventPacket)
        TALLY[("markdown", "accepted")] += 1
