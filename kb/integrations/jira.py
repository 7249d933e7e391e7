"""Jira Cloud REST API v3: create issues for the findings the gate says need a work item.

Settings come from the environment: JIRA_BASE_URL (https://your-site.atlassian.net),
JIRA_EMAIL and JIRA_API_TOKEN (basic auth with an API token), JIRA_PROJECT (the
project key), and optionally JIRA_ISSUE_TYPE (default Task) and JIRA_TIMEOUT (seconds).

Each issue is recorded in the graph the moment Jira confirms it (201 with its key),
as WorkItem {key "jira:KEY", origin "jira-push"} with TRACKED_BY {origin "jira-push"},
so the finding is tracked and a second run creates nothing twice. Nothing is
recorded for a request Jira did not confirm; the push stops at the first error.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pandas as pd

from kb.analysis.gate import DEFAULT_RULES, GateRules, gate_findings
from kb.engines import EngineError
from kb.graph.loop_writes import JIRA_PUSH
from kb.knowledge_base import KnowledgeBase
from kb.redaction import redact

ENV_VARS = ("JIRA_BASE_URL", "JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_PROJECT")
SUMMARY_MAX = 250  # Jira's limit is 255 characters


class JiraError(RuntimeError):
    """Jira refused or did not answer; the message says what to do about it."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(redact(message))  # JIRA_BASE_URL may carry credentials
        self.status = status


def _is_loopback(host: str) -> bool:
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback  # 127.0.0.0/8 and ::1
    except ValueError:
        return False


def check_base_url(url: str) -> None:
    """https only: the API token travels in every request (plain http only to this machine)."""
    parsed = httpx.URL(url) if "://" in url else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise JiraError(f"JIRA_BASE_URL {url!r}: expected https://your-site.atlassian.net")
    if parsed.scheme == "http" and not _is_loopback(parsed.host):
        raise JiraError(
            f"JIRA_BASE_URL {url!r} uses http://, which would send the API token as clear "
            "text: use https:// (plain http is accepted only for localhost/127.0.0.1/::1)"
        )


@dataclass(frozen=True)
class JiraSettings:
    base_url: str
    email: str
    api_token: str = field(repr=False)  # never in a repr, a log line or an assertion message
    project: str
    issue_type: str = "Task"
    timeout: float = 30.0
    max_retries: int = 3
    max_retry_wait: float = 60.0

    def __post_init__(self) -> None:
        check_base_url(self.base_url)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, need_project: bool = True) -> JiraSettings:
        """`need_project=False` for reading (the status sync): JIRA_PROJECT is only needed to create issues."""
        env = os.environ if env is None else env
        missing = [v for v in ENV_VARS if not env.get(v) and (need_project or v != "JIRA_PROJECT")]
        if missing:
            raise JiraError(
                f"Jira is not configured: set {', '.join(missing)} "
                "(JIRA_BASE_URL like https://your-site.atlassian.net, JIRA_API_TOKEN from "
                "https://id.atlassian.com/manage-profile/security/api-tokens)"
            )
        try:
            timeout = float(env.get("JIRA_TIMEOUT", "30"))
        except ValueError:
            raise JiraError(f"JIRA_TIMEOUT={env['JIRA_TIMEOUT']!r}: expected a number of seconds") from None
        return cls(
            base_url=env["JIRA_BASE_URL"].rstrip("/"),
            email=env["JIRA_EMAIL"],
            api_token=env["JIRA_API_TOKEN"],
            project=env.get("JIRA_PROJECT", ""),
            issue_type=env.get("JIRA_ISSUE_TYPE") or "Task",
            timeout=timeout,
        )


@dataclass(frozen=True)
class CreatedIssue:
    id: str
    key: str
    self_url: str


def _field_errors(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or "(no details)"
    if not isinstance(body, dict):
        return str(body)[:300]
    parts = [str(m) for m in body.get("errorMessages") or []]
    parts += [f"field {name!r}: {msg}" for name, msg in (body.get("errors") or {}).items()]
    return "; ".join(parts) or "(no details)"


def _retry_after(response: httpx.Response, default: float) -> float:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else default
    except ValueError:
        return default  # an HTTP date: rare from Jira; wait the default


class JiraClient:
    """A small client for the one call the loop needs: create an issue."""

    def __init__(
        self,
        settings: JiraSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=settings.base_url,
            auth=(settings.email, settings.api_token),
            headers={"Accept": "application/json"},
            timeout=settings.timeout,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> JiraClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def browse_url(self, key: str) -> str:
        # Stored in the graph and printed: never with the user-info of JIRA_BASE_URL.
        bare = httpx.URL(self.settings.base_url).copy_with(username=None, password=None)
        return f"{str(bare).rstrip('/')}/browse/{key}"

    def create_issue(self, fields: dict[str, Any], what: str = "the issue") -> CreatedIssue:
        """POST /rest/api/3/issue; retries only 429 (Retry-After, bounded), never a time-out."""
        body = {
            "fields": {
                "project": {"key": self.settings.project},
                "issuetype": {"name": self.settings.issue_type},
                **fields,
            }
        }
        s = self.settings
        for attempt in range(s.max_retries + 1):
            try:
                response = self._http.post("/rest/api/3/issue", json=body)
            except httpx.TimeoutException:
                # The request may have reached Jira: retrying could create a duplicate.
                raise JiraError(
                    f"Jira did not answer within {s.timeout:g} s while creating {what}; it may still have "
                    f"created it. Search Jira for the label in the request before running the push again "
                    f"(or raise JIRA_TIMEOUT)."
                ) from None
            except httpx.HTTPError as exc:
                raise JiraError(f"cannot reach Jira at {s.base_url}: {exc}") from None
            code = response.status_code
            if code == 201:
                data = response.json()
                return CreatedIssue(id=str(data["id"]), key=str(data["key"]), self_url=str(data.get("self", "")))
            if code == 429 and attempt < s.max_retries:
                wait = _retry_after(response, default=2.0**attempt)
                if wait > s.max_retry_wait:
                    raise JiraError(
                        f"Jira is rate limiting (429) and asks to wait {wait:g} s, more than "
                        f"{s.max_retry_wait:g} s; try again later",
                        code,
                    )
                self._sleep(wait)
                continue
            raise self._error(response, what, attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _error(self, response: httpx.Response, what: str, attempt: int) -> JiraError:
        code = response.status_code
        if code == 401:
            return JiraError(
                "Jira rejected the credentials (401): check JIRA_EMAIL and JIRA_API_TOKEN "
                "(an API token, not the account password)",
                code,
            )
        if code == 403:
            return JiraError(
                f"Jira refused (403): the account may not create issues in project "
                f"{self.settings.project}: {_field_errors(response)}",
                code,
            )
        if code == 404:
            return JiraError(
                f"Jira answered 404 at {self.settings.base_url}/rest/api/3/issue: check JIRA_BASE_URL", code
            )
        if code == 400:
            return JiraError(f"Jira refused {what} (400): {_field_errors(response)}", code)
        if code == 429:
            return JiraError(f"Jira is still rate limiting (429) after {attempt} retries; try again later", code)
        return JiraError(f"Jira answered {code} for {what}: {_field_errors(response)}", code)


def finding_label(finding: str) -> str:
    """A label unique to the finding, to find its issue in Jira (labels cannot hold spaces)."""
    return "kb-finding-" + hashlib.sha1(finding.encode()).hexdigest()[:10]


def _adf(paragraphs: list[str]) -> dict[str, Any]:
    """Atlassian Document Format: API v3 takes descriptions only in this shape."""
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": p}]} for p in paragraphs if p],
    }


def summary_of(statement: str) -> str:
    one_line = " ".join(statement.split())
    return one_line if len(one_line) <= SUMMARY_MAX else one_line[: SUMMARY_MAX - 1] + "…"


def issue_fields(row: pd.Series) -> dict[str, Any]:
    rating = (
        f"Impact {int(row['impact'])}/5, effort {int(row['effort'])}/5 ({row['quadrant']})."
        if row["quadrant"] != "unrated"
        else "Impact and effort not rated."
    )
    return {
        "summary": summary_of(str(row["statement"])),
        "description": _adf(
            [
                str(row["statement"]),
                f"Finding {row['finding']} of incident {row['incident']} (analysis {row['analysis']}).",
                rating,
                f"Owner: {row['owner']}." if isinstance(row["owner"], str) else "",
            ]
        ),
        "labels": ["incident-kb", str(row["incident"]), finding_label(str(row["finding"]))],
    }


@dataclass
class PushReport:
    created: list[tuple[str, str]] = field(default_factory=list)
    """(finding, Jira key) recorded in the graph, in order."""
    already_tracked: int = 0
    error: JiraError | None = None
    failed_finding: str | None = None


def push_findings(
    kbase: KnowledgeBase,
    incidents: list[str],
    client: JiraClient,
    rules: GateRules = DEFAULT_RULES,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> PushReport:
    """Create a Jira issue for each finding the gate says needs a work item; record each at once."""
    findings = gate_findings(kbase, incidents, rules)
    report = PushReport(already_tracked=int((findings["work_items"].map(len) > 0).sum()))
    for _, row in findings[findings["needs_work_item"]].iterrows():
        try:
            issue = client.create_issue(issue_fields(row), what=f"an issue for {row['finding']}")
        except JiraError as exc:
            report.error, report.failed_finding = exc, str(row["finding"])
            break
        try:
            kbase.record_work_item(
                str(row["finding"]),
                {
                    "key": f"jira:{issue.key}",
                    "system": "jira",
                    "external_id": issue.key,
                    "title": summary_of(str(row["statement"])),
                    "url": client.browse_url(issue.key),
                    "status": "To Do",
                    "created_at": now(),
                },
                origin=JIRA_PUSH,
            )
        except EngineError as exc:
            # Jira has the issue but the graph does not: say exactly which, so it can be linked by hand.
            report.error = JiraError(
                f"Jira created {issue.key} for {row['finding']} but the graph refused to "
                f"record it: {exc}. Add it to the finding's work_items in its packet."
            )
            report.failed_finding = str(row["finding"])
            break
        report.created.append((str(row["finding"]), issue.key))
    return report
