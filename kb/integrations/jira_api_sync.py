"""`kb sync jira --api`: status, resolution and resolution date of every tracked work item, from Jira Cloud.

Reads with JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN (kb.integrations.jira; no
JIRA_PROJECT needed to read) through POST /rest/api/3/search/jql, the search Atlassian
keeps (the older /rest/api/3/search with startAt is removed): JQL `key in (...)` in
batches of BATCH keys, each paged with nextPageToken. The rows then take the path of
the CSV sync (kb.integrations.jira_csv.apply_rows), so both syncs change the same things.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from kb.integrations.http_api import DEFAULT_POLICY, ApiError, RetryPolicy, malformed, request_json
from kb.integrations.jira import JiraSettings
from kb.integrations.jira_csv import ExportRow, SyncReport, apply_rows, tracked_issues
from kb.knowledge_base import KnowledgeBase

SERVICE = "Jira"
SEARCH = "/rest/api/3/search/jql"
BATCH = 50  # keys per JQL: keeps the query far below Jira's length limits
PAGE = 100
FIELDS = ["status", "resolution", "resolutiondate"]
_KEY = re.compile(r"[A-Z][A-Z0-9_]{0,49}-[0-9]{1,18}")
_QUOTED_KEY = re.compile(r"'([A-Za-z][A-Za-z0-9_]*-[0-9]+)'")


@dataclass
class ApiSync:
    report: SyncReport
    not_found: list[str] = field(default_factory=list)
    """Tracked keys Jira did not return (deleted, moved, or not visible to the account)."""
    requests: int = 0


def _row(issue: Any, where: str) -> ExportRow:
    if (
        not isinstance(issue, dict)
        or not isinstance(issue.get("key"), str)
        or not isinstance(issue.get("fields"), dict)
    ):
        raise malformed(SERVICE, where, 'issues with a "key" and "fields"')
    f = issue["fields"]
    status = f.get("status")
    resolution = f.get("resolution")
    if not (isinstance(status, dict) and isinstance(status.get("name"), str)):
        raise malformed(
            SERVICE, where, f'{issue["key"]}: fields.status like {{"name": "Done"}} (ask for fields {FIELDS})'
        )
    if resolution is not None and not (isinstance(resolution, dict) and isinstance(resolution.get("name"), str)):
        raise malformed(SERVICE, where, f'{issue["key"]}: fields.resolution like {{"name": "Done"}} or null')
    raw_date = f.get("resolutiondate")
    resolved = None
    if raw_date is not None:
        try:
            resolved = datetime.fromisoformat(str(raw_date))
        except ValueError:
            raise malformed(SERVICE, where, f"{issue['key']}: fields.resolutiondate as an ISO 8601 time") from None
        if resolved.tzinfo is None:
            raise malformed(SERVICE, where, f"{issue['key']}: fields.resolutiondate with a zone offset")
        resolved = resolved.astimezone(UTC)
    return ExportRow(
        key=issue["key"].upper(),
        status=status["name"],
        resolution=resolution["name"] if resolution else None,
        resolved=resolved,
    )


class JiraReader:
    def __init__(
        self,
        settings: JiraSettings,
        *,
        policy: RetryPolicy = DEFAULT_POLICY,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.requests: list[int] = []
        self._policy, self._sleep = policy, sleep
        self._http = httpx.Client(
            base_url=settings.base_url,
            auth=(settings.email, settings.api_token),
            headers={"Accept": "application/json"},
            timeout=settings.timeout,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> JiraReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _search(self, keys: list[str]) -> list[ExportRow]:
        jql = "key in (" + ", ".join(f'"{k}"' for k in keys) + ")"
        token: str | None = None
        rows: list[ExportRow] = []
        what = f"the search for {len(keys)} issue key(s)"
        while True:
            body: dict[str, Any] = {"jql": jql, "fields": FIELDS, "maxResults": PAGE}
            if token:
                body["nextPageToken"] = token
            data = request_json(
                self._http,
                "POST",
                SEARCH,
                service=SERVICE,
                what=what,
                on_401="check JIRA_EMAIL and JIRA_API_TOKEN (an API token, not the account password)",
                timeout_hint="JIRA_TIMEOUT",
                body=body,
                policy=self._policy,
                sleep=self._sleep,
                counter=self.requests,
            )
            if not isinstance(data, dict) or not isinstance(data.get("issues"), list):
                raise malformed(SERVICE, what, 'an object with an "issues" list')
            rows += [_row(issue, what) for issue in data["issues"]]
            token = data.get("nextPageToken")
            if data.get("isLast") is True or not isinstance(token, str) or not token or not data["issues"]:
                return rows

    def statuses(self, keys: list[str]) -> tuple[list[ExportRow], list[str]]:
        """The rows Jira has for `keys`, and the keys it does not know."""
        rows: list[ExportRow] = []
        absent: list[str] = []
        for start in range(0, len(keys), BATCH):
            batch = keys[start : start + BATCH]
            while batch:
                try:
                    rows += self._search(batch)
                    break
                except ApiError as exc:
                    # JQL names a key that no longer exists (deleted, or invisible to the account):
                    # Jira refuses the whole query with 400 naming it. Leave it out and ask again.
                    named = {k.upper() for k in _QUOTED_KEY.findall(exc.detail)} & set(batch)
                    if exc.status != 400 or not named:
                        raise
                    absent += sorted(named)
                    batch = [k for k in batch if k not in named]
        returned = {r.key for r in rows}
        absent += [k for k in keys if k not in returned and k not in absent]
        return rows, absent


def sync_api(kbase: KnowledgeBase, env: Mapping[str, str] | None = None, **client_args: Any) -> ApiSync:
    """Read every tracked Jira work item's status from Jira Cloud and update the knowledge base."""
    settings = JiraSettings.from_env(env, need_project=False)
    tracked = sorted(tracked_issues(kbase))
    valid = [k for k in tracked if _KEY.fullmatch(k)]
    with JiraReader(settings, **client_args) as reader:
        rows, absent = reader.statuses(valid) if valid else ([], [])
        count = len(reader.requests)
    report = apply_rows(kbase, rows)
    not_found = sorted(set(absent) | {k for k in tracked if k not in valid})
    return ApiSync(report=report, not_found=not_found, requests=count)


__all__ = ["ApiSync", "JiraReader", "sync_api"]
