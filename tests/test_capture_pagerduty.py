"""`kb capture pagerduty` against a PagerDuty-like server on loopback: paging, errors, retries,
the same packets as the file import, idempotence, conflicts; the graph on both engines."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import kb
from kb.cli import app
from kb.graph.reader import read_packets
from kb.integrations.http_api import ApiError
from kb.integrations.pagerduty import merge_into_graph
from kb.integrations.pagerduty_api import PagerDutyClient, PagerDutySettings, capture
from kb.knowledge_base import KnowledgeBase
from kb.packets import read_packet
from tests.graph_dump import graph_dump
from tests.pagerduty_server import FIXTURES, TOKEN, PagerDutyApi, packet_text

runner = CliRunner()
YEAR = ["--since", "2024-01-01", "--until", "2024-06-01"]  # the fixtures' incidents: March and May 2024


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def pd_api() -> Iterator[PagerDutyApi]:
    with PagerDutyApi() as server:
        yield server


def run(args: list[str], env: dict[str, str]):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["capture", "pagerduty", *args], env={"NEO4J_URI": "", "KB_ENGINE": "ladybug", **env})


def client_for(server: PagerDutyApi, sleeps: list[float] | None = None, **env: str) -> PagerDutyClient:
    settings = PagerDutySettings.from_env(server.env(**env))
    return PagerDutyClient(settings, sleep=sleeps.append if sleeps is not None else lambda s: None)


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# -- the same packets as the file import ------------------------------------------------------


def test_capture_pages_and_gives_the_file_imports_packets(pd_api: PagerDutyApi, tmp_path: Path) -> None:
    out, imported = tmp_path / "captured", tmp_path / "imported"
    result = run([*YEAR, "--out", str(out)], pd_api.env())
    assert result.exit_code == 0, result.output
    # 3 incidents on pages of 2: 2 list requests; 6 + 2 + 3 log entries: 3 + 1 + 2 requests.
    assert "3 PagerDuty incident(s) read in 8 request(s)" in flat(result.output)
    assert [(r.path, r.param("offset")) for r in pd_api.requests] == [
        ("/incidents", "0"),
        ("/incidents", "2"),
        ("/incidents/PXYZ123/log_entries", "0"),
        ("/incidents/PXYZ123/log_entries", "2"),
        ("/incidents/PXYZ123/log_entries", "4"),
        ("/incidents/PAAA111/log_entries", "0"),
        ("/incidents/PBBB222/log_entries", "0"),
        ("/incidents/PBBB222/log_entries", "2"),
    ]
    first = pd_api.requests[0]
    assert first.headers["Authorization"] == f"Token token={TOKEN}"
    assert first.headers["Accept"] == "application/vnd.pagerduty+json;version=2"
    assert (first.param("since"), first.param("until")) == ("2024-01-01T00:00:00+00:00", "2024-06-01T00:00:00+00:00")
    assert (first.param("time_zone"), first.param("limit")) == ("UTC", "100")
    assert pd_api.requests[2].param("is_overview") == "false"

    files = [FIXTURES / "incident-PXYZ123.json", FIXTURES / "incidents-list.json"]
    done = runner.invoke(app, ["import", "pagerduty", *map(str, files), "--out", str(imported)])
    assert done.exit_code == 0, done.output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in imported.iterdir()) == ["PD-1234.yaml", "PD-2001.yaml", "PD-2002.yaml"]
    for name in names:
        live, filed = read_packet(out / name), read_packet(imported / name)
        assert live.model_dump(exclude={"provenance"}) == filed.model_dump(exclude={"provenance"})
        assert live.provenance.file == f"127.0.0.1/incidents/{live.incident.tags[0].removeprefix('pagerduty:')}"
    assert TOKEN not in result.output and TOKEN not in packet_text(out)


def test_a_long_range_is_asked_for_in_slices_of_180_days(pd_api: PagerDutyApi) -> None:
    with client_for(pd_api) as client:
        found = client.incidents(_utc(2023, 6, 1), _utc(2024, 12, 31), [])
    assert sorted(i["id"] for i in found) == ["PAAA111", "PBBB222", "PXYZ123"]
    windows = [(r.param("since"), r.param("until")) for r in pd_api.requests if r.param("offset") == "0"]
    assert windows == [
        ("2023-06-01T00:00:00+00:00", "2023-11-28T00:00:00+00:00"),
        ("2023-11-28T00:00:00+00:00", "2024-05-26T00:00:00+00:00"),
        ("2024-05-26T00:00:00+00:00", "2024-11-22T00:00:00+00:00"),
        ("2024-11-22T00:00:00+00:00", "2024-12-31T00:00:00+00:00"),
    ]


def test_service_filter_is_sent(pd_api: PagerDutyApi, tmp_path: Path) -> None:
    result = run([*YEAR, "--service", "PSVC002", "--service", "PSVC003", "--out", str(tmp_path)], pd_api.env())
    assert result.exit_code == 0, result.output
    assert pd_api.requests[0].params("service_ids[]") == ["PSVC002", "PSVC003"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["PD-2001.yaml", "PD-2002.yaml"]


def test_second_run_adds_nothing_and_keeps_the_users_file(pd_api: PagerDutyApi, tmp_path: Path) -> None:
    assert run([*YEAR, "--out", str(tmp_path)], pd_api.env()).exit_code == 0
    target = tmp_path / "PD-2002.yaml"
    edited = "# reviewed by wen\n" + target.read_text()
    target.write_text(edited)
    before = {p.name: p.read_text() for p in tmp_path.iterdir()}
    again = run([*YEAR, "--out", str(tmp_path), "--format", "json"], pd_api.env())
    assert again.exit_code == 0, again.output
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == before  # byte for byte, comment kept
    assert '"added_events": 0' in again.output and '"action": "merged"' in again.output


def test_a_reviewers_time_is_a_conflict_not_overwritten(pd_api: PagerDutyApi, tmp_path: Path) -> None:
    assert run([*YEAR, "--out", str(tmp_path)], pd_api.env()).exit_code == 0
    target = tmp_path / "PD-2002.yaml"
    data = yaml.safe_load(target.read_text())
    data["incident"]["resolved_at"] = "2024-05-11T02:20:00Z"  # the reviewer's reading
    target.write_text(yaml.safe_dump(data, sort_keys=False))
    again = run([*YEAR, "--out", str(tmp_path)], pd_api.env())
    assert again.exit_code == 0, again.output
    assert "1 with conflicts" in flat(again.output)
    assert "resolved_at: packet 2024-05-11T02:20:00+00:00, PagerDuty 2024-05-11T02:05:00+00:00" in flat(again.output)
    assert read_packet(target).incident.resolved_at == _utc(2024, 5, 11, 2, 20)


def test_never_overwrites_a_file_it_did_not_create(pd_api: PagerDutyApi, tmp_path: Path) -> None:
    foreign = tmp_path / "PD-2001.yaml"
    foreign.write_text("notes: my own file, not a packet\n")
    result = run([*YEAR, "--out", str(tmp_path)], pd_api.env())
    assert result.exit_code == 2
    assert foreign.read_text() == "notes: my own file, not a packet\n"
    assert "PD-2001.yaml already exists" in flat(result.output) and "--force" in flat(result.output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["PD-2001.yaml"]  # all of the capture lands, or none
    forced = run([*YEAR, "--out", str(tmp_path), "--force"], pd_api.env())
    # The foreign file is still reported (it was no packet to merge into), then replaced as asked.
    assert forced.exit_code == 1 and "PD-2001.yaml: not merged into" in flat(forced.output), forced.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["PD-1234.yaml", "PD-2001.yaml", "PD-2002.yaml"]
    assert "notes: my own file" not in (tmp_path / "PD-2001.yaml").read_text()


# -- the graph, both engines ----------------------------------------------------------------


def test_capture_into_the_graph_reads_back_exactly_and_twice_adds_nothing(
    any_kb: KnowledgeBase, pd_api: PagerDutyApi
) -> None:
    with client_for(pd_api) as client:
        got = capture(client, _utc(2024, 1, 1), _utc(2024, 6, 1))
    assert got.errors == [] and got.requests == 8
    first = merge_into_graph(any_kb, got.incidents)
    assert [m.report.created for m in first.merged] == [True, True, True]
    [packet] = read_packets(any_kb, ["PD-1234"])
    meta = packet.incident
    assert (meta.started_at, meta.detected_at, meta.acknowledged_at, meta.resolved_at) == (
        _utc(2024, 3, 4, 22, 9, 5),
        _utc(2024, 3, 4, 22, 9, 5),
        _utc(2024, 3, 4, 22, 21, 30),  # given by PagerDuty as 14:21:30-08:00
        _utc(2024, 3, 4, 22, 52),
    )
    assert meta.acknowledged_at is not None and meta.acknowledged_at.utcoffset() is not None
    assert [e.at for e in packet.timeline][:2] == [_utc(2024, 3, 4, 22, 9, 5), _utc(2024, 3, 4, 22, 19, 5)]
    dump = graph_dump(any_kb)
    assert TOKEN not in repr(dump)

    with client_for(pd_api) as client:
        again = merge_into_graph(any_kb, capture(client, _utc(2024, 1, 1), _utc(2024, 6, 1)).incidents)
    assert [(m.report.created, m.report.added_events, m.report.conflicts) for m in again.merged] == [
        (False, 0, []),
        (False, 0, []),
        (False, 0, []),
    ]
    assert graph_dump(any_kb) == dump


def test_cli_ingest_then_again(pd_api: PagerDutyApi, tmp_path: Path) -> None:
    db = tmp_path / "graph.lbug"
    result = run([*YEAR, "--ingest", "--db", str(db), "--format", "json"], pd_api.env())
    assert result.exit_code == 0, result.output
    assert result.output.count('"action": "created"') == 3
    again = run([*YEAR, "--ingest", "--db", str(db), "--format", "json"], pd_api.env())
    assert again.exit_code == 0 and again.output.count('"added_events": 0') == 3
    with kb.connect(engine="ladybug", db=db) as kbase:
        assert sorted(kbase.query("incident_claims", key="PD-2001", tag="pagerduty:PAAA111")["incident"]) == ["PD-2001"]
        assert TOKEN not in repr(graph_dump(kbase))


# -- what goes wrong -------------------------------------------------------------------------


def test_401_is_one_line_saying_what_to_set(pd_api: PagerDutyApi, tmp_path: Path) -> None:
    result = run([*YEAR, "--out", str(tmp_path)], pd_api.env(PAGERDUTY_API_TOKEN="wrong-token-77"))
    assert result.exit_code == 2
    assert flat(result.output) == ("error: PagerDuty answered 401: set PAGERDUTY_API_TOKEN to a valid REST API key")
    assert "Traceback" not in result.output and "wrong-token-77" not in result.output
    assert pd_api.requests[0].headers["Authorization"] == "Token token=wrong-token-77"
    assert list(tmp_path.iterdir()) == []


def test_the_token_is_in_no_log_record(pd_api: PagerDutyApi, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # httpx and httpcore log every request at DEBUG/INFO
    with client_for(pd_api) as client:
        capture(client, _utc(2024, 1, 1), _utc(2024, 6, 1))
    assert "/incidents" in caplog.text  # the records were captured...
    assert TOKEN not in caplog.text  # ...and none holds the token


def test_settings_never_show_their_secrets(pd_api: PagerDutyApi) -> None:
    from kb.integrations.jira import JiraSettings
    from kb.integrations.prometheus import PrometheusSettings

    shown = repr(PagerDutySettings.from_env(pd_api.env()))
    shown += repr(PrometheusSettings.from_env(pd_api.url, {"PROMETHEUS_TOKEN": "prom-77"}))
    shown += repr(JiraSettings(pd_api.url, "a@b.c", "jira-77", "OPS"))
    assert pd_api.url in shown
    assert TOKEN not in shown and "prom-77" not in shown and "jira-77" not in shown


def test_missing_token_and_clear_text_http(pd_api: PagerDutyApi, tmp_path: Path) -> None:
    missing = run([*YEAR, "--out", str(tmp_path)], {"PAGERDUTY_API_TOKEN": ""})
    assert missing.exit_code == 2 and "set PAGERDUTY_API_TOKEN to a REST API key" in flat(missing.output)
    plain = run([*YEAR, "--out", str(tmp_path)], pd_api.env(PAGERDUTY_BASE_URL="http://pagerduty.example.com"))
    assert plain.exit_code == 2 and "uses http://" in flat(plain.output)
    assert pd_api.requests == []  # refused before sending the token anywhere
    none = run(YEAR, pd_api.env())
    assert none.exit_code == 2 and "give --out DIR" in flat(none.output)
    backwards = run(["--since", "2024-05-01", "--until", "2024-04-01", "--out", str(tmp_path)], pd_api.env())
    assert backwards.exit_code == 2 and "is not after --since" in flat(backwards.output)


def test_429_waits_its_retry_after_then_goes_on(pd_api: PagerDutyApi) -> None:
    pd_api.script = [("429", 7)]
    sleeps: list[float] = []
    with client_for(pd_api, sleeps) as client:
        got = capture(client, _utc(2024, 1, 1), _utc(2024, 6, 1))
    assert sleeps == [7.0] and len(got.incidents) == 3 and got.requests == 9


def test_429_without_retry_after_uses_ratelimit_reset_else_backs_off(pd_api: PagerDutyApi) -> None:
    limited = {"error": {"message": "Rate Limit Exceeded", "code": 2020}}
    pd_api.script = [("json", 429, limited, {"ratelimit-reset": "12"}), ("json", 429, limited)]
    sleeps: list[float] = []
    with client_for(pd_api, sleeps) as client:
        assert len(client.incidents(_utc(2024, 1, 1), _utc(2024, 6, 1), [])) == 3
    assert sleeps == [12.0, 2.0]


def test_5xx_backs_off_then_succeeds_and_gives_up_when_bounded(pd_api: PagerDutyApi) -> None:
    pd_api.script = [("503",), ("502",)]
    sleeps: list[float] = []
    with client_for(pd_api, sleeps) as client:
        assert len(client.incidents(_utc(2024, 1, 1), _utc(2024, 6, 1), [])) == 3
    assert sleeps == [1.0, 2.0]
    pd_api.requests.clear()
    pd_api.script = [("503",)] * 4
    with client_for(pd_api, []) as client, pytest.raises(ApiError, match="still answering 503 after 3 retries"):
        client.incidents(_utc(2024, 1, 1), _utc(2024, 6, 1), [])
    assert len(pd_api.requests) == 4


def test_a_retry_after_beyond_the_bound_stops_at_once(pd_api: PagerDutyApi) -> None:
    pd_api.script = [("429", 3600)]
    with client_for(pd_api, []) as client, pytest.raises(ApiError, match="asks to wait 3600 s"):
        client.incidents(_utc(2024, 1, 1), _utc(2024, 6, 1), [])
    assert len(pd_api.requests) == 1


def test_time_out_and_malformed_bodies_exit_2(pd_api: PagerDutyApi, tmp_path: Path) -> None:
    pd_api.script = [("slow", 2.0)]
    slow = run([*YEAR, "--out", str(tmp_path)], pd_api.env(PAGERDUTY_TIMEOUT="0.3"))
    assert slow.exit_code == 2
    assert "PagerDuty did not answer within 0.3 s while reading the incident list" in flat(slow.output)
    assert "raise PAGERDUTY_TIMEOUT" in flat(slow.output)
    pd_api.script = [("garbage",)]
    html = run([*YEAR, "--out", str(tmp_path)], pd_api.env())
    assert html.exit_code == 2 and "a body that is not JSON (text/html)" in flat(html.output)
    pd_api.script = [("json", 200, {"incidents": {"id": "P1"}})]
    shape = run([*YEAR, "--out", str(tmp_path)], pd_api.env())
    assert shape.exit_code == 2 and 'expected an object with a "incidents" list' in flat(shape.output)
    assert "Traceback" not in slow.output + html.output + shape.output
    assert list(tmp_path.iterdir()) == []


def test_an_incident_the_importer_rejects_is_reported_the_others_merged(tmp_path: Path) -> None:
    incidents = [
        {"id": "PGOOD1", "incident_number": 7, "title": "ok", "created_at": "2024-04-01T00:00:00Z", "log_entries": []},
        {
            "id": "PBAD1",
            "incident_number": 8,
            "title": "bad",
            "created_at": "2024-04-02T00:00:00Z",
            "log_entries": [{"id": "X1", "type": "trigger_log_entry", "created_at": "yesterday"}],
        },
    ]
    with PagerDutyApi(incidents) as server:
        result = run([*YEAR, "--out", str(tmp_path)], server.env())
    assert result.exit_code == 1
    assert "PagerDuty incident PBAD1: not merged, incidents[0].log_entries[0].created_at" in flat(result.output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["PD-7.yaml"]
