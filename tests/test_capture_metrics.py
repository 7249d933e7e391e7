"""`kb capture metrics` against a Prometheus-like HTTP API on loopback (/api/v1/query_range):
the incident window, snapshots in packet files and the graph (both engines), idempotence,
conflicts, and the errors (401, 400, 5xx, time-out, malformed body)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kb.cli import app
from kb.graph.reader import read_packets
from kb.integrations.http_api import ApiError
from kb.integrations.prometheus import (
    PrometheusClient,
    PrometheusSettings,
    capture_metrics,
    incident_window,
    snapshot_names,
)
from kb.knowledge_base import KnowledgeBase
from kb.model import EventPacket
from kb.packets import read_packet
from tests.api_server import Answer, ApiServer, Request
from tests.graph_dump import graph_dump

runner = CliRunner()
TOKEN = "prom-bearer-5d0e"
PACKET = """\
# compiled by wen; keep this comment
incident:
  id: INC-M
  title: Checkout errors
  severity: 2
  started_at: '2026-11-01T10:00:00Z'
  resolved_at: '2026-11-01T11:00:00Z'
"""


def flat(text: str) -> str:
    return " ".join(text.split())


def _unix(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class PrometheusApi(ApiServer):
    """Range queries: `errors` one series, `by_pod` two (pods a and b), `odd` NaN and fractional
    times, `instant` a vector result (what an instant query gives), `bad(` a parse error."""

    def __init__(self, token: str | None = TOKEN) -> None:
        self.token = token
        super().__init__(self._answer)

    def _answer(self, req: Request) -> Answer:
        if self.token and req.headers.get("Authorization") != f"Bearer {self.token}":
            return Answer(401, {"status": "error", "errorType": "unauthorized", "error": "unauthorized"})
        if req.path != "/api/v1/query_range":
            return Answer(404, {"status": "error", "errorType": "not_found", "error": "not found"})
        query = req.param("query") or ""
        start, end = _unix(req.param("start") or ""), _unix(req.param("end") or "")
        step = float((req.param("step") or "").removesuffix("s"))
        times = [start + i * step for i in range(int((end - start) // step) + 1)]
        if query.startswith("bad("):
            return Answer(400, {"status": "error", "errorType": "bad_data", "error": 'parse error: unexpected "("'})
        if query == "instant":
            return Answer(200, {"status": "success", "data": {"resultType": "vector", "result": []}})
        if query == "none":
            result: list[dict[str, Any]] = []
        elif query == "by_pod":
            result = [
                {"metric": {"job": "api", "pod": pod}, "values": [[t, str(k)] for t in times]}
                for k, pod in ((1, "a"), (2, "b"))
            ]
        elif query == "odd":
            result = [
                {"metric": {}, "values": [[start + 0.781, "1.5"], [start + step, "NaN"], [start + 2 * step, "+Inf"]]}
            ]
        else:
            result = [{"metric": {"__name__": query}, "values": [[t, str((t - start) / 60)] for t in times]}]
        return Answer(200, {"status": "success", "data": {"resultType": "matrix", "result": result}})


@pytest.fixture
def prom() -> Iterator[PrometheusApi]:
    with PrometheusApi() as server:
        yield server


def run(args: list[str], env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    base = {"NEO4J_URI": "", "KB_ENGINE": "ladybug", "PROMETHEUS_TOKEN": TOKEN}
    return runner.invoke(app, ["capture", "metrics", *args], env={**base, **(env or {})})


def folder(tmp_path: Path) -> Path:
    (tmp_path / "packets").mkdir()
    (tmp_path / "packets" / "INC-M.yaml").write_text(PACKET)
    return tmp_path / "packets"


def test_window_snapshots_and_a_second_run(prom: PrometheusApi, tmp_path: Path) -> None:
    packets = folder(tmp_path)
    args = ["INC-M", "--prometheus", prom.url, "--query", "errors=sum(rate(http_errors_total[5m]))"]
    result = run([*args, "--query", "pods=by_pod", "--out", str(packets)])
    assert result.exit_code == 0, result.output
    [first, second] = prom.requests
    # 09:30 to 11:30 (30 min each side), 7200 s / 240 points = 30 s a step
    assert (first.param("start"), first.param("end"), first.param("step")) == (
        "2026-11-01T09:30:00Z",
        "2026-11-01T11:30:00Z",
        "30s",
    )
    assert first.param("query") == "sum(rate(http_errors_total[5m]))" and second.param("query") == "by_pod"
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"
    text = (packets / "INC-M.yaml").read_text()
    assert text.startswith("# compiled by wen; keep this comment\n") and TOKEN not in text + result.output
    packet = read_packet(packets / "INC-M.yaml")
    assert [m.name for m in packet.metrics] == ["errors", 'pods{pod="a"}', 'pods{pod="b"}']
    errors = packet.metrics[0]
    assert len(errors.points) == 241
    assert (errors.points[0].at, errors.points[0].value) == (datetime(2026, 11, 1, 9, 30, tzinfo=UTC), 0.0)
    assert (errors.points[-1].at, errors.points[-1].value) == (datetime(2026, 11, 1, 11, 30, tzinfo=UTC), 120.0)
    assert errors.link is not None and errors.link.startswith(f"{prom.url}/graph?g0.expr=sum%28rate")
    assert "3 snapshot(s) added" in flat(result.output) and "2 request(s)" in flat(result.output)

    again = run([*args, "--query", "pods=by_pod", "--out", str(packets)])
    assert again.exit_code == 0, again.output
    assert (packets / "INC-M.yaml").read_text() == text
    assert "0 snapshot(s) added" in flat(again.output) and "3 already present" in flat(again.output)


def test_a_different_series_of_the_same_name_is_a_conflict(prom: PrometheusApi, tmp_path: Path) -> None:
    packets = folder(tmp_path)
    target = packets / "INC-M.yaml"
    target.write_text(PACKET + "metrics:\n- name: errors\n  points:\n  - at: '2026-11-01T10:05:00Z'\n    value: 3.0\n")
    before = target.read_text()
    result = run(["INC-M", "--prometheus", prom.url, "--query", "errors=x", "--out", str(packets)])
    assert result.exit_code == 0, result.output
    assert target.read_text() == before
    assert "1 conflict(s) kept as the packet has them" in flat(result.output)
    json_run = run(["INC-M", "--prometheus", prom.url, "--query", "errors=x", "--out", str(packets), "-f", "json"])
    assert '"snapshot": "errors"' in json_run.output
    assert "conflict: the packet holds 1 point(s), Prometheus 241 different ones" in json_run.output


def test_step_before_after_and_odd_values(prom: PrometheusApi, tmp_path: Path) -> None:
    packets = folder(tmp_path)
    args = ["INC-M", "--prometheus", prom.url, "--query", "odd=odd", "--out", str(packets)]
    result = run([*args, "--before", "1h", "--after", "90s", "--step", "1m"])
    assert result.exit_code == 0, result.output
    req = prom.requests[0]
    assert (req.param("start"), req.param("end"), req.param("step")) == (
        "2026-11-01T09:00:00Z",
        "2026-11-01T11:01:30Z",
        "60s",
    )
    [odd] = read_packet(packets / "INC-M.yaml").metrics
    assert [(p.at, p.value) for p in odd.points] == [(datetime(2026, 11, 1, 9, 0, 0, 781000, tzinfo=UTC), 1.5)]
    assert "2 point(s) not a finite number left out" in flat(result.output)


def _packet() -> EventPacket:
    return EventPacket.model_validate(
        {
            "incident": {
                "id": "INC-M",
                "title": "Checkout errors",
                "started_at": "2026-11-01T10:00:00Z",
                "mitigated_at": "2026-11-01T12:40:00+01:00",  # 11:40 UTC: the window ends 12:10 UTC
            }
        }
    )


def test_the_graph_on_both_engines_reads_back_exactly(any_kb: KnowledgeBase, prom: PrometheusApi) -> None:
    any_kb.ingest_packets([_packet()])
    [stored] = read_packets(any_kb, ["INC-M"])
    settings = PrometheusSettings.from_env(prom.url, {"PROMETHEUS_TOKEN": TOKEN})
    window = incident_window(stored, timedelta(minutes=30), timedelta(minutes=30))
    assert (window.start, window.end, window.step) == (
        datetime(2026, 11, 1, 9, 30, tzinfo=UTC),
        datetime(2026, 11, 1, 12, 10, tzinfo=UTC),
        40,  # 9600 s / 240
    )
    with PrometheusClient(settings) as client:
        updated, rep = capture_metrics(client, stored, [("odd", "odd"), ("errors", "errors")], window)
    assert rep.added == ["odd", "errors"]
    any_kb.ingest_packets([updated])
    [back] = read_packets(any_kb, ["INC-M"])
    assert back.metrics == updated.metrics
    assert back.metrics[0].points[0].at == datetime(2026, 11, 1, 9, 30, 0, 781000, tzinfo=UTC)
    assert back.metrics[1].points[-1].at == datetime(2026, 11, 1, 12, 10, tzinfo=UTC)
    assert TOKEN not in repr(graph_dump(any_kb))


def test_cli_graph_path_and_again(loop_db: Path, prom: PrometheusApi) -> None:
    args = ["INC-A", "--prometheus", prom.url, "--query", "errors=errors", "--db", str(loop_db)]
    result = run(args)
    assert result.exit_code == 0, result.output
    assert "1 snapshot(s) added to the knowledge base" in flat(result.output)
    # INC-A: 00:00 to 12:00 UTC; 13 h / 240 points = 195 s a step
    assert prom.requests[0].param("step") == "195s"
    again = run(args)
    assert again.exit_code == 0 and "1 already present" in flat(again.output)


def test_errors_are_one_line_and_write_nothing(prom: PrometheusApi, tmp_path: Path) -> None:
    packets = folder(tmp_path)
    before = (packets / "INC-M.yaml").read_text()
    base = ["INC-M", "--prometheus", prom.url, "--out", str(packets)]

    refused = run([*base, "--query", "e=errors"], {"PROMETHEUS_TOKEN": "not-it-31"})
    assert refused.exit_code == 2
    assert flat(refused.output) == (
        "error: Prometheus answered 401: set PROMETHEUS_TOKEN to a bearer token the server accepts"
    )
    assert "not-it-31" not in refused.output
    bad = run([*base, "--query", "e=bad(x"])
    assert bad.exit_code == 2 and 'answered 400 for the query e: parse error: unexpected "("' in flat(bad.output)
    vector = run([*base, "--query", "e=instant"])
    assert vector.exit_code == 2 and 'expected a "matrix" result' in flat(vector.output)
    prom.script = [("garbage",)]
    html = run([*base, "--query", "e=errors"])
    assert html.exit_code == 2 and "not JSON" in flat(html.output)
    prom.script = [("slow", 2.0)]
    slow = run([*base, "--query", "e=errors"], {"PROMETHEUS_TIMEOUT": "0.3"})
    assert slow.exit_code == 2 and "Prometheus did not answer within 0.3 s" in flat(slow.output)
    # the second query fails: the first one's snapshot is not written either
    two = run([*base, "--query", "a=errors", "--query", "b=bad(x"])
    assert two.exit_code == 2
    assert (packets / "INC-M.yaml").read_text() == before
    outputs = refused.output + bad.output + vector.output + html.output + slow.output + two.output
    assert "Traceback" not in outputs

    for args, says in (
        (["--query", "noequals"], "expected NAME=PROMQL"),
        (["--query", "a=x", "--query", "a=y"], "the name 'a' is given twice"),
        (["--query", "a=x", "--before", "soon"], "expected a duration like 30m"),
        (["--query", "a=x", "--step", "1s", "--before", "30d"], "more than 11000 points"),
    ):
        r = run([*base, *args])
        assert r.exit_code == 2 and says in flat(r.output), r.output
    unknown = run(["INC-X", "--prometheus", prom.url, "--query", "a=x", "--out", str(packets)])
    assert unknown.exit_code == 2 and "no packet of incident INC-X" in flat(unknown.output)
    plain = run(["INC-M", "--prometheus", "http://prometheus.example.com", "--query", "a=x", "--out", str(packets)])
    assert plain.exit_code == 2 and "uses http://" in flat(plain.output)


def test_5xx_then_success_and_no_series(prom: PrometheusApi) -> None:
    prom.script = [("503",)]
    sleeps: list[float] = []
    settings = PrometheusSettings.from_env(prom.url, {"PROMETHEUS_TOKEN": TOKEN})
    packet = _packet()
    window = incident_window(packet, timedelta(0), timedelta(0), 60)
    with PrometheusClient(settings, sleep=sleeps.append) as client:
        _, rep = capture_metrics(client, packet, [("e", "errors"), ("n", "none")], window)
        assert len(client.requests) == 3
    assert sleeps == [1.0] and rep.added == ["e"] and rep.empty == ["n"]


def test_an_open_incident_has_no_window() -> None:
    packet = EventPacket.model_validate(
        {"incident": {"id": "INC-O", "title": "open", "started_at": "2026-11-01T10:00:00Z"}}
    )
    with pytest.raises(ApiError, match="nothing says when it ended"):
        incident_window(packet, timedelta(0), timedelta(0))


def test_series_names() -> None:
    from kb.integrations.prometheus import Series

    one = [Series({"job": "api"}, [])]
    two = [Series({"job": "api", "pod": "a"}, []), Series({"job": "api", "pod": "b", "zone": "x"}, [])]
    assert snapshot_names("lat", one) == ["lat"]
    assert snapshot_names("lat", two) == ['lat{pod="a",zone=""}', 'lat{pod="b",zone="x"}']
