"""Held-out post-mortems: real documents of other organisations (mybinder.org, Flutter, Berkeley
DataHub: BSD-3; the Rust infrastructure and crates.io teams: MIT/Apache-2.0; the Ministry of
Justice Cloud Platform's incident log, Optimism, Kroma and the F# compiler docs: MIT; Envoy's
security post-mortems: Apache-2.0; see each folder's NOTICE), in
templates the importer was not written for.

Every expectation below was read off the document by hand: its title, the start it states (in
the zone it states), the end it marks, its timeline rows, its cause statements and its actions.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import kb
from ingest.markdown import import_file, import_paths, import_text
from ingest.markdown.dates import combine, stated_zone
from kb.cli import app
from kb.graph.reader import read_packets
from kb.knowledge_base import KnowledgeBase
from kb.model import DocumentPart, EventPacket

from .conftest import ROOT

HELDOUT = ROOT / "tests" / "data" / "heldout"
runner = CliRunner()


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# file: title, started (UTC), other anchors (UTC), timeline rows, factors, action items
EXPECTED: dict[str, dict[str, Any]] = {
    "mybinder/2017-09-27-hub-403.md": {
        "title": "2017-09-27, Hub 403",
        "started": "2017-09-27 21:06",  # 13:06 "All times in PST"
        "anchors": {"resolved_at": "2017-09-27 23:25"},  # "bringing the outage to an end"
        "events": 6,
        "factors": 3,  # the summary's "caused by" + the Conclusion's "caused by two factors: 1. 2."
        "findings": 5,
    },
    "mybinder/2018-01-18-reddit-hug.md": {
        "title": "2018-01-18, reddit hugs mybinder",
        "started": "2018-01-18 12:19",  # 4:19 PST
        "anchors": {},
        "events": 25,
        "factors": 0,  # the document states no cause
        "findings": 6,
    },
    "mybinder/2018-03-26-no-space-left.md": {
        "title": '2018-03-26, "no space left on device"',
        "started": "2018-03-26 08:34",  # 10:34 CEST
        # 10:55 "everything returns to normal"; the 15:00 row's "appears to have recovered" is no recovery
        "anchors": {"mitigated_at": "2018-03-26 08:55", "resolved_at": "2018-03-26 08:55"},
        "events": 3,
        "factors": 1,
        "findings": 6,
    },
    "mybinder/2022-01-27-prime-version.md": {
        "title": "2022-01-27, stale prime version",
        "started": "2022-01-27 10:00",  # 11:00 CET
        "anchors": {"detected_at": "2022-01-27 13:35", "mitigated_at": "2022-01-27 17:00"},
        "events": 5,
        "factors": 3,  # What went wrong: 3 items
        "findings": 4,
    },
    "mybinder/2022-06-02-pod-limit.md": {
        "title": "2022-01-27, pod limit reached",  # sic: the document's own title
        "started": "2022-06-02 09:00",
        "anchors": {"mitigated_at": "2022-06-02 20:24"},
        "events": 5,
        "factors": 1,
        "findings": 1,
    },
    "flutter/Postmortem-Build-Breakage-on-2016-11-08.md": {
        "title": "Flutter postmortem: Build Breakage on 2016-11-08",
        # **<START OF OUTAGE>** at 16:27 PST on 2016-11-07, **<END OF OUTAGE>** at 14:15 on 2016-11-08
        "started": "2016-11-08 00:27",
        "anchors": {"resolved_at": "2016-11-08 22:15"},
        "events": 11,  # one date-only row (2016-10-24) + 10 timed rows
        "factors": 2,  # Root causes (1 paragraph) + What didn't work (1 item)
        "findings": 4,  # table rows under Prevention, Detection and Fixes
    },
    "flutter/Postmortem-Widespread-Gradle-failures-on-Flutter-v1.12.13-hotfix.5.md": {
        "title": "Flutter postmortem: Widespread Gradle failures on Flutter v1.12.13+hotfix.5",
        "started": "2019-12-12 02:15",  # 06:15pm PST on 2019-12-11, <START OF OUTAGE>
        "anchors": {"resolved_at": "2019-12-12 21:34"},  # 01:34pm, <END OF OUTAGE>
        "events": 10,  # 7 date-only headings with prose + 3 timed rows
        "factors": 5,  # 3 root causes + 2 "What didn't work"
        "findings": 6,  # 3 + Detection 2 + Process 1
    },
    "flutter/Postmortem-flutter.dev-outage-on-August-26-2023.md": {
        "title": "Postmortem flutter.dev outage on August 26 2023",  # no title line: named after the file
        "started": "2023-08-26 04:14",  # 21:14 on 2023-08-25 in "PST/PDT": PDT in August
        "anchors": {"resolved_at": "2023-08-26 19:55"},
        "events": 11,
        "factors": 4,  # Root causes 1 + What didn't work 3
        "findings": 5,  # Follow-up: 5 paragraphs
    },
    "datahub/2017-02-24-autoscaler-incident.qmd": {
        "title": "Custom Autoscaler gonee haywire",  # sic, from the front matter
        "started": "2017-02-24 23:14",  # 11:14 PM, no zone stated: UTC assumed
        "anchors": {},
        "events": 2,
        "factors": 0,  # no cause section
        "findings": 3,
    },
    "datahub/2018-01-26-hub-slow-startup.qmd": {
        "title": "Hub starts up very slow, causing outage for users",
        "started": "2018-01-26 15:00",
        "anchors": {},
        "events": 5,
        "factors": 1,
        "findings": 3,
    },
    "datahub/2019-05-01-service-account-leak.qmd": {
        "title": "Service Account key leak incident",
        "started": "2019-05-01 15:18",  # "May 1 2019, 3:18 PM"
        "anchors": {},
        "events": 5,
        "factors": 0,
        "findings": 2,
    },
    "rust/2019-10-24-docsrs-outage-postmortem.md": {
        "title": "docs.rs outage postmortem",  # from the TOML (+++) front matter
        "started": "2019-10-20 00:55",  # "crate builds started failing": the one entry with its own date
        # "Unless otherwise noted all events happened on 2019-10-21": the time-only rows after it too
        "anchors": {"detected_at": "2019-10-21 01:38", "mitigated_at": "2019-10-21 02:06"},
        "events": 13,
        "factors": 1,  # Root cause of the outage: 1 paragraph
        "findings": 4,
    },
    "rust/2020-02-26-crates-io-incident-report.md": {
        "title": "crates.io incident report for 2020-02-20",
        "started": "2020-02-20 21:17",
        # "22:48 Fix deployed on production" is the mitigation; the importer does not read it so (left out)
        "anchors": {"detected_at": "2020-02-20 21:28"},
        "events": 17,  # 14 under "### 2020-02-20", 3 under "### 2020-02-21"
        "factors": 2,
        "findings": 5,  # "[#2226]: ..." items: reference links to their issues
    },
    "rust/dns-outage-portmortem.md": {
        "title": "DNS Outage on 2023-01-25",
        # no timeline: "On Wednesday, 2023-01-25 at 09:15 UTC, we deployed ..." (front matter date
        # 2023-02-08 is the post's)
        "started": "2023-01-25 09:15",
        # "by 9:40 UTC traffic had returned to normal levels.": told only in prose
        "anchors": {"mitigated_at": "2023-01-25 09:40", "resolved_at": "2023-01-25 09:40"},
        "events": 0,
        "factors": 4,  # Root Cause of the Outage: 4 paragraphs
        "findings": 0,  # its three lessons sit under "Postmortem", no action heading: not read
    },
    "moj/2024-07-25-incident.md": {
        "title": "Incident on 2024-07-25",
        "started": "2024-07-25 12:10",  # no zone stated: UTC assumed
        # Key events: "First deteceted: 12:10" (sic), "Incident declared: 14:54", "Repaired
        # declared: 15:18", "Resolved 16:19" (no colon)
        "anchors": {
            "detected_at": "2024-07-25 12:10",
            "acknowledged_at": "2024-07-25 14:54",
            "mitigated_at": "2024-07-25 15:18",
            "resolved_at": "2024-07-25 16:19",
        },
        "events": 18,  # "- **Context**:" and its dated items: no Timeline heading
        "factors": 1,  # "- **Identified**: User reported that Elasticsearch was no longer receiving logs"
        "findings": 4,  # "- **Review actions**:" with issue links
    },
    "optimism/2022-05-31-drop-1.md": {
        "title": "Retrospective: OP Drop #1",
        # "All times listed in PST": the first row is a bare "`May 31`" (no time); the first timed
        # row is 07:35 PST
        "started": "2022-05-31 15:35",
        "anchors": {
            "detected_at": "2022-05-31 15:55",  # 07:55 "Some Discord users notice"
            "resolved_at": "2022-05-31 22:57",  # "resolved at 2:57 pm PST"; "Status page is set to resolved"
        },
        "events": 48,
        "factors": 11,  # the Leadup paragraph and the 10 causes listed per service under Causes
        "findings": 11,  # checkbox items under three sub-headings of Action Items
    },
    "optimism/2023-04-26-transaction-delays.md": {
        "title": "Public 4/26 Transaction Delays Post-Mortem",
        # no timeline: "On April 26, 2023 between the hours of 1900 and 2100 UTC, OP Mainnet
        # experienced degraded service"
        "started": "2023-04-26 19:00",
        "anchors": {"mitigated_at": "2023-04-26 21:00", "resolved_at": "2023-04-26 21:00"},
        "events": 0,
        "factors": 5,  # Leadup's 2 bullets, Causes' 3 paragraphs (its graph is no statement)
        # no action heading: "Going forward, we will do the following in an effort to avoid similar
        # issues:" and its 2 items under "Recovery and Lessons Learned" (the Bedrock list after
        # "Specifically:" describes, it promises nothing)
        "findings": 2,
    },
    "kroma/2024-04-01-tx-receipts-validation-skip-incident.md": {
        "title": "2024-04-01 Chain Halt due to Transaction Receipts Validation Skip Post-Mortem",
        "started": "2024-04-01 02:51",  # "- 2024-04-01 0251: wrong block generated at 9029744"
        "anchors": {
            "detected_at": "2024-04-01 02:58",  # "notified that block generation was halted"
            "mitigated_at": "2024-04-01 06:11",  # "recovery of Kroma mainnet ... completed"
        },
        "events": 8,
        "factors": 2,  # Causes: 2 paragraphs
        "findings": 2,  # "# Future works": one paragraph under each of its two sub-headings
    },
    "envoy/cve-2019-15225.md": {
        "title": "Security postmortem for CVE-2019-15225, CVE-2019-15226",
        "started": "2019-07-25 07:00",  # "2019-07-25:" (All times US/Pacific), no time given
        "anchors": {},
        "events": 15,  # one per bullet under each date line; "11:20 AM v1.11.2 pushed" is its own
        "factors": 11,  # Root Causes: 2 paragraphs; What went wrong: 9 items
        "findings": 4,  # Action Items: 4 issue links
    },
    "envoy/cve-2021-29492.md": {
        "title": "Security postmortem for CVE-2021-29492",
        "started": "2021-01-20 08:00",
        "anchors": {},
        "events": 9,  # 7 date lines, two of them with two bullets
        "factors": 3,  # Root Causes: 1 paragraph; What went wrong: 2 items
        "findings": 1,
    },
    "fsharp/regression-fs0229-bstream-misalignment.md": {
        "title": "Regression: FS0229 B-Stream Misalignment in TypedTreePickle",
        "started": "2024-07-01 00:00",  # the timeline table's first row, dated "Jul 2024" only
        "anchors": {},  # no end stated: the last row (Sep 2024) is when the bug surfaced
        "events": 3,
        "factors": 8,
        "findings": 0,
    },
}


def _factors(packet: EventPacket) -> list[Any]:
    return [f for a in packet.analyses for f in a.factors]


def _findings(packet: EventPacket) -> list[Any]:
    return [f for a in packet.analyses for f in a.findings]


def test_every_committed_heldout_document_is_listed_here() -> None:
    found = {str(p.relative_to(HELDOUT)) for p in HELDOUT.rglob("*") if p.is_file() and p.suffix in (".md", ".qmd")}
    assert found == set(EXPECTED)
    assert all((HELDOUT / org / "NOTICE").is_file() for org in {k.split("/")[0] for k in EXPECTED})


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_heldout_document_imports_what_it_states(name: str) -> None:
    want = EXPECTED[name]
    result = import_file(HELDOUT / name)
    assert result.packet is not None, result.report.reason
    p = result.packet
    assert p.incident.title == want["title"]
    assert p.incident.started_at == _utc(want["started"])
    for anchor, at in want["anchors"].items():
        assert getattr(p.incident, anchor) == _utc(at), anchor
    assert len(p.timeline) == want["events"]
    assert len(_factors(p)) == want["factors"]
    assert len(_findings(p)) == want["findings"]


def test_conclusion_list_of_causes_is_read_as_stated_factors() -> None:
    p = import_file(HELDOUT / "mybinder/2017-09-27-hub-403.md").packet
    assert p is not None
    stated = [f.statement for f in _factors(p) if f.read_from is DocumentPart.FACTORS]
    assert stated == [
        "Local development environment being slightly different from production environment "
        "(single node vs multi node)",
        "Testing in staging not thorough enough",
    ]


def test_pst_pdt_follows_summer_time_on_each_date() -> None:
    p = import_file(HELDOUT / "flutter/Postmortem-Build-Breakage-on-2016-11-08.md").packet
    assert p is not None
    merged = [e.at for e in p.timeline if e.text.startswith("The change to package:args is merged")]
    # 2016-11-02 15:11 is still PDT (UTC-7); 2016-11-07 16:27 is PST (UTC-8): DST ended on Nov 6
    assert merged == [_utc("2016-11-02 22:11")]
    assert p.incident.started_at == _utc("2016-11-08 00:27")


def test_a_folder_of_quarto_files_is_imported() -> None:
    results = import_paths([HELDOUT / "datahub"])
    assert [r.report.status for r in results] == ["imported"] * 3


def test_cli_imports_the_heldout_folder_into_a_fresh_database(tmp_path: Path) -> None:
    db = tmp_path / "heldout.lbug"
    result = runner.invoke(app, ["import", "markdown", str(HELDOUT), "--ingest", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert f"imported {len(EXPECTED)} of {len(EXPECTED)} file(s)" in result.output
    with kb.connect(engine="ladybug", db=db) as kbase:
        assert kbase.incident_count() == len(EXPECTED)
        packets = read_packets(kbase, [import_file(HELDOUT / n).report.incident or "" for n in sorted(EXPECTED)])
    assert {p.incident.title for p in packets} == {w["title"] for w in EXPECTED.values()}


@pytest.mark.parametrize(
    "name", ["flutter/Postmortem-flutter.dev-outage-on-August-26-2023.md", "mybinder/2017-09-27-hub-403.md"]
)
def test_heldout_packets_read_back_the_same_on_both_engines(any_kb: KnowledgeBase, name: str) -> None:
    packet = import_file(HELDOUT / name).packet
    assert packet is not None
    any_kb.ingest_packets([packet])
    [back] = read_packets(any_kb, [packet.incident.id])
    assert back.incident.title == EXPECTED[name]["title"]
    assert back.incident.started_at == _utc(EXPECTED[name]["started"])
    assert len(back.timeline) == EXPECTED[name]["events"]
    assert len(_factors(back)) == EXPECTED[name]["factors"]
    assert len(_findings(back)) == EXPECTED[name]["findings"]


def test_a_heldout_document_without_any_date_is_rejected_naming_file_and_field(tmp_path: Path) -> None:
    text = (HELDOUT / "datahub/2017-02-24-autoscaler-incident.qmd").read_text()
    undated = re.sub(r"\d{4}-\d{2}-\d{2}|February 24, 2017|date:.*", "", text)
    doc = tmp_path / "undated.qmd"
    doc.write_text(undated)
    result = import_text(undated, doc)
    assert result.packet is None and result.report.status == "failed"
    out = runner.invoke(app, ["import", "markdown", str(doc), "--ingest", "--db", str(tmp_path / "g.lbug")])
    assert "Traceback" not in out.output
    line = next(x for x in out.output.splitlines() if "undated.qmd" in x and "start time" in x)
    assert "no date anywhere in the document" in line


@pytest.mark.parametrize(
    ("statement", "local", "utc"),
    [
        ("All times in CET/CEST", "2024-01-15 10:00", "2024-01-15 09:00"),
        ("All times in CET/CEST", "2024-07-15 10:00", "2024-07-15 08:00"),
        ("times in EST/EDT", "2024-07-15 10:00", "2024-07-15 14:00"),
        ("All times in CET", "2024-07-15 10:00", "2024-07-15 09:00"),  # one abbreviation: taken at its word
    ],
)
def test_a_standard_and_summer_pair_names_the_region(statement: str, local: str, utc: str) -> None:
    zone = stated_zone(statement)
    assert zone is not None and zone.stated
    day, at = datetime.fromisoformat(local).date(), datetime.fromisoformat(local).time()
    assert combine(day, at, zone) == _utc(utc)


def test_a_preamble_day_stated_unless_otherwise_noted_holds_after_a_dated_entry() -> None:
    p = import_file(HELDOUT / "rust/2019-10-24-docsrs-outage-postmortem.md").packet
    assert p is not None
    # the first row carries its own date (2019-10-20); the time-only rows after it are on the stated day
    assert [e.at for e in p.timeline[:2]] == [_utc("2019-10-20 00:55"), _utc("2019-10-21 01:38")]
    assert p.incident.detected_at == _utc("2019-10-21 01:38")


def test_without_timeline_rows_the_summary_s_stated_instant_is_the_start() -> None:
    result = import_file(HELDOUT / "rust/dns-outage-portmortem.md")
    assert result.packet is not None
    assert result.packet.incident.started_at == _utc("2023-01-25 09:15")
    assert any("2023-01-25 at 09:15" in n for n in result.report.notes)


@pytest.mark.parametrize(
    ("name", "urls"),
    [
        (
            "rust/2020-02-26-crates-io-incident-report.md",
            [f"https://github.com/rust-lang/crates.io/issues/{n}" for n in range(2226, 2231)],
        ),
        (
            "mybinder/2022-01-27-prime-version.md",  # "[Implement proactive alerts][alerting-issue]"
            [
                "https://github.com/jupyterhub/mybinder.org-deploy/issues/611",
                "https://github.com/jupyterhub/mybinder.org-deploy/pull/2113",
                "https://github.com/jupyterhub/mybinder.org-deploy/issues/2114",
                "https://github.com/jupyterhub/mybinder.org-deploy/issues/2115",
            ],
        ),
    ],
)
def test_reference_links_of_action_items_name_their_tickets(name: str, urls: list[str]) -> None:
    p = import_file(HELDOUT / name).packet
    assert p is not None
    assert [w.url for f in _findings(p) for w in f.work_items] == urls


def test_dated_items_under_a_bold_label_are_the_timeline_and_review_actions_the_findings() -> None:
    p = import_file(HELDOUT / "moj/2024-07-25-incident.md").packet
    assert p is not None
    assert p.timeline[0].text == "cp-live-app-logs - ClusterIndexWritesBlocked starts"
    assert p.timeline[-1].text == "Incident declared resolved"
    assert [e.at for e in p.timeline[:2]] == [_utc("2024-07-25 12:10"), _utc("2024-07-25 12:30")]
    # the impact statement stays the impact: the "Context" rows are not appended to it
    assert p.incident.customer_impact == "- Elasticsearch and Opensearch did not recieve logs"
    assert [f.statement for f in _findings(p)][-1] == "High priority alerts for Elasticsearch and Opensearch"


def test_month_only_table_dates_import_marked_and_end_nothing() -> None:
    # F#'s regression timeline dates its rows "Jul 2024", "Aug 2024", "Sep 2024": the document
    # imports (it failed with "no date anywhere"), each row says it is placed on the month's 1st,
    # and its last row (a change landing, read as a repair) does not mitigate: within the month is unknown.
    p = import_file(HELDOUT / "fsharp/regression-fs0229-bstream-misalignment.md").packet
    assert p is not None
    assert [e.at for e in p.timeline] == [_utc("2024-07-01"), _utc("2024-08-01"), _utc("2024-09-01")]
    assert all(e.text.startswith("(month only: ") for e in p.timeline)
    assert p.incident.mitigated_at is None and p.incident.resolved_at is None


def test_each_bullet_under_a_date_line_is_a_row() -> None:
    p = import_file(HELDOUT / "envoy/cve-2019-15225.md").packet
    assert p is not None
    day = [(e.at, e.text) for e in p.timeline if e.at.date().isoformat() == "2019-10-08"]
    # "2019-10-08:" then an untimed bullet, "11:20 AM v1.11.2 pushed", and an untimed bullet after it
    assert [t for _, t in day] == [
        "CVE-2019-15226 Some last minute patch fixup to have staged branches pass on CI. Patches "
        "scheduled for public release.",
        "v1.11.2 pushed",
        "CVE-2019-15226 CVE updated on publication",
    ]
    assert [a for a, _ in day] == [_utc("2019-10-08 07:00"), _utc("2019-10-08 18:20"), _utc("2019-10-08 18:20")]
