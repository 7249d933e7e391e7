"""One JSON request to an outside API with the retries every capture client needs.

Shared by the PagerDuty, Jira and Prometheus clients: 429 is retried after its
Retry-After (bounded), 5xx after an exponential back-off (bounded), a time-out or a
refused connection stops at once with a line that says what to do. Messages never
hold a credential: they are redacted (URL user-info, token parameters), and no
request header is ever put into one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from kb.integrations.jira import _is_loopback
from kb.redaction import redact


class ApiError(RuntimeError):
    """An outside API refused or did not answer; the message says what to do about it."""

    def __init__(self, message: str, status: int | None = None, detail: str = "") -> None:
        super().__init__(redact(" ".join(message.split())))  # one line, no credentials
        self.status = status
        self.detail = detail
        """What the API said about the error (its error messages), for a caller that can act on it."""


def check_url(url: str, var: str, example: str) -> str:
    """`url` without a trailing slash; https only (plain http only to this machine), as for Jira."""
    parsed = httpx.URL(url) if "://" in url else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise ApiError(f"{var} {url!r}: expected a URL like {example}")
    if parsed.scheme == "http" and not _is_loopback(parsed.host):
        raise ApiError(
            f"{var} {url!r} uses http://, which would send the credentials as clear text: use https:// "
            "(plain http is accepted only for localhost/127.0.0.1/::1)"
        )
    return url.rstrip("/")


def env_seconds(env: Mapping[str, str], var: str, default: float) -> float:
    raw = env.get(var)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ApiError(f"{var}={raw!r}: expected a number of seconds") from None
    if not value > 0:
        raise ApiError(f"{var}={raw!r}: expected a number of seconds above 0")
    return value


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3
    max_retry_wait: float = 60.0
    """A longer Retry-After is not waited for: the command stops and says when to try again."""
    backoff: float = 1.0
    """First wait after a 5xx; doubled for each further one."""


DEFAULT_POLICY = RetryPolicy()


def _retry_after(response: httpx.Response, default: float) -> float:
    # PagerDuty may say it as `ratelimit-reset` (seconds until the limit resets) instead.
    value = response.headers.get("Retry-After") or response.headers.get("ratelimit-reset")
    try:
        return max(0.0, float(value)) if value is not None else default
    except ValueError:
        return default  # an HTTP date: rare from these APIs; wait the default


def _detail(response: httpx.Response) -> str:
    """What the API said about an error, short: Jira, PagerDuty and Prometheus bodies, or text."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:200] or "(no details)"
    if isinstance(body, dict):
        parts: list[str] = []
        err = body.get("error")
        if isinstance(err, dict):  # PagerDuty: {"error": {"message": ..., "errors": [...]}}
            parts += [str(err.get("message") or "")] + [str(e) for e in err.get("errors") or []]
        elif err:  # Prometheus: {"status": "error", "error": ...}
            parts.append(str(err))
        parts += [str(m) for m in body.get("errorMessages") or []]  # Jira
        parts += (
            [f"{k}: {v}" for k, v in (body.get("errors") or {}).items()] if isinstance(body.get("errors"), dict) else []
        )
        text = "; ".join(p for p in parts if p)
        return text[:300] or "(no details)"
    return str(body)[:200]


def request_json(
    http: httpx.Client,
    method: str,
    path: str,
    *,
    service: str,
    what: str,
    on_401: str,
    timeout_hint: str,
    params: Any = None,
    body: Any = None,
    policy: RetryPolicy = DEFAULT_POLICY,
    sleep: Callable[[float], None] = time.sleep,
    counter: list[int] | None = None,
) -> Any:
    """The decoded JSON answer of a read request (safe to retry), or an ApiError.

    `counter`, when given, gets one element appended per request sent (the tests and the
    CLI's summary count them)."""
    failures = 0
    while True:
        if counter is not None:
            counter.append(1)
        try:
            response = http.request(method, path, params=params, json=body)
        except httpx.TimeoutException:
            raise ApiError(
                f"{service} did not answer within {http.timeout.read or 0:g} s while reading {what}: "
                f"try again later or raise {timeout_hint}"
            ) from None
        except httpx.HTTPError as exc:
            raise ApiError(f"cannot reach {service} at {http.base_url}: {type(exc).__name__} ({exc})") from None
        code = response.status_code
        if code == 429 or code >= 500:
            failures += 1
            if failures > policy.max_retries:
                state = "rate limiting (429)" if code == 429 else f"answering {code}"
                raise ApiError(
                    f"{service} is still {state} after {policy.max_retries} retries while reading {what}: "
                    "try again later",
                    code,
                )
            wait = (
                _retry_after(response, policy.backoff * 2 ** (failures - 1))
                if code == 429
                else policy.backoff * 2 ** (failures - 1)
            )
            if wait > policy.max_retry_wait:
                raise ApiError(
                    f"{service} is rate limiting (429) and asks to wait {wait:g} s, more than "
                    f"{policy.max_retry_wait:g} s: try again later",
                    code,
                )
            sleep(wait)
            continue
        if code == 401:
            raise ApiError(f"{service} answered 401: {on_401}", code)
        if code == 403:
            raise ApiError(
                f"{service} answered 403 for {what}: the credentials may not read it ({_detail(response)})", code
            )
        if code >= 400:
            detail = _detail(response)
            raise ApiError(f"{service} answered {code} for {what}: {detail}", code, detail)
        try:
            return json.loads(response.content)
        except ValueError:
            raise ApiError(
                f"{service} answered {what} with a body that is not JSON "
                f"({response.headers.get('Content-Type', 'no content type')}): check the base URL"
            ) from None


def malformed(service: str, what: str, expected: str) -> ApiError:
    return ApiError(f"{service} answered {what} with an unexpected body: expected {expected}; check the base URL")


__all__ = ["DEFAULT_POLICY", "ApiError", "RetryPolicy", "check_url", "env_seconds", "malformed", "request_json"]
