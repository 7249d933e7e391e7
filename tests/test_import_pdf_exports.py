"""PDFs exported from word processors, wikis and browsers (not PagerDuty): page furniture,
flattened timeline tables, lists whose bullets were drawn rather than written, ligatures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ingest.markdown.importer import import_pdf_bytes
from kb.model import EventPacket

from .pdf_pages import text_pdf

BODY = [
    "Checkout API errors after a config push",
    "Summary",
    "On 3 February 2020 a configuration push made the checkout API return errors for every customer",
    "request until the push was reverted by the on-call engineer.",
    "Timeline",
    "All times in UTC.",
    "Time Event",
    "2020-02-03 10:21 Config push makes checkout API return 500 errors",
    "2020-02-03 10:30 Alert fires and the on-call engineer is paged",
    "2020-02-03 10:52 Config push reverted, which solved the issue",
    "Contributing Factors",
    "The push was not canaried before it reached every region of the checkout service and its",
    "dependants",
    "No alert on the error rate of the checkout API",
    "Missing physical war room",
    "Action Items",
    "Canary configuration pushes",
    "Alert on the checkout API error rate",
]


def _packet(pages: list[list[str]]) -> EventPacket:
    result = import_pdf_bytes(text_pdf(pages), Path("export.pdf"))
    assert result.packet is not None, result.report.reason
    return result.packet


def test_a_flattened_timeline_table_gives_its_rows() -> None:
    packet = _packet([BODY])
    assert [(e.at, e.text) for e in packet.timeline] == [
        (datetime(2020, 2, 3, 10, 21, tzinfo=UTC), "Config push makes checkout API return 500 errors"),
        (datetime(2020, 2, 3, 10, 30, tzinfo=UTC), "Alert fires and the on-call engineer is paged"),
        (datetime(2020, 2, 3, 10, 52, tzinfo=UTC), "Config push reverted, which solved the issue"),
    ]
    assert packet.incident.started_at == datetime(2020, 2, 3, 10, 21, tzinfo=UTC)


def test_list_items_whose_bullets_were_drawn_are_read_one_by_one() -> None:
    [analysis] = _packet([BODY]).analyses
    assert [f.statement for f in analysis.factors] == [
        "The push was not canaried before it reached every region of the checkout service and its dependants",
        "No alert on the error rate of the checkout API",
        "Missing physical war room",
    ]
    # "Action Items" after an unpunctuated list line is still a heading
    assert [f.statement for f in analysis.findings] == [
        "Canary configuration pushes",
        "Alert on the checkout API error rate",
    ]


def test_running_headers_and_page_numbers_are_dropped() -> None:
    header = ["Engineering / Incident reviews", "Created by Dana, last modified on Mar 03, 2026"]
    pages = [BODY[:7], BODY[7:14], BODY[14:]]
    framed = [
        [header[0], *page, f"Page {n} of 3", "Exported on 03/12/2026 14:0{n}"] for n, page in enumerate(pages, start=1)
    ]
    framed[0].insert(2, header[1])  # under the title
    packet = _packet(framed)
    assert packet.incident.title == "Checkout API errors after a config push"
    assert len(packet.timeline) == 3
    statements = [f.statement for a in packet.analyses for f in a.factors]
    statements += [f.statement for a in packet.analyses for f in a.findings]
    assert statements[-1] == "Alert on the checkout API error rate"
    assert not any("Page" in s or "Exported" in s or "Engineering" in s for s in statements)


def test_a_browser_prints_header_and_footer_are_dropped() -> None:
    pages = [BODY[:9], BODY[9:]]
    framed = [
        [*page, "12/2/26, 3:27 AM Checkout API errors", f"file:///tmp/report.html {n}/2"]
        for n, page in enumerate(pages, start=1)
    ]
    packet = _packet(framed)
    assert len(packet.timeline) == 3
    assert not any("file:" in e.text or "3:27" in e.text for e in packet.timeline)
    assert [f.statement for a in packet.analyses for f in a.findings][-1] == "Alert on the checkout API error rate"


def test_typeset_ligatures_are_read_as_letters() -> None:
    lines = [line.replace("fi", "\ufb01") for line in BODY]
    packet = _packet([lines])
    assert "configuration" in (packet.incident.summary or "")
    assert [e.text for e in packet.timeline][-1] == "Config push reverted, which solved the issue"


def test_numbered_headings_are_headings() -> None:
    numbered = {"Summary": "1. Summary", "Timeline": "2. Timeline", "Contributing Factors": "3. Contributing Factors"}
    packet = _packet([[numbered.get(line, line) for line in BODY]])
    assert len(packet.timeline) == 3
    assert "Summary" not in (packet.incident.summary or "")
    assert len(packet.analyses[0].factors) == 3
