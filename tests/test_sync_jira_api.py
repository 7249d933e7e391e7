"""`kb sync jira --api` against a Jira-like search API on loopback (POST /rest/api/3/search/jql):
batches, nextPageToken paging, a deleted key, 401, 429, 5xx, time-out, malformed body; both engines."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kb.cli import app
from kb.integrations import jira_api_sync
from kb.integrations.http_api import ApiError
from kb.integrations.jira_api_sync import sync_api
from kb.knowledge_base import KnowledgeBase
from tests.api_server import Answer, ApiServer, Request
from tests.graph_dump import graph_dump
from tests.loop_fixture import loop_packets

runner = CliRunner()
EMAIL, TOKEN = "bot@example.com", "jira-secret-81c2"


def flat(text: str) -> str:
    return " ".join(text.split())


def _issue(key: str, status: str, resolution: str | None, date: str | None) -> dict[str, Any]:
    return {
        "id": str(10000 + int(key.split("-")[1])),
        "key": key,
        "fields": {
            "status": {"name": status, "statusCategory": {"key": "done" if resolution else "indeterminate"}},
            "resolution": {"name": resolution} if resolution else None,
            "resolutiondate": date,
        },
    }


class JiraSearchApi(ApiServer):
    """Answers like Jira Cloud's enhanced search: a JQL `key in (...)`, pages of `page` issues."""

    def __init__(self, page: int = 2) -> None:
        self.page = page
        self.issues = {
            # OPS-1 and OPS-3 as the graph has them (the fixture states no resolution).
            "OPS-1": _issue("OPS-1", "Done", None, "2025-01-22T12:00:00.000+0000"),
            "OPS-2": _issue("OPS-2", "Reopened", None, None),
            "OPS-3": _issue("OPS-3", "Done", None, "2025-04-26T02:00:00.000+0200"),  # = 00:00 UTC
            "OPS-4": _issue("OPS-4", "Done", "Fixed", "2025-05-02T16:00:00.000+0200"),
        }
        super().__init__(self._answer)

    def env(self, **overrides: str) -> dict[str, str]:
        return {"JIRA_BASE_URL": self.url, "JIRA_EMAIL": EMAIL, "JIRA_API_TOKEN": TOKEN, **overrides}

    def _answer(self, req: Request) -> Answer:
        expected = "Basic " + base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
        if req.headers.get("Authorization") != expected:
            return Answer(401, {"errorMessages": ["You are not authenticated."], "errors": {}})
        if (req.method, req.path) != ("POST", "/rest/api/3/search/jql"):
            return Answer(404, {"errorMessages": ["Not found"], "errors": {}})
        m = re.fullmatch(r"key in \((.*)\)", req.body["jql"])
        assert m, req.body["jql"]
        keys = [k.strip().strip('"') for k in m.group(1).split(",")]
        gone = [k for k in keys if k not in self.issues]
        if gone:
            return Answer(
                400,
                {"errorMessages": [f"An issue with key '{gone[0]}' does not exist for field 'key'."], "errors": {}},
            )
        found = [self.issues[k] for k in keys]
        start = int(req.body.get("nextPageToken") or 0)
        size = min(req.body.get("maxResults", 50), self.page)
        chunk = found[start : start + size]
        last = start + size >= len(found)
        body: dict[str, Any] = {"issues": chunk, "isLast": last}
        if not last:
            body["nextPageToken"] = str(start + size)
        return Answer(200, body)


@pytest.fixture
def jira() -> Iterator[JiraSearchApi]:
    with JiraSearchApi() as server:
        yield server


def items_of(kbase: KnowledgeBase) -> dict[str, tuple[Any, ...]]:
    frame = kbase.query("loop_work_items").drop_duplicates("key").set_index("key")
    return {
        k: (r["status"], r["resolution"] if isinstance(r["resolution"], str) else None, r["closed_at"])
        for k, r in frame.iterrows()
    }


def test_sync_reads_every_tracked_item_and_reads_back_exactly(any_kb: KnowledgeBase, jira: JiraSearchApi) -> None:
    any_kb.ingest_packets(loop_packets())
    result = sync_api(any_kb, jira.env(), sleep=lambda s: None)
    assert result.requests == 2 and result.not_found == []  # 4 keys, pages of 2
    [first, second] = jira.requests
    assert first.body == {
        "jql": 'key in ("OPS-1", "OPS-2", "OPS-3", "OPS-4")',
        "fields": ["status", "resolution", "resolutiondate"],
        "maxResults": 100,
    }
    assert second.body["nextPageToken"] == "2"
    assert first.headers["Authorization"] == "Basic " + base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
    assert sorted(result.report.changes["work_item"]) == ["jira:OPS-2", "jira:OPS-4"]
    assert result.report.unchanged == 2
    items = items_of(any_kb)
    assert items["jira:OPS-4"][:2] == ("Done", "Fixed")
    assert items["jira:OPS-4"][2] == datetime(2025, 5, 2, 14, 0, tzinfo=UTC)  # 16:00 +0200
    assert items["jira:OPS-2"][0] == "Reopened"
    assert items["jira:OPS-2"][2] is None or str(items["jira:OPS-2"][2]) == "NaT"  # reopened: no resolution date
    dump = graph_dump(any_kb)
    assert TOKEN not in repr(dump)
    again = sync_api(any_kb, jira.env(), sleep=lambda s: None)
    assert again.report.changes.empty and again.report.unchanged == 4
    assert graph_dump(any_kb) == dump


def test_keys_go_in_batches_and_a_deleted_key_is_left_out(
    ladybug_kb: KnowledgeBase, jira: JiraSearchApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    ladybug_kb.ingest_packets(loop_packets())
    monkeypatch.setattr(jira_api_sync, "BATCH", 3)
    del jira.issues["OPS-2"]  # deleted in Jira: the JQL naming it is refused with 400
    result = sync_api(ladybug_kb, jira.env(), sleep=lambda s: None)
    assert [r.body["jql"] for r in jira.requests] == [
        'key in ("OPS-1", "OPS-2", "OPS-3")',
        'key in ("OPS-1", "OPS-3")',
        'key in ("OPS-4")',
    ]
    assert result.not_found == ["OPS-2"] and result.requests == 3
    assert items_of(ladybug_kb)["jira:OPS-2"][0] == "Done"  # untouched


def test_429_and_5xx_are_retried(ladybug_kb: KnowledgeBase, jira: JiraSearchApi) -> None:
    ladybug_kb.ingest_packets(loop_packets())
    jira.script = [("429", 5), ("500",)]
    sleeps: list[float] = []
    result = sync_api(ladybug_kb, jira.env(), sleep=sleeps.append)
    assert sleeps == [5.0, 2.0]  # the second failure in a row waits twice the first back-off
    assert result.requests == 4 and len(result.report.changes) == 2


def test_a_bad_second_page_writes_nothing(ladybug_kb: KnowledgeBase, jira: JiraSearchApi) -> None:
    ladybug_kb.ingest_packets(loop_packets())
    before = items_of(ladybug_kb)
    jira.script = [
        ("json", 200, {"issues": [_issue("OPS-1", "Done", "Done", None)], "nextPageToken": "1"}),
        ("garbage",),
    ]
    with pytest.raises(ApiError, match="a body that is not JSON"):
        sync_api(ladybug_kb, jira.env(), sleep=lambda s: None)
    jira.script = [("json", 200, {"issues": [{"key": "OPS-1", "fields": {"status": "Done"}}]})]
    with pytest.raises(ApiError, match='OPS-1: fields.status like {"name": "Done"}'):
        sync_api(ladybug_kb, jira.env(), sleep=lambda s: None)
    assert items_of(ladybug_kb) == before


def invoke(args: list[str], loop_db: Path, env: dict[str, str]):  # type: ignore[no-untyped-def]
    base = {"NEO4J_URI": "", "KB_ENGINE": "ladybug", "JIRA_PROJECT": ""}
    return runner.invoke(app, [*args, "--db", str(loop_db)], env={**base, **env})


def test_cli_sync_jira_api(loop_db: Path, jira: JiraSearchApi) -> None:
    result = invoke(["sync", "jira", "--api", "--format", "json"], loop_db, jira.env())
    assert result.exit_code == 0, result.output
    assert "2 updated, 2 unchanged, 0 tracked issue key(s) Jira did not return; 2 request(s)" in flat(result.output)
    assert TOKEN not in result.output


def test_cli_sync_jira_api_errors(loop_db: Path, jira: JiraSearchApi, tmp_path: Path) -> None:
    refused = invoke(["sync", "jira", "--api"], loop_db, jira.env(JIRA_API_TOKEN="not-the-token-5"))
    assert refused.exit_code == 2
    assert flat(refused.output) == (
        "error: Jira answered 401: check JIRA_EMAIL and JIRA_API_TOKEN (an API token, not the account password)"
    )
    assert "not-the-token-5" not in refused.output
    jira.script = [("slow", 2.0)]
    slow = invoke(["sync", "jira", "--api"], loop_db, jira.env(JIRA_TIMEOUT="0.3"))
    assert slow.exit_code == 2 and "Jira did not answer within 0.3 s" in flat(slow.output)
    missing = invoke(["sync", "jira", "--api"], loop_db, {"JIRA_BASE_URL": "", "JIRA_EMAIL": "", "JIRA_API_TOKEN": ""})
    assert missing.exit_code == 2 and "set JIRA_BASE_URL, JIRA_EMAIL, JIRA_API_TOKEN" in flat(missing.output)
    both = invoke(["sync", "jira", str(tmp_path / "x.csv"), "--api"], loop_db, jira.env())
    assert both.exit_code == 2 and "not both" in flat(both.output)
    neither = invoke(["sync", "jira"], loop_db, jira.env())
    assert neither.exit_code == 2 and "--api" in flat(neither.output)
    assert "Traceback" not in refused.output + slow.output + missing.output
