"""Jira push against a Jira-like server on loopback, CSV export and CSV sync; both engines."""

from __future__ import annotations

import base64
import csv
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kb.analysis.gate import gate_status
from kb.cli import app
from kb.integrations.jira import JiraClient, JiraError, JiraSettings, finding_label, push_findings
from kb.integrations.jira_csv import JiraCsvError, parse_jira_date, sync_export
from kb.knowledge_base import KnowledgeBase
from kb.model import EventPacket, Finding, FindingStatus
from tests.jira_server import JiraServer
from tests.loop_fixture import loop_packets

runner = CliRunner()


def flat(text: str) -> str:
    """CLI output without rich's line wrapping."""
    return " ".join(text.split())


def packets_with_two_untracked() -> list[EventPacket]:
    """The loop fixture, with a second agreed, untracked finding on INC-B (a thankless one)."""
    packets = loop_packets()
    packets[1].analyses[0].findings.append(
        Finding(
            id="R2",
            statement="Document the hotfix path.",
            impact=2,
            effort=4,
            status=FindingStatus.AGREED,
            addresses=["F1"],
        )
    )
    return packets


@pytest.fixture
def jira() -> Iterator[JiraServer]:
    with JiraServer() as server:
        yield server


def client_for(server: JiraServer, sleeps: list[float] | None = None, timeout: float = 10.0) -> JiraClient:
    settings = JiraSettings.from_env(server.env(JIRA_TIMEOUT=str(timeout)))
    return JiraClient(settings, sleep=(sleeps.append if sleeps is not None else lambda s: None))


def jira_rows(kbase: KnowledgeBase) -> list[tuple[str, str, str]]:
    items = kbase.query("loop_work_items")
    mine = items[items["origin"] == "jira-push"]
    return sorted(zip(mine["key"], mine["finding"], mine["link_origin"], strict=True))


# -- push ---------------------------------------------------------------------------------


def test_push_creates_records_and_is_idempotent(any_kb: KnowledgeBase, jira: JiraServer) -> None:
    any_kb.ingest_packets(packets_with_two_untracked())
    assert gate_status(any_kb, ["INC-B"]).iloc[0]["status"] == "open"
    with client_for(jira) as client:
        report = push_findings(any_kb, ["INC-B"], client)
    assert report.error is None
    assert report.created == [("INC-B/finding/R1", "OPS-101"), ("INC-B/finding/R2", "OPS-102")]
    assert jira_rows(any_kb) == [
        ("jira:OPS-101", "INC-B/finding/R1", "jira-push"),
        ("jira:OPS-102", "INC-B/finding/R2", "jira-push"),
    ]
    assert gate_status(any_kb, ["INC-B"]).iloc[0]["status"] == "complete"

    first = jira.state.requests[0]
    assert first.path == "/rest/api/3/issue"
    token = base64.b64encode(b"bot@example.com:secret-token").decode()
    assert first.headers["Authorization"] == f"Basic {token}"
    fields = first.body["fields"]
    assert fields["project"] == {"key": "OPS"} and fields["issuetype"] == {"name": "Task"}
    assert fields["summary"] == "Close the hotfix path around config validation."
    assert fields["description"]["type"] == "doc" and fields["description"]["version"] == 1
    assert fields["labels"] == ["incident-kb", "INC-B", finding_label("INC-B/finding/R1")]

    with client_for(jira) as client:  # a second run creates nothing twice
        again = push_findings(any_kb, ["INC-B"], client)
    assert again.created == [] and again.error is None
    assert len(jira.state.requests) == 2 and len(jira.state.issues) == 2


def test_401_records_nothing(any_kb: KnowledgeBase, jira: JiraServer) -> None:
    any_kb.ingest_packets(loop_packets())
    jira.state.script = ["401"]
    with client_for(jira) as client:
        report = push_findings(any_kb, ["INC-B"], client)
    assert report.error is not None and report.error.status == 401
    assert "JIRA_EMAIL" in str(report.error) and "JIRA_API_TOKEN" in str(report.error)
    assert jira_rows(any_kb) == []


def test_400_names_the_fields_and_keeps_what_was_confirmed(any_kb: KnowledgeBase, jira: JiraServer) -> None:
    any_kb.ingest_packets(packets_with_two_untracked())
    jira.state.script = ["created", "400"]
    with client_for(jira) as client:
        report = push_findings(any_kb, ["INC-B"], client)
    assert report.created == [("INC-B/finding/R1", "OPS-101")]
    assert report.error is not None and report.error.status == 400
    assert "field 'summary': You must specify a summary of the issue." in str(report.error)
    assert "field 'issuetype'" in str(report.error)
    assert report.failed_finding == "INC-B/finding/R2"
    assert jira_rows(any_kb) == [("jira:OPS-101", "INC-B/finding/R1", "jira-push")]
    with client_for(jira) as client:  # the rerun creates only the one that failed
        report = push_findings(any_kb, ["INC-B"], client)
    assert report.created == [("INC-B/finding/R2", "OPS-102")]


def test_429_waits_retry_after_then_succeeds(any_kb: KnowledgeBase, jira: JiraServer) -> None:
    any_kb.ingest_packets(loop_packets())
    jira.state.script = ["429", "429"]
    sleeps: list[float] = []
    with client_for(jira, sleeps) as client:
        report = push_findings(any_kb, ["INC-B"], client)
    assert sleeps == [1.0, 1.0]
    assert report.error is None and report.created == [("INC-B/finding/R1", "OPS-101")]
    assert len(jira.state.requests) == 3


def test_429_retries_are_bounded(any_kb: KnowledgeBase, jira: JiraServer) -> None:
    any_kb.ingest_packets(loop_packets())
    jira.state.script = ["429"] * 10
    sleeps: list[float] = []
    with client_for(jira, sleeps) as client:
        report = push_findings(any_kb, ["INC-B"], client)
    assert report.error is not None and "still rate limiting (429) after 3 retries" in str(report.error)
    assert sleeps == [1.0, 1.0, 1.0] and len(jira.state.requests) == 4
    assert jira_rows(any_kb) == []


def test_429_with_a_long_retry_after_gives_up_at_once(jira: JiraServer) -> None:
    jira.state.script = ["429-long"]
    sleeps: list[float] = []
    with client_for(jira, sleeps) as client, pytest.raises(JiraError, match="asks to wait 3600 s"):
        client.create_issue({"summary": "x"})
    assert sleeps == []


def test_timeout_records_nothing_and_is_not_retried(any_kb: KnowledgeBase, jira: JiraServer) -> None:
    any_kb.ingest_packets(loop_packets())
    jira.state.script = ["slow"]
    jira.state.slow_seconds = 3.0
    with client_for(jira, timeout=0.5) as client:
        report = push_findings(any_kb, ["INC-B"], client)
    assert report.error is not None and "did not answer within 0.5 s" in str(report.error)
    assert "may still have created it" in str(report.error)
    assert len(jira.state.requests) == 1
    assert jira_rows(any_kb) == []


def test_settings_name_missing_variables() -> None:
    with pytest.raises(JiraError, match="set JIRA_API_TOKEN, JIRA_PROJECT"):
        JiraSettings.from_env({"JIRA_BASE_URL": "https://x.atlassian.net", "JIRA_EMAIL": "a@b.c"})


def test_unreachable_jira(jira: JiraServer) -> None:
    settings = JiraSettings.from_env({**jira.env(), "JIRA_BASE_URL": "http://127.0.0.1:9"})
    with JiraClient(settings) as client, pytest.raises(JiraError, match="cannot reach Jira"):
        client.create_issue({"summary": "x"})


# -- CLI ----------------------------------------------------------------------------------


def invoke(args: list[str], loop_db: Path, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    base = {"NEO4J_URI": "", "KB_ENGINE": "ladybug"}
    return runner.invoke(app, [*args, "--db", str(loop_db)], env={**base, **(env or {})})


def test_cli_gate_push(loop_db: Path, jira: JiraServer) -> None:
    result = invoke(["gate", "INC-B", "--push"], loop_db, jira.env())
    assert result.exit_code == 0, result.output
    assert "created OPS-101 for INC-B/finding/R1" in flat(result.output)
    assert "gate complete" in flat(result.output)
    again = invoke(["gate", "INC-B", "--push"], loop_db, jira.env())
    assert again.exit_code == 0 and "nothing to create in Jira" in flat(again.output)
    assert len(jira.state.issues) == 1


def test_cli_gate_push_errors(loop_db: Path, jira: JiraServer) -> None:
    unset = {v: "" for v in ("JIRA_BASE_URL", "JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_PROJECT")}
    missing = invoke(["gate", "INC-B", "--push"], loop_db, unset)
    assert missing.exit_code == 2 and "JIRA_BASE_URL" in flat(missing.output)
    jira.state.script = ["401"]
    refused = invoke(["gate", "INC-B", "--push"], loop_db, jira.env())
    assert refused.exit_code == 1 and "credentials (401)" in flat(refused.output)


def test_cli_export_jira_csv(loop_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "issues.csv"
    result = invoke(["gate", "INC-B", "--export", "jira-csv", "--out", str(out)], loop_db)
    assert result.exit_code == 1  # exporting does not track anything: the gate is still open
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["Summary", "Issue Type", "Priority", "Description", "Labels", "Labels", "Labels", "kb finding"]
    assert len(rows) == 2
    summary, issue_type, priority, description, *labels, finding = rows[1]
    assert (summary, issue_type, priority, finding) == (
        "Close the hotfix path around config validation.",
        "Task",
        "High",
        "INC-B/finding/R1",
    )
    assert "Impact 4/5, effort 1/5 (quick-win)" in description
    assert labels == ["incident-kb", "INC-B", finding_label("INC-B/finding/R1")]
    assert invoke(["gate", "INC-B", "--export", "jira-csv"], loop_db).exit_code == 2  # --out is required


# -- sync from a Jira CSV export ----------------------------------------------------------

EXPORT = """Summary,Issue key,Issue id,Issue Type,Status,Resolution,Created,Updated,Resolved,Labels,Labels
Alert on pool size changes,OPS-4,10004,Task,Done,Done,30/Apr/25 2:00 AM,02/May/25 4:00 PM,02/May/25 4:00 PM,a,b
Size pools from load tests,OPS-2,10002,Task,Reopened,Unresolved,07/Apr/25 2:00 AM,01/May/25 9:00 AM,,,
Something else,OPS-99,10099,Task,Done,Done,07/Apr/25 2:00 AM,01/May/25 9:00 AM,01/May/25 9:00 AM,,
"""


def test_sync_updates_status_and_resolution(any_kb: KnowledgeBase, tmp_path: Path) -> None:
    from zoneinfo import ZoneInfo

    any_kb.ingest_packets(loop_packets())
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    report = sync_export(any_kb, path, ZoneInfo("Europe/Copenhagen"))
    assert report.unknown == ["OPS-99"]
    items = any_kb.query("loop_work_items").set_index("key")
    # 4:00 PM in Copenhagen on 2 May 2025 (CEST, UTC+2) is 14:00 UTC.
    assert items.at["jira:OPS-4", "closed_at"] == datetime(2025, 5, 2, 14, 0, tzinfo=UTC)
    assert (items.at["jira:OPS-4", "status"], items.at["jira:OPS-4", "resolution"]) == ("Done", "Done")
    # Reopened in Jira: the resolution date is cleared.
    assert items.at["jira:OPS-2", "status"] == "Reopened"
    assert items.at["jira:OPS-2", "closed_at"] is None or str(items.at["jira:OPS-2", "closed_at"]) == "NaT"
    assert sorted(report.changes["work_item"]) == ["jira:OPS-2", "jira:OPS-4"]
    again = sync_export(any_kb, path, ZoneInfo("Europe/Copenhagen"))
    assert again.changes.empty and again.unchanged == 2


def test_sync_malformed_file_writes_nothing(any_kb: KnowledgeBase, tmp_path: Path) -> None:
    any_kb.ingest_packets(loop_packets())
    path = tmp_path / "bad.csv"
    path.write_text("Issue key,Status,Resolved\nOPS-4,Done,02/May/25 4:00 PM\nOPS-2,Done,yesterday\n")
    with pytest.raises(JiraCsvError, match="row 3, column 'Resolved'"):
        sync_export(any_kb, path)
    items = any_kb.query("loop_work_items").set_index("key")
    assert items.at["jira:OPS-4", "status"] == "In Progress"
    path.write_text("Key,Status\nOPS-4,Done\n")
    with pytest.raises(JiraCsvError, match="no column 'Issue Key'"):
        sync_export(any_kb, path)


def test_jira_dates() -> None:
    assert parse_jira_date("02/Apr/25 4:00 PM") == datetime(2025, 4, 2, 16, 0, tzinfo=UTC)
    assert parse_jira_date("2025-04-02 16:00") == datetime(2025, 4, 2, 16, 0, tzinfo=UTC)
    assert parse_jira_date("2025-04-02T18:00:00+02:00") == datetime(2025, 4, 2, 16, 0, tzinfo=UTC)
    assert parse_jira_date("") is None
    with pytest.raises(ValueError, match="not a date"):
        parse_jira_date("soon")


def test_cli_sync_jira(loop_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    result = invoke(["sync", "jira", str(path), "--format", "json"], loop_db)
    assert result.exit_code == 0, result.output
    assert "2 updated, 0 unchanged, 1 issue key(s) not in the knowledge base: OPS-99" in flat(result.output)
    assert invoke(["sync", "jira", str(tmp_path / "nope.csv")], loop_db).exit_code == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("Key,Status\nOPS-4,Done\n")
    result = invoke(["sync", "jira", str(bad)], loop_db)
    assert result.exit_code == 2 and "bad.csv: no column 'Issue Key'" in flat(result.output)
    assert invoke(["sync", "jira", str(path), "--timezone", "Mars/Olympus"], loop_db).exit_code == 2
