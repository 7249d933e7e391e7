"""A small HTTP server on loopback that answers like an outside API and records every request.

`answer(request)` (given per test) builds the normal answer; `script` holds special answers
taken first, one per request, in order: ("429", retry_after), ("503",), ("401",), ("slow", s),
("garbage",) for a body that is not JSON, ("json", status, body[, headers]) for any JSON. Nothing here
reaches the network: the server binds 127.0.0.1 on a free port.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: Any

    def params(self, name: str) -> list[str]:
        return [v for k, v in self.query if k == name]

    def param(self, name: str) -> str | None:
        values = self.params(name)
        return values[0] if values else None


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Answer]


class ApiServer:
    def __init__(self, answer: Handler) -> None:
        self.answer = answer
        self.requests: list[Request] = []
        self.script: list[tuple[Any, ...]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _special(self) -> tuple[Any, ...] | None:
        with self._lock:
            return self.script.pop(0) if self.script else None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, code: int, data: bytes, headers: dict[str, str], ctype: str) -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
                    self.wfile.write(data)

            def _json(self, code: int, body: Any, headers: dict[str, str] | None = None) -> None:
                self._send(code, json.dumps(body).encode(), headers or {}, "application/json")

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                req = Request(
                    self.command,
                    parts.path,
                    parse_qsl(parts.query, keep_blank_values=True),
                    dict(self.headers.items()),
                    json.loads(raw) if raw else None,
                )
                with server._lock:
                    server.requests.append(req)
                special = server._special()
                if special is None:
                    a = server.answer(req)
                    self._json(a.status, a.body, a.headers)
                    return
                kind = special[0]
                if kind == "429":
                    self._json(429, {"error": {"message": "Rate Limit Exceeded"}}, {"Retry-After": str(special[1])})
                elif kind in ("500", "502", "503"):
                    self._json(int(kind), {"error": {"message": "Service Unavailable"}})
                elif kind == "401":
                    self._json(401, {"error": {"message": "Unauthorized", "code": 2006}})
                elif kind == "slow":
                    time.sleep(special[1])
                    a = server.answer(req)
                    self._json(a.status, a.body, a.headers)
                elif kind == "garbage":
                    self._send(200, b"<html>login page</html>", {}, "text/html")
                elif kind == "json":
                    self._json(special[1], special[2], special[3] if len(special) > 3 else None)
                else:
                    raise AssertionError(f"unknown scripted answer {special!r}")

            do_GET = _serve
            do_POST = _serve

        return H
