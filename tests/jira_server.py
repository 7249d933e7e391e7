"""A small Jira-like HTTP server on loopback: records requests, answers like REST API v3.

Each POST /rest/api/3/issue takes the next scripted answer from `script`
("created", "401", "400", "429", "429-long", "slow", "500"); when the script is empty it
creates the issue. Created issues get keys PROJECT-101, PROJECT-102, ... (clear of the
fixture's own OPS-1..OPS-4).
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class JiraState:
    project: str = "OPS"
    email: str = "bot@example.com"
    token: str = "secret-token"
    script: list[str] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    issues: dict[str, dict[str, Any]] = field(default_factory=dict)
    slow_seconds: float = 3.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_answer(self) -> str:
        with self.lock:
            return self.script.pop(0) if self.script else "created"


def _handler(state: JiraState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep pytest output clean
            pass

        def _send(self, code: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (time-out)
                self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            body = json.loads(raw) if raw else None
            with state.lock:
                state.requests.append(Recorded("POST", self.path, dict(self.headers.items()), body))
            if self.path != "/rest/api/3/issue":
                self._send(404, {"errorMessages": ["Not found"], "errors": {}})
                return
            expected = "Basic " + base64.b64encode(f"{state.email}:{state.token}".encode()).decode()
            answer = state.next_answer()
            if answer == "401" or self.headers.get("Authorization") != expected:
                self._send(
                    401,
                    {
                        "errorMessages": [
                            "You are not authenticated. Authentication required to perform this operation."
                        ],
                        "errors": {},
                    },
                )
            elif answer == "400":
                self._send(
                    400,
                    {
                        "errorMessages": [],
                        "errors": {
                            "summary": "You must specify a summary of the issue.",
                            "issuetype": "Specify a valid issue type",
                        },
                    },
                )
            elif answer == "429":
                self._send(429, {"errorMessages": ["Rate limit exceeded."]}, {"Retry-After": "1"})
            elif answer == "429-long":
                self._send(429, {"errorMessages": ["Rate limit exceeded."]}, {"Retry-After": "3600"})
            elif answer == "500":
                self._send(500, {"errorMessages": ["Internal server error"]})
            elif answer == "slow":
                time.sleep(state.slow_seconds)
                self._create(body)
            else:
                self._create(body)

        def _create(self, body: Any) -> None:
            fields = body["fields"]
            if not fields.get("summary"):
                self._send(400, {"errorMessages": [], "errors": {"summary": "You must specify a summary."}})
                return
            with state.lock:
                n = len(state.issues) + 101
                key = f"{fields['project']['key']}-{n}"
                state.issues[key] = fields
            address: Any = self.server.server_address  # (host, port) for an AF_INET server
            host = f"http://{address[0]}:{address[1]}"
            self._send(201, {"id": str(10000 + n), "key": key, "self": f"{host}/rest/api/3/issue/{10000 + n}"})

    return Handler


class JiraServer:
    def __init__(self) -> None:
        self.state = JiraState()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def env(self, **overrides: str) -> dict[str, str]:
        env = {
            "JIRA_BASE_URL": self.url,
            "JIRA_EMAIL": self.state.email,
            "JIRA_API_TOKEN": self.state.token,
            "JIRA_PROJECT": self.state.project,
        }
        env.update(overrides)
        return env

    def __enter__(self) -> JiraServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
