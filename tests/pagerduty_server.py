"""A PagerDuty-like REST API v2 on loopback, serving the incidents of the test fixtures.

GET /incidents filters by since/until (created_at) and service_ids[]; GET
/incidents/{id}/log_entries lists an incident's entries. Both page with offset/limit/more,
at most `page` items a page (the real API gives up to 100; a small page makes paging happen).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.api_server import Answer, ApiServer, Request

from .conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "pagerduty"
TOKEN = "pd-secret-3f9a1c"


def fixture_incidents() -> list[dict[str, Any]]:
    """The fixture incidents, each with its own log entries (as two GETs of the API give them)."""
    incidents: dict[str, dict[str, Any]] = {}
    for name in ("incident-PXYZ123.json", "incidents-list.json"):
        data = json.loads((FIXTURES / name).read_text())
        for raw in ([data["incident"]] if "incident" in data else []) + data.get("incidents", []):
            incidents[raw["id"]] = {**raw, "log_entries": []}
        for entry in data.get("log_entries", []):
            owner = entry.get("incident", {}).get("id") or data["incident"]["id"]
            incidents[owner]["log_entries"].append(entry)
    return list(incidents.values())


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class PagerDutyApi(ApiServer):
    def __init__(self, incidents: list[dict[str, Any]] | None = None, page: int = 2) -> None:
        self.incidents = incidents if incidents is not None else fixture_incidents()
        self.page = page
        super().__init__(self._answer)

    def env(self, **overrides: str) -> dict[str, str]:
        return {"PAGERDUTY_API_TOKEN": TOKEN, "PAGERDUTY_BASE_URL": self.url, **overrides}

    def _paged(self, req: Request, name: str, items: list[Any]) -> Answer:
        limit = min(int(req.param("limit") or 25), self.page)
        offset = int(req.param("offset") or 0)
        chunk = items[offset : offset + limit]
        return Answer(
            200,
            {name: chunk, "limit": limit, "offset": offset, "more": offset + limit < len(items), "total": None},
        )

    def _answer(self, req: Request) -> Answer:
        if req.headers.get("Authorization") != f"Token token={TOKEN}":
            return Answer(401, {"error": {"message": "Unauthorized", "code": 2006}})
        parts = req.path.strip("/").split("/")
        if parts == ["incidents"]:
            since, until = _time(req.param("since") or ""), _time(req.param("until") or "")
            services = req.params("service_ids[]")
            found = [
                {k: v for k, v in inc.items() if k != "log_entries"}
                for inc in self.incidents
                if since <= _time(inc["created_at"]) < until
                and (not services or inc.get("service", {}).get("id") in services)
            ]
            return self._paged(req, "incidents", found)
        if len(parts) == 3 and parts[0] == "incidents" and parts[2] == "log_entries":
            inc = next((i for i in self.incidents if i["id"] == parts[1]), None)
            if inc is None:
                return Answer(404, {"error": {"message": "Not Found", "code": 2100}})
            return self._paged(req, "log_entries", inc["log_entries"])
        return Answer(404, {"error": {"message": "Not Found", "code": 2100}})


def packet_text(folder: Path) -> str:
    return "\n".join(p.read_text() for p in sorted(folder.rglob("*.yaml")))
