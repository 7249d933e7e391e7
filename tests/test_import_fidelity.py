"""The importers against hand-counted expectations: every real post-mortem in ../shared/data
(DFDS markdown, 2i2c markdown and PagerDuty PDFs; tests/fidelity/expected.yaml) and a fixture
for each timeline, zone and structure shape (tests/fidelity/shapes/). Also: importing twice
changes nothing, a bad or hostile file never takes the run down, 1 MB adversarial inputs finish."""

from __future__ import annotations

import json
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kb
from ingest.markdown import import_file, import_paths, import_text
from ingest.markdown.importer import import_pdf_bytes
from kb.cli import app
from kb.knowledge_base import KnowledgeBase
from kb.model import FindingStatus, Method

from .fidelity import adversarial
from .fidelity.compare import DATA, SHAPES, load, measure, share

runner = CliRunner()
needs_data = pytest.mark.skipif(
    not (DATA / "incident-reports-2i2c").is_dir(), reason=f"the shared real post-mortems are not at {DATA}"
)
TWO_I2C = DATA / "incident-reports-2i2c"


def _utc(y: int, mo: int, d: int, h: int, mi: int) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


@pytest.fixture(scope="module")
def real() -> list:  # type: ignore[type-arg]
    if not (DATA / "incident-reports-2i2c").is_dir():
        pytest.skip(f"the shared real post-mortems are not at {DATA}")
    return measure(load(), DATA)


@needs_data
def test_every_real_document_imports_and_the_floors_hold(real: list) -> None:  # type: ignore[type-arg]
    assert len(real) == 39  # 10 DFDS + 7 2i2c markdown + 22 PDFs; the DFDS template is not a document
    assert [(r.file, r.reason) for r in real if not r.imported] == []
    for what in ("events", "factors", "findings"):
        got, want = share(real, what)
        assert got / want >= 0.95, (what, got, want)
    right = sum(r.anchors_right for r in real)
    assert right / len(real) >= 0.95, [(r.file, r.anchors) for r in real if not r.anchors_right]
    # Events are counted exactly, document by document: none lost, none invented.
    assert [
        (r.file, r.got["events"], r.expected["events"]) for r in real if r.got["events"] != r.expected["events"]
    ] == []


def test_every_shape_fixture_reads_exactly() -> None:
    results = measure(load(SHAPES / "expected.yaml"), SHAPES)
    for r in results:
        assert r.imported, (r.file, r.reason)
        assert r.got == {k: r.expected[k] for k in r.got}, r.file
        assert r.anchors_right, (r.file, r.anchors)


def _shape(name: str):  # type: ignore[no-untyped-def]
    result = import_file(SHAPES / name)
    assert result.packet is not None, result.report.reason
    return result.packet, result.report


def test_heading_times_checkboxes_owners_and_work_items() -> None:
    p, report = _shape("heading-times-ist.md")
    assert [e.at for e in p.timeline] == [
        _utc(2024, 8, 28, 15, 22),
        _utc(2024, 8, 28, 15, 32),
        _utc(2024, 8, 28, 15, 54),
    ]
    assert p.timeline[1].text == "Activity bump is noticed but regular fixes don't seem to fix things"
    a1, a2 = p.analyses[0].findings
    assert (a1.status, a1.owner) == (FindingStatus.DONE, "yuvi")
    assert [(w.system, w.external_id, w.url) for w in a1.work_items] == [
        ("github", "example/infra#89", "https://github.com/example/infra/issues/89")
    ]
    assert a2.status is FindingStatus.AGREED and [w.external_id for w in a2.work_items] == ["#2226"]
    assert report.zone == "IST (as the document states)"


def test_date_headings_past_midnight_and_sections_in_other_words() -> None:
    p, _ = _shape("date-headings-eest.md")
    # "### 00:40" under "## May 12" follows 23:50: the next day; "## 13 May" then "14:30" lines.
    assert [e.at for e in p.timeline] == [
        _utc(2025, 5, 12, 20, 50),
        _utc(2025, 5, 12, 21, 40),
        _utc(2025, 5, 13, 11, 30),
        _utc(2025, 5, 13, 12, 51),
    ]
    assert [f.statement for f in p.analyses[0].factors] == [
        "The legacy profile set no memory limit",
        "Nobody watched the cluster during the workshop",
    ]
    f1, f2 = p.analyses[0].findings  # under "What we're doing about it"
    assert f1.owner == "alice" and f2.status is FindingStatus.DONE


def test_front_matter_setext_bold_approximate_times_five_whys_and_prose_severity() -> None:
    p, report = _shape("bold-times-preamble.md")
    inc = p.incident
    assert inc.title == "Registry outage" and inc.tags == ["dns", "registry"]
    assert inc.severity == 1  # "This is a Sev1 incident."
    assert inc.summary.startswith("The package registry was down")  # a Setext "Summary" heading
    texts = [e.text for e in p.timeline]
    assert texts[0] == "(approximate time ~19:30) DNS change rolled out to the registry zone"
    assert texts[1].startswith("(approximate time ± 19:42)")
    assert texts[3].startswith("(minutes unknown: 21:??)")
    assert p.timeline[3].at == _utc(2019, 10, 21, 21, 0)  # kept, at the known hour, not at midnight
    assert any("minutes unknown" in t or "approximate" in t for t in texts)
    whys = next(a for a in p.analyses if a.method is Method.FIVE_WHYS)
    assert [f.id for f in whys.factors] == ["w1", "w2", "w3"]
    assert [(i.source, i.target) for i in whys.influences] == [("w1", "impact"), ("w2", "w1"), ("w3", "w2")]
    review = p.analyses[0].findings[0]
    assert review.owner == "carol" and [w.external_id for w in review.work_items] == ["#123"]
    assert "no time zone stated" not in " ".join(p.provenance.notes)
    assert report.zone == "UTC (as the document states)"


def test_footnote_heading_wrapped_bullets_summer_time_misspelled_heading_attendees() -> None:
    p, _ = _shape("footnote-wrapped-zones.md")
    # Pacific Time in July is PDT (UTC-7); wrapped bullet lines join their entry.
    assert p.timeline[0].at == _utc(2023, 7, 4, 16, 10)
    assert p.timeline[0].text.endswith("size from 200 to 20, which nobody noticed in review")
    assert p.incident.severity == 2  # "SEV-2."
    assert len(p.analyses[0].factors) == 2  # "## Contributing Facotrs"
    assert [x.handle for x in p.participants] == ["alice", "bob", "carol"]
    findings = p.analyses[0].findings  # a table without closing pipes
    assert [(f.owner, [w.external_id for w in f.work_items]) for f in findings] == [("bob", ["PAY-1"]), ("carol", [])]


def test_unknown_times_kept_in_order_three_part_zone_entities_and_link_labels() -> None:
    p, report = _shape("unknown-times-iana.md")
    assert report.status == "imported"  # "HH:mm" and "??" in a real report: not a template
    assert report.zone == "America/Indiana/Indianapolis (as the document states)"
    assert [e.at for e in p.timeline] == [
        _utc(2022, 3, 14, 18, 0),
        _utc(2022, 3, 14, 18, 0),
        _utc(2022, 3, 14, 19, 20),
        _utc(2022, 3, 14, 19, 20),
        _utc(2022, 3, 14, 20, 5),
    ]
    assert p.timeline[0].text.startswith("(time unknown: 2022-03-14 HH:mm)")
    assert p.timeline[3].text.startswith("(time unknown: 2022-03-14 ??)")
    assert p.analyses[0].factors[0].statement == (
        "A schema change was merged without a migration & nobody ran the backfill."
    )  # &amp; decoded
    finding = p.analyses[0].findings[0]
    assert "Zulip stream" in finding.statement and "[" not in finding.statement
    assert [(w.system, w.external_id) for w in finding.work_items] == [("gitlab", "example/data#7")]


def test_labels_numeric_dates_and_iso_durations() -> None:
    p, report = _shape("labels-durations.md")
    assert report.stats.time_to_recovery is not None and report.stats.time_to_recovery.total_seconds() == 112 * 60
    assert sorted(x.handle for x in p.participants) == ["dana", "eve"]
    assert p.incident.severity == 2  # "Severity: P2"
    assert p.analyses[0].findings[0].work_items[0].external_id == "#45"
    # Without a TTR, the "Recovery:" label is the mitigation time (a label, not a section).
    text = (SHAPES / "labels-durations.md").read_text().replace("Time to recovery: PT1H52M\n", "")
    labelled = import_text(text.replace("Recovery: 2024.03.14 15:32", "Recovery: 2024.03.14 15:40"), Path("l.md"))
    assert labelled.packet is not None and labelled.packet.incident.mitigated_at == _utc(2024, 3, 14, 15, 40)


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "America/Indiana", "Etc/Nowhere/Deeper"])
def test_an_unknown_zone_is_a_note_for_that_file_never_a_crash(zone: str) -> None:
    text = (
        f"# Outage\n\nAll times are in {zone}.\n\n## Summary\n\nIt broke.\n\n## Timeline\n\n"
        "- 2024-06-01 12:00 It broke\n\n## Action Items\n\n- Fix it\n"
    )
    result = import_text(text, Path("zone.md"))
    assert result.packet is not None, result.report.reason
    assert result.packet.timeline[0].at == _utc(2024, 6, 1, 12, 0)
    assert any(zone in n and "not known" in n for n in result.report.notes)


def test_a_template_is_only_a_template_when_mostly_placeholders() -> None:
    blank = (
        "# Incident Title\n\n## Summary\n\n## Timeline\n\n| Time | Event |\n| --- | --- |\n"
        "| 20xx-MM-DD HH:mm | Short event description |\n\n## Action Items\n\n-\n"
    )
    assert import_text(blank, Path("x.md")).report.status == "template"
    real_one = blank.replace(
        "| 20xx-MM-DD HH:mm | Short event description |",
        "| 2024-02-03 HH:mm | Engineers restart the database cluster |\n"
        "| 2024-02-03 10:15 | The [Zulip stream] confirms recovery |",
    )
    assert import_text(real_one, Path("template-notes.md")).report.status == "imported"


@needs_data
def test_importing_twice_gives_the_same_packets() -> None:
    first = [r.packet.model_dump() for r in import_paths([DATA]) if r.packet is not None]
    second = [r.packet.model_dump() for r in import_paths([DATA]) if r.packet is not None]
    assert len(first) == 39 and first == second


def _counts(kbase: KnowledgeBase) -> dict[str, int]:
    return {row.name: row.count for row in kbase.stats().itertuples()}


@needs_data
def test_ingesting_the_real_documents_twice_changes_nothing(any_kb: KnowledgeBase) -> None:
    packets = [r.packet for r in import_paths([TWO_I2C]) if r.packet is not None]
    assert len(packets) == 29
    any_kb.ingest_packets(packets)
    before = _counts(any_kb)
    any_kb.ingest_packets([r.packet for r in import_paths([TWO_I2C]) if r.packet is not None])
    assert _counts(any_kb) == before and before["Incident"] == 29


@needs_data
def test_cli_import_pdf_names_the_bad_file_imports_the_rest(tmp_path: Path) -> None:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    for name in ("2025-08-26-leap-out-of-gpus.pdf", "2026-03-12-LIS-hub-unreachable-after-ingress-migration.pdf"):
        shutil.copy(TWO_I2C / name, folder / name)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer garbage")
    (folder / "notes.md").write_text("# Not a PDF\n")  # `kb import pdf FOLDER` reads the PDFs only
    out = tmp_path / "packets"
    db = tmp_path / "g.lbug"
    result = runner.invoke(
        app, ["import", "pdf", str(folder), "--out", str(out), "--ingest", "--db", str(db), "--format", "json"]
    )
    assert result.exit_code == 1, result.output
    reports = {Path(r["file"]).name: r for r in json.loads(result.stdout)}
    assert sorted(reports) == [
        "2025-08-26-leap-out-of-gpus.pdf",
        "2026-03-12-LIS-hub-unreachable-after-ingress-migration.pdf",
        "broken.pdf",
    ]
    assert reports["broken.pdf"]["status"] == "failed" and "broken.pdf" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "2025-08-26-leap-out-of-gpus.yaml",
        "2026-03-12-lis-hub-unreachable-after-ingress-migration.yaml",
    ]
    with kb.connect(engine="ladybug", db=db) as kbase:
        assert _counts(kbase)["Incident"] == 2


@needs_data
def test_cli_import_markdown_accepts_pdfs_and_the_unknown_zone_file(tmp_path: Path) -> None:
    odd = tmp_path / "odd.md"
    odd.write_text("# Outage\n\nAll times are in America/Indiana.\n\n## Timeline\n\n- 2024-06-01 12:00 Broke\n")
    result = runner.invoke(app, ["import", "markdown", str(odd), str(TWO_I2C / "2025-08-26-leap-out-of-gpus.pdf")])
    assert result.exit_code == 0, result.output
    assert "imported 2 of 2 file(s)" in result.stderr and "not known" in result.stdout


@pytest.mark.timeout(300)
def test_a_1mb_adversarial_markdown_file_imports_in_linear_time() -> None:
    text = adversarial.markdown()
    assert len(text) >= 1_000_000
    start = time.perf_counter()
    result = import_text(text, Path("adversarial.md"))
    elapsed = time.perf_counter() - start
    print(f"1 MB adversarial markdown: {elapsed:.2f} s, {result.report.status}")
    assert result.report.status == "imported", result.report.reason


@pytest.mark.timeout(300)
def test_a_1mb_adversarial_pdf_imports_in_linear_time() -> None:
    data = adversarial.pdf()
    assert len(data) >= 1_000_000
    start = time.perf_counter()
    result = import_pdf_bytes(data, Path("adversarial.pdf"))
    elapsed = time.perf_counter() - start
    print(f"1 MB adversarial PDF: {elapsed:.2f} s, {result.report.status}")
    assert result.report.status == "imported", result.report.reason


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("resolved_at", "2024-01-01T00:00:00Z", "resolved_at"),
        ("detected_at", "2024-01-01T23:59:00Z", "detected_at"),
        ("mitigated_at", "2024-01-01T12:00:00Z", "mitigated_at"),
    ],
)
def test_out_of_order_anchors_are_rejected_with_the_field_named(field: str, value: str, named: str) -> None:
    from pydantic import ValidationError

    from kb.model import EventPacket

    incident = {"id": "X-1", "title": "t", "severity": 2, "started_at": "2024-01-02T00:00:00Z", field: value}
    with pytest.raises(ValidationError, match=f"{named} .* is before started_at"):
        EventPacket.model_validate({"incident": incident})
    late = {**incident, field: "2024-01-03T00:00:00Z", "mitigated_at": "2024-01-03T00:00:00Z"}
    EventPacket.model_validate({"incident": late})  # in order: accepted
    with pytest.raises(ValidationError, match="resolved_at .* is before mitigated_at"):
        EventPacket.model_validate({"incident": {**late, "resolved_at": "2024-01-02T12:00:00Z"}})


def test_impossible_offsets_and_durations_are_notes_not_crashes() -> None:
    text = (
        "# Outage\n\nAll times in UTC+99.\n\n## Timeline\n\n- 2024-06-01 12:00 It broke\n\n"
        "## Stats\n\n- Time to recovery: 9999999 days\n- Time to detection: PT99999999H\n"
    )
    result = import_text(text, Path("odd.md"))
    assert result.packet is not None, result.report.reason
    assert result.packet.timeline[0].at == _utc(2024, 6, 1, 12, 0)
    assert any("UTC+99" in n for n in result.report.notes)
    assert "stats time to recovery: '9999999 days' is not a duration" in result.report.not_recognised
    broken = import_pdf_bytes(b"%PDF-1.4\nnot really", Path("broken.pdf"))
    assert broken.report.status == "failed" and "not a readable PDF" in (broken.report.reason or "")


@pytest.mark.parametrize(
    ("lines", "handles"),
    [
        ("## Attendees\n\n- AB, CD, EF\n", ["AB", "CD", "EF"]),
        ("## Attendees\n\nAB CD EF\n", ["AB", "CD", "EF"]),
        ("## Attendees\n\n@ann @bob @cy\n", ["ann", "bob", "cy"]),
        ("## Action Items\n\n- Fix it\n\nAttendees: ann, bob and cy\n", ["ann", "bob", "cy"]),
    ],
)
def test_attendee_lists_give_every_handle(lines: str, handles: list[str]) -> None:
    text = "# X\n\n## Summary\n\nOn 2024-01-01 it broke.\n\n## Timeline\n\n- 2024-01-01 10:00 It broke\n\n" + lines
    result = import_text(text, Path("a.md"))
    assert result.packet is not None
    assert [p.handle for p in result.packet.participants] == handles
