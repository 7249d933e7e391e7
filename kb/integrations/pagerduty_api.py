"""PagerDuty REST API v2: incidents and their log entries, read live into the `kb import pagerduty` merge.

Settings come from the environment: PAGERDUTY_API_TOKEN (a REST API key, sent as
`Authorization: Token token=...`), PAGERDUTY_BASE_URL (default https://api.pagerduty.com;
https://api.eu.pagerduty.com for the EU service region) and PAGERDUTY_TIMEOUT (seconds).

GET /incidents (since/until/service_ids[], classic offset pagination: limit, offset, more)
and GET /incidents/{id}/log_entries (same pagination, is_overview=false for every entry)
give the JSON the file import reads; ingest.pagerduty parses it and kb.integrations.pagerduty
merges it, so a capture and an import of the same export give the same packet.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from ingest import pagerduty as pd_ingest
from kb.integrations.http_api import (
    DEFAULT_POLICY,
    ApiError,
    RetryPolicy,
    check_url,
    env_seconds,
    malformed,
    request_json,
)

SERVICE = "PagerDuty"
DEFAULT_BASE_URL = "https://api.pagerduty.com"
PAGE = 100  # PagerDuty's largest page
MAX_RANGE = timedelta(days=180)  # since/until may span at most 6 months
MAX_OFFSET = 10_000  # classic pagination stops here: narrow --since/--until beyond it
ORIGIN = "the PagerDuty API"
_ID = re.compile(r"[A-Za-z0-9]{1,64}")


@dataclass(frozen=True)
class PagerDutySettings:
    base_url: str
    token: str = field(repr=False)  # never in a repr
    timeout: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> PagerDutySettings:
        token = env.get("PAGERDUTY_API_TOKEN", "").strip()
        if not token:
            raise ApiError(
                "PagerDuty is not configured: set PAGERDUTY_API_TOKEN to a REST API key "
                "(PagerDuty: Integrations > API Access Keys; a read-only key is enough)"
            )
        base = env.get("PAGERDUTY_BASE_URL") or DEFAULT_BASE_URL
        return cls(
            base_url=check_url(base, "PAGERDUTY_BASE_URL", DEFAULT_BASE_URL),
            token=token,
            timeout=env_seconds(env, "PAGERDUTY_TIMEOUT", 30.0),
        )


class PagerDutyClient:
    def __init__(
        self,
        settings: PagerDutySettings,
        *,
        policy: RetryPolicy = DEFAULT_POLICY,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.policy = policy
        self.requests: list[int] = []  # one element per request sent
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=settings.base_url,
            headers={
                "Authorization": f"Token token={settings.token}",
                "Accept": "application/vnd.pagerduty+json;version=2",
            },
            timeout=settings.timeout,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PagerDutyClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _get(self, path: str, params: list[tuple[str, str]], what: str) -> dict[str, Any]:
        data = request_json(
            self._http,
            "GET",
            path,
            service=SERVICE,
            what=what,
            on_401="set PAGERDUTY_API_TOKEN to a valid REST API key",
            timeout_hint="PAGERDUTY_TIMEOUT",
            params=params,
            policy=self.policy,
            sleep=self._sleep,
            counter=self.requests,
        )
        if not isinstance(data, dict):
            raise malformed(SERVICE, what, "a JSON object")
        return data

    def _pages(self, path: str, params: list[tuple[str, str]], name: str, what: str) -> Iterator[Any]:
        offset = 0
        while True:
            data = self._get(path, [*params, ("limit", str(PAGE)), ("offset", str(offset))], what)
            items = data.get(name)
            if not isinstance(items, list):
                raise malformed(SERVICE, what, f'an object with a "{name}" list')
            yield from items
            if data.get("more") is not True or not items:
                return
            offset += len(items)
            if offset >= MAX_OFFSET:
                raise ApiError(
                    f"PagerDuty lists more than {MAX_OFFSET} {name} for {what}, the most its offset "
                    "pagination reaches: narrow --since/--until or give --service"
                )

    def incidents(self, since: datetime, until: datetime, services: list[str]) -> list[dict[str, Any]]:
        """Incidents created in [since, until), asked for in slices of at most MAX_RANGE (PagerDuty's limit)."""
        found: list[Any] = []
        start = since
        while start < until:
            end = min(until, start + MAX_RANGE)
            params = [("since", start.isoformat()), ("until", end.isoformat()), ("time_zone", "UTC")]
            params += [("service_ids[]", s) for s in services]
            found += self._pages("/incidents", params, "incidents", "the incident list")
            start = end
        for i, inc in enumerate(found):
            if not isinstance(inc, dict) or not isinstance(inc.get("id"), str) or not _ID.fullmatch(inc["id"]):
                # the id goes into the next request's path: letters and digits only, as PagerDuty makes them
                raise malformed(
                    SERVICE, "the incident list", f"incidents[{i}] to be an incident with an id like PT4KHLK"
                )
        unique = {inc["id"]: inc for inc in found}  # an incident on a slice's edge may come twice
        return list(unique.values())

    def log_entries(self, incident_id: str) -> list[Any]:
        params = [("time_zone", "UTC"), ("is_overview", "false")]
        path = f"/incidents/{incident_id}/log_entries"
        return list(self._pages(path, params, "log_entries", f"the log entries of incident {incident_id}"))


def api_source(settings: PagerDutySettings, incident_id: str) -> Path:
    """What a captured incident records as its provenance file: the API address, never a credential."""
    host = httpx.URL(settings.base_url).host
    return Path(host) / "incidents" / incident_id


@dataclass
class Capture:
    incidents: list[pd_ingest.PdIncident]
    errors: list[str]
    """Incidents the API gave in a shape the importer rejects: one line each, the others still merged."""
    requests: int


def capture(client: PagerDutyClient, since: datetime, until: datetime, services: list[str] | None = None) -> Capture:
    """Every incident created in [since, until) with all its log entries, parsed as the file import does."""
    incidents, errors = [], []
    for raw in client.incidents(since, until, services or []):
        entries = client.log_entries(raw["id"])
        source = api_source(client.settings, raw["id"])
        try:
            parsed = pd_ingest.parse({"incident": {**raw, "log_entries": entries}}, source)
        except pd_ingest.PagerDutyError as exc:
            errors.append(f"PagerDuty incident {raw['id']}: not merged, {exc.where}: {exc.expected}")
            continue
        except Exception as exc:  # a check the parser lacks must still reject this incident only
            errors.append(f"PagerDuty incident {raw['id']}: not merged, {type(exc).__name__}: {exc}")
            continue
        for inc in parsed:
            inc.origin = ORIGIN
        incidents += parsed
    return Capture(incidents, errors, len(client.requests))


__all__ = ["Capture", "PagerDutyClient", "PagerDutySettings", "capture"]
