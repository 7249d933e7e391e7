"""PagerDuty REST API v2 JSON -> timeline and timestamps; merging into an existing packet
(a folder of packet files, or the graph on both engines) adds each event once."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import kb
from ingest import pagerduty
from ingest.markdown import import_file
from kb.cli import app
from kb.export import fetch_packet
from kb.knowledge_base import KnowledgeBase
from kb.model import EventKind
from kb.packets import read_packet, write_packet

from .conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures"
PD = FIXTURES / "pagerduty" / "incident-PXYZ123.json"
LIST = FIXTURES / "pagerduty" / "incidents-list.json"
BROKEN = FIXTURES / "pagerduty" / "broken-entry.json"
MARKDOWN = FIXTURES / "postmortems-other" / "INC-2024-017 - Checkout API errors.md"
runner = CliRunner()


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_incident_and_log_entries_become_a_packet() -> None:
    [inc] = pagerduty.read_file(PD)
    assert (inc.id, inc.number, inc.key, inc.priority, inc.service) == (
        "PXYZ123",
        1234,
        "PD-1234",
        "P2",
        "checkout-api",
    )
    packet = pagerduty.new_packet(inc)
    meta = packet.incident
    assert (meta.id, meta.severity, meta.services, meta.teams) == ("PD-1234", 2, ["checkout-api"], ["payments"])
    assert meta.started_at == _utc(2024, 3, 4, 22, 9, 5)
    assert meta.detected_at == _utc(2024, 3, 4, 22, 9, 5)  # the trigger
    assert meta.acknowledged_at == _utc(2024, 3, 4, 22, 21, 30)  # given as 14:21:30-08:00
    assert meta.resolved_at == _utc(2024, 3, 4, 22, 52)
    assert meta.tags == ["pagerduty:PXYZ123"]
    # notify is not a timeline event; the five others are, in time order, with stable ids.
    assert [(e.id, e.kind) for e in packet.timeline] == [
        ("pd-R1TRIGGER0001", EventKind.DETECTION),
        ("pd-R1ESCAL00001", EventKind.COMMUNICATION),
        ("pd-R1ACK0000001", EventKind.KEY_MOMENT),
        ("pd-R1NOTE000001", EventKind.KEY_MOMENT),
        ("pd-R1RESOLVE001", EventKind.REPAIR),
    ]
    assert packet.timeline[3].text == "Note added: Rolling back the gateway pool configuration change"
    assert {p.handle for p in packet.participants} == {"Tomasz", "Priya"}
    prov = packet.provenance
    assert (prov.source, prov.imported, prov.reviewed) == ("pagerduty", True, False)


def test_a_list_export_with_separate_log_entries() -> None:
    incs = {i.id: i for i in pagerduty.read_file(LIST)}
    assert sorted(incs) == ["PAAA111", "PBBB222"]
    a = pagerduty.new_packet(incs["PAAA111"])
    b = pagerduty.new_packet(incs["PBBB222"])
    assert (a.incident.severity, len(a.timeline), a.incident.resolved_at) == (4, 2, _utc(2024, 5, 10, 8, 40))
    assert b.incident.severity == pagerduty.DEFAULT_SEVERITY
    assert any("SEV3 assumed" in n for n in b.provenance.notes)
    assert b.incident.acknowledged_at == _utc(2024, 5, 11, 1, 34)


def test_merge_adds_each_event_once_and_reports_conflicts() -> None:
    packet = import_file(MARKDOWN).packet
    assert packet is not None
    [inc] = pagerduty.read_file(PD)
    merged, report = pagerduty.merge(packet, inc)
    assert report.added_events == 5 and report.already_present == 0
    assert len(merged.timeline) == len(packet.timeline) + 5
    assert report.filled == []
    # Document vs PagerDuty: detected 2:09 PM vs 22:09:05, acknowledged 2:21 PM vs 22:21:30, resolved 2:49 PM vs 22:52:
    # reported, not overwritten (the reviewed document wins).
    assert merged.incident.acknowledged_at == packet.incident.acknowledged_at
    assert sorted(c.split(":")[0] for c in report.conflicts) == ["acknowledged_at", "detected_at", "resolved_at"]
    # Where the packet has no times, PagerDuty fills them.
    bare = packet.model_copy(
        update={
            "incident": packet.incident.model_copy(
                update={"detected_at": None, "acknowledged_at": None, "resolved_at": None}
            )
        }
    )
    filled, fill_report = pagerduty.merge(bare, inc)
    assert fill_report.filled == ["detected_at", "acknowledged_at", "resolved_at"]
    assert filled.incident.acknowledged_at == _utc(2024, 3, 4, 22, 21, 30)
    assert "pagerduty:PXYZ123" in merged.incident.tags
    twice, again = pagerduty.merge(merged, inc)
    assert again.added_events == 0 and again.already_present == 5
    assert twice.model_dump() == merged.model_dump()


def test_a_merge_that_makes_the_packet_invalid_names_the_file_the_incident_and_the_field() -> None:
    packet = import_file(MARKDOWN).packet
    assert packet is not None
    # The packet says the incident started after PagerDuty's trigger: filling detected_at from it is refused.
    later = packet.incident.model_copy(
        update={
            "started_at": _utc(2024, 3, 5),
            "detected_at": None,
            "acknowledged_at": None,
            "resolved_at": None,
            "mitigated_at": None,
        }
    )
    [inc] = pagerduty.read_file(PD)
    with pytest.raises(pagerduty.PagerDutyError) as caught:
        pagerduty.merge(packet.model_copy(update={"incident": later, "timeline": []}), inc)
    err = caught.value
    assert err.file == PD and err.where.startswith("incident PXYZ123: incident")
    assert err.expected.startswith(f"a value the packet {packet.key} accepts: ")
    assert str(err).startswith(f"{PD}: incident PXYZ123: ")


def test_cli_merge_into_a_folder_is_idempotent(tmp_path: Path) -> None:
    folder = tmp_path / "packets"
    packet = import_file(MARKDOWN).packet
    assert packet is not None
    target = write_packet(packet, folder / "INC-2024-017.yaml")
    args = ["import", "pagerduty", str(PD), "--merge-into", str(folder), "--as", "INC-2024-017", "--format", "json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    [row] = json.loads(first.stdout)
    assert (row["incident"], row["action"], row["added_events"]) == ("INC-2024-017", "merged", 5)
    assert "skipped" in row and row["skipped"] == "notify_log_entry x1"
    after_first = target.read_text()
    assert len(read_packet(target).timeline) == 6 + 5
    # The tag now links the packet to PagerDuty: no --as needed the second time.
    second = runner.invoke(app, ["import", "pagerduty", str(PD), "--merge-into", str(folder), "--format", "json"])
    assert second.exit_code == 0, second.output
    assert json.loads(second.stdout)[0]["added_events"] == 0
    assert target.read_text() == after_first
    assert sorted(p.name for p in folder.iterdir()) == ["INC-2024-017.yaml"]


def test_cli_new_packets_and_a_broken_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["import", "pagerduty", str(LIST), str(BROKEN), "--out", str(out)])
    assert result.exit_code == 1
    assert "broken-entry.json" in result.stderr and "log_entries[0].created_at" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["PD-2001.yaml", "PD-2002.yaml"]
    data = yaml.safe_load((out / "PD-2002.yaml").read_text())
    assert data["incident"]["tags"] == ["pagerduty:PBBB222"]


def test_cli_needs_a_target(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", "pagerduty", str(PD)])
    assert result.exit_code == 2 and "--merge-into" in result.stderr


def test_not_pagerduty_json_names_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"hello": 1}')
    with pytest.raises(pagerduty.PagerDutyError, match="REST API v2"):
        pagerduty.read_file(bad)
    bad.write_text("{not json")
    with pytest.raises(pagerduty.PagerDutyError, match="valid JSON"):
        pagerduty.read_file(bad)


def _events(kbase: KnowledgeBase) -> int:
    return int(kbase.cypher("MATCH (e:TimelineEvent) RETURN count(e) AS c")["c"].iloc[0])


def test_merge_into_the_graph_twice_adds_nothing(any_kb: KnowledgeBase) -> None:
    packet = import_file(MARKDOWN).packet
    assert packet is not None
    any_kb.ingest_packets([packet])
    [inc] = pagerduty.read_file(PD)
    for _ in range(2):
        # Found by key the first time, then also by the pagerduty tag the merge adds.
        found = any_kb.query("incident_claims", key="INC-2024-017", tag=inc.tag)["incident"].tolist()
        assert found == ["INC-2024-017"]
        merged, _report = pagerduty.merge(fetch_packet(any_kb, found[0]), inc)
        any_kb.ingest_packets([merged])
        assert _events(any_kb) == 6 + 5
    by_tag = any_kb.query("incident_claims", key="none", tag="pagerduty:PXYZ123")["incident"].tolist()
    assert by_tag == ["INC-2024-017"]
    stored = fetch_packet(any_kb, "INC-2024-017")
    assert stored.incident.resolved_at == _utc(2024, 3, 4, 22, 49)  # the document's time stays
    assert "pd-R1RESOLVE001" in {e.id for e in stored.timeline}
    assert stored.incident.tags == ["pagerduty:PXYZ123"]


def test_cli_merge_into_graph(tmp_path: Path) -> None:
    db = tmp_path / "g.lbug"
    md = runner.invoke(app, ["import", "markdown", str(MARKDOWN), "--ingest", "--db", str(db)])
    assert md.exit_code == 0, md.output
    args = [
        "import",
        "pagerduty",
        str(PD),
        "--merge-into",
        "graph",
        "--as",
        "INC-2024-017",
        "--db",
        str(db),
        "--format",
        "json",
    ]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)[0]["added_events"] == 5
    second = runner.invoke(app, args)
    assert json.loads(second.stdout)[0]["added_events"] == 0
    with kb.connect(engine="ladybug", db=db) as kbase:
        assert _events(kbase) == 11
        assert kbase.incident_count() == 1
