"""Markdown post-mortems -> imported packets: the ten real DFDS documents (counts and values
checked by hand against each file), Google SRE / PagerDuty / free-form fixtures, bad files,
time zones, and idempotent re-import on both engines."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kb
from ingest.markdown import import_file, import_paths, import_text
from ingest.markdown.dates import parse_date, parse_duration, parse_time, stated_zone
from kb.cli import app
from kb.knowledge_base import KnowledgeBase
from kb.model import Category, EventKind, FindingStatus
from kb.packets import read_packet

from .conftest import DFDS, ROOT

OTHER = ROOT / "tests" / "fixtures" / "postmortems-other"
runner = CliRunner()

needs_dfds = pytest.mark.skipif(not DFDS.is_dir(), reason=f"the DFDS postmortems are not at {DFDS}")

# Hand-counted from each document: timeline rows, contributing-factor items, action items,
# stats (minutes; None where the document says "?" or has no Stats), category.
DFDS_EXPECTED = {
    "PM2019-009": (14, 7, 4, None, None, None),
    "PM2019-010": (6, 3, 2, None, None, None),  # 2 bullets + the bold "biggest factor" in the prose
    "PM2019-011": (11, 3, 5, None, None, None),
    "PM2020-001": (2, 1, 1, None, None, "self-service"),
    "PM2020-002": (4, 3, 3, 54, 148, "kubernetes"),
    "PM2020-003": (5, 4, 4, None, None, "self-service"),
    "PM2020-004": (3, 3, 2, None, 31, "kubernetes"),
    "PM2020-005": (6, 6, 3, 5, 15, "kubernetes"),
    "PM2020-006": (5, 2, 2, None, None, "self-service"),
    "PM2020-007": (5, 3, 2, 60, 240, "kubernetes"),
}
CET = timedelta(hours=1)
# Where the document's TTD/TTR land on rows, the incident starts at the row impact began,
# not at the first row (an earlier maintenance); elsewhere at the first row.
IMPACT_STARTS = {
    "PM2020-005": datetime(2020, 6, 9, 11, 20, tzinfo=UTC),  # 12:20 CET: ALB attachments removed
    "PM2020-007": datetime(2020, 10, 6, 7, 0, tzinfo=UTC),
}  # 08:00 CET: pods crash-looping


def _utc(y: int, mo: int, d: int, h: int, mi: int) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


@pytest.fixture(scope="module")
def dfds() -> dict[str, object]:
    if not DFDS.is_dir():
        pytest.skip(f"the DFDS postmortems are not at {DFDS}")
    return {r.report.incident or r.report.file.name: r for r in import_paths([DFDS])}


@needs_dfds
def test_every_dfds_postmortem_imports_with_counts_and_stats(dfds: dict[str, object]) -> None:
    results = {k: v for k, v in dfds.items() if k in DFDS_EXPECTED}
    assert sorted(results) == sorted(DFDS_EXPECTED)
    for key, (events, factors, findings, ttd, ttr, category) in DFDS_EXPECTED.items():
        r = results[key]
        packet, report = r.packet, r.report  # type: ignore[attr-defined]
        assert report.status == "imported", (key, report.reason)
        assert report.template == "dfds", key
        assert (len(packet.timeline), len(packet.analyses[0].factors), len(packet.analyses[0].findings)) == (
            events,
            factors,
            findings,
        ), key
        inc = packet.incident
        assert inc.started_at == IMPACT_STARTS.get(key, min(e.at for e in packet.timeline)), key
        if ttd is None:
            assert report.stats.time_to_detection is None, key
        else:
            assert inc.detected_at - inc.started_at == timedelta(minutes=ttd), key
        if ttr is None:
            assert report.stats.time_to_recovery is None, key
        else:
            assert inc.mitigated_at - inc.started_at == timedelta(minutes=ttr), key
        assert inc.tags == ([category] if category else []), key
        prov = packet.provenance
        assert (prov.source, prov.imported, prov.reviewed) == ("markdown", True, False)
        assert prov.file is not None and Path(prov.file).name.startswith(key)
        assert inc.severity is None  # no DFDS post-mortem states one: unknown, not a guessed SEV3
        assert any("no severity in the document: unknown" in n for n in prov.notes), key
        assert all(f.category_guessed for f in packet.analyses[0].factors)
        # Every factor contributes to the impact: the contribution map's root.
        assert {i.source for i in packet.analyses[0].influences} == {f.id for f in packet.analyses[0].factors}


@needs_dfds
def test_dfds_values_match_the_documents(dfds: dict[str, object]) -> None:
    p = dfds["PM2020-002"].packet  # type: ignore[attr-defined]
    # "All times in CET": 15:36 CET is 14:36 UTC.
    assert p.incident.started_at == _utc(2020, 1, 21, 14, 36)
    assert [e.text for e in p.timeline] == [
        "Certificate for KIAM server expires",
        "First alert indicating a problem, but from an affected service (k8s-janitor)",
        "First alert regarding KIAM server pods crash-looping",
        "New certificates generated, service restored",
    ]
    assert p.timeline[0].kind is EventKind.TRIGGER and p.timeline[1].kind is EventKind.DETECTION
    assert p.incident.detected_at == _utc(2020, 1, 21, 15, 30)  # 54 minutes after the expiry
    assert p.incident.resolved_at == _utc(2020, 1, 21, 17, 4)  # "service restored"
    assert [f.statement for f in p.analyses[0].factors] == [
        "Insufficient monitoring of the KIAM server",
        "Too much noise in our alert Slack channel, drowning important alerts",
        "We had no documentation or notes on how to create/update certificates",
    ]
    assert p.analyses[0].factors[1].category is Category.ORGANIZATIONAL
    assert "alert-noise" in p.analyses[0].factors[1].themes
    findings = p.analyses[0].findings
    assert [f.statement for f in findings] == [
        "Document the process of creating/updating KIAM certificates",
        "We have added a backlog task to curate for which scenarios we want to receive alerts",
        'Replace KIAM server with "EKS Service IAM Role"',
    ]
    assert all(f.status is FindingStatus.AGREED and f.work_items == [] for f in findings)
    assert findings[0].addresses == ["f3"]  # "document ... certificates" answers "no documentation ... certificates"
    assert p.incident.summary.startswith("In the afternoon of January 21st, the server certificate for KIAM")

    # Bold-led action items keep their explanation; the bold lead is the work-item candidate.
    p9 = dfds["PM2019-009"]
    a1 = p9.packet.analyses[0].findings[0]  # type: ignore[attr-defined]
    assert a1.statement.startswith("Make sure all deployed resources have a plan for monitoring / scaling: This is")
    assert "a1: Make sure all deployed resources have a plan for monitoring / scaling" in p9.report.work_item_candidates  # type: ignore[attr-defined]
    # "2019-12-03 --:--": the day is known, the time is not.
    unknown = [e for e in p9.packet.timeline if "Surge new deployments" in e.text]  # type: ignore[attr-defined]
    assert unknown[0].text.startswith("(time unknown: 2019-12-03 --:--)")
    assert unknown[0].at == datetime(2019, 12, 3, tzinfo=UTC) - CET
    assert any("time written as unknown" in n for n in p9.report.notes)  # type: ignore[attr-defined]
    # "Date and Time in CET" in the table header sets the zone.
    assert p9.packet.timeline[0].at == _utc(2019, 11, 29, 11, 0)  # type: ignore[attr-defined]

    p10 = dfds["PM2019-010"].packet  # type: ignore[attr-defined]
    assert "Least-privilege in Hellman Kubernetes cluster" in p10.analyses[0].factors[0].statement

    # "20202-01-16": a typo year is read as 2020 and the report says so.
    p3 = dfds["PM2020-003"]
    assert p3.packet.timeline[0].at == _utc(2020, 1, 16, 11, 0)  # type: ignore[attr-defined]
    assert any("'20202' read as 2020" in n for n in p3.report.notes)  # type: ignore[attr-defined]

    # Nested bullets stay with their factor; "09:00 - 11:00" is a range, its start used.
    p7 = dfds["PM2020-007"]
    f1 = p7.packet.analyses[0].factors[0]  # type: ignore[attr-defined]
    assert f1.statement.startswith("Prometheus high memory usage (~12 GB of memory usage;")
    investigation = p7.packet.timeline[2]  # type: ignore[attr-defined]
    assert investigation.at == _utc(2020, 10, 6, 8, 0) and investigation.kind is EventKind.DIAGNOSIS
    assert any("range 09:00-11:00" in n for n in p7.report.notes)  # type: ignore[attr-defined]

    p5 = dfds["PM2020-005"].packet  # type: ignore[attr-defined]
    # TTD 5 and TTR 15 minutes from 12:20 CET, where impact began, land on the alert and the fix rows.
    assert p5.incident.detected_at == _utc(2020, 6, 9, 11, 25)
    assert p5.incident.mitigated_at == _utc(2020, 6, 9, 11, 35)
    assert p5.incident.resolved_at == _utc(2020, 6, 9, 12, 13)  # "Issue resolved and permanently fixed"


@needs_dfds
def test_the_template_is_reported_not_imported(dfds: dict[str, object]) -> None:
    template = dfds["PMyyyy-nnn - Postmortem template.md"]
    assert template.packet is None  # type: ignore[attr-defined]
    assert template.report.status == "template"  # type: ignore[attr-defined]
    assert "template" in template.report.reason  # type: ignore[attr-defined]
    # Found by content too, without the telling file name.
    text = (DFDS / "PMyyyy-nnn - Postmortem template.md").read_text()
    again = import_text(text, Path("blank.md"))
    assert again.report.status == "template" and "placeholders" in again.report.reason


@needs_dfds
def test_report_names_what_was_not_recognised(dfds: dict[str, object]) -> None:
    report = dfds["PM2020-004"].report  # type: ignore[attr-defined]
    assert "stats: category Kubernetes, TTR 31 min" in report.recognised
    assert "stats time to detection: '?' is not a duration" in report.not_recognised
    assert "no impact section" in report.not_recognised
    assert any("Lessons Learned" in line and "not imported" in line for line in report.not_recognised)
    assert report.zone == "CET (as the document states)"


def test_google_sre_document() -> None:
    r = import_file(OTHER / "google-sre-sonnet-search.md")
    p, report = r.packet, r.report
    assert report.status == "imported" and report.template == "google-sre"
    assert p is not None
    assert p.incident.id == "INC-465"
    assert p.incident.title == "Sonnet Search Postmortem (incident #465)"
    assert p.incident.customer_impact == "An estimated 1.21B queries were lost; no revenue impact."
    assert "Resolution: Traffic was directed to a sacrificial cluster" in p.incident.summary
    assert "Detection: Borgmon detected a high level of HTTP 500s" in p.incident.summary
    # A date line, then time-only lines in UTC; the last one is past midnight.
    assert len(p.timeline) == 12
    assert p.timeline[0].at == _utc(2015, 10, 21, 14, 51)
    assert p.timeline[-1].at == _utc(2015, 10, 22, 0, 10)
    # "2015-10-21 (all times UTC)" above the timeline states the zone.
    assert report.zone == "UTC (as the document states)"
    assert any("times read in UTC as the document states" in n for n in p.provenance.notes)
    assert p.incident.detected_at == _utc(2015, 10, 21, 14, 55)  # the pager storm
    assert p.incident.resolved_at == _utc(2015, 10, 22, 0, 10)  # "INCIDENT ENDS"
    factors = p.analyses[0].factors
    assert len(factors) == 3 and factors[0].statement.startswith("A cascading failure caused by")
    assert factors[1].statement == "We are out of practice in responding to cascading failure."  # what went wrong
    assert factors[2].statement == "Trigger: A latent bug triggered by a sudden increase in traffic."
    findings = {f.id: f for f in p.analyses[0].findings}
    assert len(findings) == 5
    assert findings["a1"].status is FindingStatus.DONE and findings["a1"].owner == "jennifer"
    assert findings["a1"].tags == ["imported", "mitigate"]
    assert [w.external_id for w in findings["a2"].work_items] == ["BUG-5554823"]
    assert [(w.external_id, w.system) for w in findings["a5"].work_items] == [("SRCH-1234", "jira")]
    assert findings["a5"].status is FindingStatus.DONE
    assert findings["a3"].work_items == []
    assert report.work_item_candidates == ["a3: Schedule cascading failure test during next DiRT"]
    assert any("What went well" in line for line in report.not_recognised)


def test_pagerduty_shaped_document() -> None:
    r = import_file(OTHER / "INC-2024-017 - Checkout API errors.md")
    p, report = r.packet, r.report
    assert report.template == "pagerduty" and p is not None
    inc = p.incident
    assert (inc.id, inc.severity, inc.services, inc.teams) == (
        "INC-2024-017",
        2,
        ["checkout-api", "payments-gateway"],
        ["payments"],
    )
    # "All times in PST" and 12-hour times: 2:02 PM PST is 22:02 UTC; the date comes from the first line.
    assert inc.started_at == _utc(2024, 3, 4, 22, 2)
    assert inc.detected_at == _utc(2024, 3, 4, 22, 9)
    assert inc.acknowledged_at == _utc(2024, 3, 4, 22, 21)
    assert inc.mitigated_at == _utc(2024, 3, 4, 22, 49)
    assert [e.text for e in p.timeline][:2] == [
        "Configuration change deployed to the payments gateway",
        "Alert: checkout error rate above 5%",
    ]
    assert inc.summary.startswith("For 47 minutes on March 4th")
    assert "connection pool from 200 to 20" in inc.summary  # What Happened joins the overview
    assert inc.customer_impact.startswith("About 31% of checkout attempts failed")
    # Three contributing factors, and "What didn't go so well" reads as one more.
    assert len(p.analyses[0].factors) == 4
    assert p.analyses[0].factors[3].statement == "Acknowledgement took 12 minutes."
    assert [(x.handle, x.role.value) for x in p.participants] == [
        ("Priya", "incident_lead"),
        ("Tomasz", "responder"),
        ("Lena", "responder"),
    ]
    findings = p.analyses[0].findings
    assert [w.external_id for f in findings for w in f.work_items] == ["PAY-311", "PAY-312"]
    assert findings[2].status is FindingStatus.DONE
    assert report.work_item_candidates == [
        "a2: Run configuration changes through the performance stage of the pipeline"
    ]


def test_heading_fallback_with_dates_without_a_year_and_an_iana_zone() -> None:
    r = import_file(OTHER / "outage-notes-headings.md")
    p, report = r.packet, r.report
    assert report.template == "headings" and p is not None
    assert p.incident.id == "outage-notes-headings"
    # "2 Jul 09:15" takes its year from the document; Europe/Berlin is UTC+2 in July.
    assert p.timeline[0].at == _utc(2023, 7, 2, 7, 15)
    # "Causes" items, then the "What went wrong" paragraph.
    assert [f.statement for f in p.analyses[0].factors] == [
        "Rebuild skips checksum verification to save time.",
        "No alert on partial results: the health check only tests that the node answers.",
        "The replica rebuild does not verify segment checksums, and queries routed to it returned partial "
        "results for several hours.",
    ]
    assert [f.addresses for f in p.analyses[0].findings] == [["f3"], ["f2"]]
    assert p.analyses[0].findings[0].owner == "storage team"  # "(storage team)" after the action
    # A section the importer maps to no field is kept in the summary, and the report says so.
    assert "section 'Misc': no field of its own, kept in the summary (1 part(s))" in report.recognised
    assert p.incident.summary is not None and p.incident.summary.endswith("Misc: Nothing else to add.")


def test_dates_times_zones_and_durations() -> None:
    assert parse_date("Monday 3. February 2020").day == date(2020, 2, 3)  # type: ignore[union-attr]
    assert parse_date("Tuesday 9th of June 2020").day == date(2020, 6, 9)  # type: ignore[union-attr]
    no_year = parse_date("Jan 5", default_year=2024)
    assert no_year is not None and no_year.day == date(2024, 1, 5) and not no_year.has_year
    assert parse_date("Jan 5") is not None and parse_date("Jan 5").day is None  # type: ignore[union-attr]
    assert parse_time("2:35 PM").value == time(14, 35)  # type: ignore[union-attr]
    assert parse_time("12:05 am").value == time(0, 5)  # type: ignore[union-attr]
    assert parse_time("--:--").value is None  # type: ignore[union-attr]
    rng = parse_time("09:00 - 11:00")
    assert rng is not None and (rng.value, rng.end) == (time(9), time(11))
    assert stated_zone("All times in UTC.").name == "UTC"  # type: ignore[union-attr]
    cest = stated_zone("All times are in UTC+2")
    assert cest is not None and cest.tz.utcoffset(None) == timedelta(hours=2)
    assert stated_zone("no zone here") is None
    assert parse_duration("54 minutes") == timedelta(minutes=54)
    assert parse_duration("2h 28m") == timedelta(minutes=148)
    assert parse_duration("1.5 hours") == timedelta(minutes=90)
    assert parse_duration("?") is None and parse_duration("N/A") is None


def test_zone_line_changes_the_reading() -> None:
    body = (
        "\n## Summary\n\nA thing broke.\n\n## Timeline\n\n| Time | Event |\n| --- | --- |\n"
        "| 2024-06-01 12:00 | It broke |\n\n## Action Items\n\n- Fix it\n"
    )
    utc = import_text("# Broke" + body, Path("INC-1.md")).packet
    cet = import_text("# Broke\n\nAll times in CET." + body, Path("INC-1.md")).packet
    assert utc is not None and cet is not None
    assert utc.timeline[0].at == _utc(2024, 6, 1, 12, 0)
    assert cet.timeline[0].at == _utc(2024, 6, 1, 11, 0)


def _bad_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "wiki"
    folder.mkdir()
    for name in ("PM2020-002 - KIAM service disruption on Hellman.md", "PM2020-005 - ALB instance attachment.md"):
        shutil.copy(DFDS / name, folder / name)
    (folder / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (folder / "latin1.md").write_bytes("# Störung\n\n## Summary\n\nÄrger im Rechenzentrum.\n".encode("latin-1"))
    (folder / "shopping-list.md").write_text("# Groceries\n\nmilk, eggs, bread\n")
    (folder / "no-dates.md").write_text("# Outage\n\n## Summary\n\nSomething broke.\n\n## Action Items\n\n- Fix\n")
    return folder


@needs_dfds
def test_a_folder_with_bad_files_imports_the_rest_and_names_them(tmp_path: Path) -> None:
    folder = _bad_folder(tmp_path)
    out = tmp_path / "packets"
    db = tmp_path / "g.lbug"
    result = runner.invoke(
        app, ["import", "markdown", str(folder), "--out", str(out), "--ingest", "--db", str(db), "--format", "json"]
    )
    assert result.exit_code == 1, result.output
    reports = {Path(r["file"]).name: r for r in json.loads(result.stdout)}
    assert reports["binary.md"]["status"] == "failed" and "binary" in reports["binary.md"]["reason"]
    assert "not valid UTF-8" in reports["latin1.md"]["reason"]
    assert "no post-mortem sections" in reports["shopping-list.md"]["reason"]
    assert "no date anywhere" in reports["no-dates.md"]["reason"]
    for bad in ("binary.md", "latin1.md", "shopping-list.md", "no-dates.md"):
        assert bad in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["PM2020-002.yaml", "PM2020-005.yaml"]
    assert read_packet(out / "PM2020-002.yaml").incident.id == "PM2020-002"
    with kb.connect(engine="ladybug", db=db) as kbase:
        counts = _counts(kbase)
    assert counts["Incident"] == 2 and counts["TimelineEvent"] == 4 + 6


@needs_dfds
def test_cli_report_for_the_dfds_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", "markdown", str(DFDS)])
    assert result.exit_code == 0, result.output
    assert "PM2020-002" in result.stdout and "template" in result.stdout
    assert "TTD 54 min, TTR 148 min" in result.stdout
    assert "nothing written" in result.stderr
    assert "imported 10 of 11 file(s); 1 template(s) skipped; 0 failed" in result.stderr


def test_cli_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", "markdown", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "no such file" in result.stderr


def _counts(kbase: KnowledgeBase) -> dict[str, int]:
    return {row.name: row.count for row in kbase.stats().itertuples()}


@needs_dfds
def test_reimporting_the_same_documents_changes_nothing(any_kb: KnowledgeBase) -> None:
    packets = [r.packet for r in import_paths([DFDS, OTHER]) if r.packet is not None]
    assert len(packets) == 13
    any_kb.ingest_packets(packets)
    before = _counts(any_kb)
    assert before["Incident"] == 13 and before["TimelineEvent"] == 61 + 12 + 6 + 5
    again = [r.packet for r in import_paths([DFDS, OTHER]) if r.packet is not None]
    any_kb.ingest_packets(again)
    assert _counts(any_kb) == before


@needs_dfds
def test_cli_import_twice_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "g.lbug"
    args = ["import", "markdown", str(DFDS), "--ingest", "--db", str(db)]
    assert runner.invoke(app, args).exit_code == 0
    with kb.connect(engine="ladybug", db=db) as kbase:
        first = _counts(kbase)
    assert runner.invoke(app, args).exit_code == 0
    with kb.connect(engine="ladybug", db=db) as kbase:
        assert _counts(kbase) == first
    assert first["Finding"] == 28 and first["Incident"] == 10


def test_a_five_digit_typo_year_is_read_as_the_four_digits_that_make_a_year() -> None:
    from ingest.markdown.dates import parse_date

    first = parse_date("20202-01-16 11:00")  # a digit typed twice at the end
    last = parse_date("First detected 22025-03-18 09:36")  # ... at the start: 2202 is no year here
    assert first is not None and first.day == date(2020, 1, 16) and first.note == "year '20202' read as 2020"
    assert last is not None and last.day == date(2025, 3, 18) and last.note == "year '22025' read as 2025"
