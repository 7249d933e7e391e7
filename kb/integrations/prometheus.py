"""Prometheus range queries over an incident's window, into the packet's metric snapshots.

GET /api/v1/query_range with query, start, end and step (RFC 3339 / seconds), as
https://prometheus.io/docs/prometheus/latest/querying/api/ describes; an optional bearer
token comes from PROMETHEUS_TOKEN (for a proxy in front of Prometheus), the time-out
from PROMETHEUS_TIMEOUT. The window runs from `before` ahead of started_at to `after`
past resolution (resolved_at, else mitigated_at, else the last timeline event).

Each series becomes one MetricSnapshot: named NAME for a query giving one series,
NAME{label="value",...} (the labels that tell the series apart) for several; `link` is
the Prometheus graph page of the query over the window (no credentials). A snapshot of
the same name already in the packet is kept: identical points are "already present",
different ones a conflict the command reports; nothing a reviewer wrote is replaced.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from kb.integrations.http_api import (
    DEFAULT_POLICY,
    ApiError,
    RetryPolicy,
    check_url,
    env_seconds,
    malformed,
    request_json,
)
from kb.model import EventPacket
from kb.model.incident import MetricPoint, MetricSnapshot

SERVICE = "Prometheus"
TARGET_POINTS = 240  # the default step gives about this many points per series
MIN_STEP = 15  # seconds: Prometheus's usual scrape interval
MAX_POINTS = 11_000  # Prometheus refuses a range query of more points per series
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class PrometheusSettings:
    base_url: str
    token: str | None = field(default=None, repr=False)  # never in a repr
    timeout: float = 30.0

    @classmethod
    def from_env(cls, url: str, env: Mapping[str, str]) -> PrometheusSettings:
        return cls(
            base_url=check_url(url, "--prometheus", "https://prometheus.example.com"),
            token=env.get("PROMETHEUS_TOKEN") or None,
            timeout=env_seconds(env, "PROMETHEUS_TIMEOUT", 30.0),
        )


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    step: int
    """Seconds between points."""


def incident_window(packet: EventPacket, before: timedelta, after: timedelta, step: int | None = None) -> Window:
    inc = packet.incident
    last = inc.resolved_at or inc.mitigated_at or max((e.at for e in packet.timeline), default=None)
    if last is None:
        raise ApiError(
            f"incident {inc.id} has no resolved_at, mitigated_at or timeline event: "
            "nothing says when it ended; add resolved_at to its packet"
        )
    start, end = inc.started_at - before, last + after
    seconds = max(1, math.ceil((end - start).total_seconds()))
    chosen = step or max(MIN_STEP, math.ceil(seconds / TARGET_POINTS))
    if seconds / chosen > MAX_POINTS:
        raise ApiError(
            f"--step {chosen}s over {seconds} s gives more than {MAX_POINTS} points per series, "
            "more than Prometheus answers: give a larger --step"
        )
    return Window(start, end, chosen)


def _when(seconds: Any, where: str) -> datetime:
    if not isinstance(seconds, int | float) or isinstance(seconds, bool) or not math.isfinite(seconds):
        raise malformed(SERVICE, where, "[unix seconds, value] pairs")
    # Whole microseconds from the float, so a timestamp like 1435781430.781 stays .781000.
    return EPOCH + timedelta(microseconds=round(seconds * 1_000_000))


@dataclass
class Series:
    labels: dict[str, str]
    points: list[MetricPoint]
    skipped: int = 0
    """Points that are not a finite number (NaN, +Inf): not storable, left out."""


class PrometheusClient:
    def __init__(
        self,
        settings: PrometheusSettings,
        *,
        policy: RetryPolicy = DEFAULT_POLICY,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.requests: list[int] = []
        self._policy, self._sleep = policy, sleep
        headers = {"Accept": "application/json"}
        if settings.token:
            headers["Authorization"] = f"Bearer {settings.token}"
        self._http = httpx.Client(base_url=settings.base_url, headers=headers, timeout=settings.timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PrometheusClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def query_range(self, name: str, query: str, window: Window) -> list[Series]:
        what = f"the query {name}"
        data = request_json(
            self._http,
            "GET",
            "/api/v1/query_range",
            service=SERVICE,
            what=what,
            on_401="set PROMETHEUS_TOKEN to a bearer token the server accepts",
            timeout_hint="PROMETHEUS_TIMEOUT",
            params={
                "query": query,
                "start": window.start.isoformat().replace("+00:00", "Z"),
                "end": window.end.isoformat().replace("+00:00", "Z"),
                "step": f"{window.step}s",
            },
            policy=self._policy,
            sleep=self._sleep,
            counter=self.requests,
        )
        if not isinstance(data, dict) or data.get("status") != "success" or not isinstance(data.get("data"), dict):
            raise malformed(SERVICE, what, '{"status": "success", "data": {...}}')
        result = data["data"].get("result")
        if data["data"].get("resultType") != "matrix" or not isinstance(result, list):
            raise malformed(SERVICE, what, 'a "matrix" result (a range query of an instant vector expression)')
        series = []
        for item in result:
            if not isinstance(item, dict) or not isinstance(item.get("values"), list):
                raise malformed(SERVICE, what, 'series with "metric" and "values"')
            labels = item.get("metric") or {}
            if not isinstance(labels, dict):
                raise malformed(SERVICE, what, 'series "metric" as an object of labels')
            s = Series({str(k): str(v) for k, v in labels.items()}, [])
            for pair in item["values"]:
                if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[1], str)):
                    raise malformed(SERVICE, what, '"values" as [unix seconds, "value"] pairs')
                try:
                    value = float(pair[1])
                except ValueError:
                    raise malformed(SERVICE, what, '"values" as [unix seconds, "value"] pairs') from None
                if not math.isfinite(value):
                    s.skipped += 1
                    continue
                s.points.append(MetricPoint(at=_when(pair[0], what), value=value))
            series.append(s)
        return series

    def graph_link(self, query: str, window: Window) -> str:
        """The Prometheus page that draws the query over the window: for a reader to look closer."""
        bare = httpx.URL(self.settings.base_url).copy_with(username=None, password=None)
        params = {
            "g0.expr": query,
            "g0.tab": "0",
            "g0.range_input": f"{math.ceil((window.end - window.start).total_seconds())}s",
            "g0.end_input": window.end.strftime("%Y-%m-%d %H:%M:%S"),
            "g0.step_input": str(window.step),
        }
        return f"{str(bare).rstrip('/')}/graph?{urlencode(params)}"


def snapshot_names(name: str, series: list[Series]) -> list[str]:
    """NAME for one series; NAME{label="value",...} with the labels that differ, for several."""
    if len(series) <= 1:
        return [name] * len(series)
    keys = sorted({k for s in series for k in s.labels})
    differing = [k for k in keys if len({s.labels.get(k) for s in series}) > 1]
    names = []
    for s in series:
        inner = ",".join(f'{k}="{s.labels.get(k, "")}"' for k in differing)
        names.append(f"{name}{{{inner}}}")
    return names


@dataclass
class MetricsMerge:
    incident: str
    added: list[str] = field(default_factory=list)
    already_present: list[str] = field(default_factory=list)
    conflicts: list[tuple[str, str]] = field(default_factory=list)
    """(snapshot name, how the packet's points differ from Prometheus's)."""
    empty: list[str] = field(default_factory=list)
    """Queries that gave no series in the window: nothing stored for them."""
    skipped_points: int = 0


def merge_snapshots(packet: EventPacket, captured: list[MetricSnapshot], report: MetricsMerge) -> EventPacket:
    """The packet with the snapshots it lacks added; one of the same name is never replaced."""
    have = {m.name: m for m in packet.metrics}
    new = list(packet.metrics)
    for snap in captured:
        old = have.get(snap.name)
        if old is None:
            new.append(snap)
            have[snap.name] = snap
            report.added.append(snap.name)
        elif old.points == snap.points:
            report.already_present.append(snap.name)
        else:
            report.conflicts.append(
                (
                    snap.name,
                    f"the packet holds {len(old.points)} point(s), Prometheus {len(snap.points)} different "
                    "ones; the packet's are kept (capture under another NAME to keep both)",
                )
            )
    return packet.model_copy(update={"metrics": new})


def capture_metrics(
    client: PrometheusClient, packet: EventPacket, queries: list[tuple[str, str]], window: Window
) -> tuple[EventPacket, MetricsMerge]:
    report = MetricsMerge(packet.key)
    captured: list[MetricSnapshot] = []
    for name, query in queries:
        series = client.query_range(name, query, window)
        if not series:
            report.empty.append(name)
        link = client.graph_link(query, window)
        for label, s in zip(snapshot_names(name, series), series, strict=True):
            report.skipped_points += s.skipped
            captured.append(MetricSnapshot(name=label, points=s.points, link=link))
    return merge_snapshots(packet, captured, report), report


__all__ = [
    "MetricsMerge",
    "PrometheusClient",
    "PrometheusSettings",
    "Window",
    "capture_metrics",
    "incident_window",
    "merge_snapshots",
    "snapshot_names",
]
