"""Shared pieces of the fuzz tests: a per-case hang guard, an outcome tally, a base packet and
hostile values. Every case ends as a clean rejection (the reader's own error, naming the file)
or an accepted result; anything else fails the test."""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

CASE_SECONDS = 20
"""A case running this long is a hang (the slowest seen take well under a second)."""

TALLY: Counter[tuple[str, str]] = Counter()
"""(reader, outcome) -> cases, printed at the end of each fuzz module."""


class Hang(BaseException):  # noqa: N818 (a BaseException so `except Exception` in a reader cannot swallow it)
    """One fuzz case ran longer than CASE_SECONDS."""


@contextmanager
def hang_guard(seconds: int = CASE_SECONDS) -> Iterator[None]:
    def _alarm(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"a case ran over {seconds} s")

    # pytest-timeout may be using the same timer for the whole test: give its time back after.
    outer, _ = signal.getitimer(signal.ITIMER_REAL)
    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - started), 0.001))


def fuzz_settings(examples: int) -> settings:
    """Reproducible (derandomized, no example database) and without time-based failures."""
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture,
        ],
    )


def tally_line() -> str:
    readers = sorted({r for r, _ in TALLY})
    parts = []
    for r in readers:
        outcomes = ", ".join(f"{o} {TALLY[(r, o)]}" for o in ("rejected", "accepted") if TALLY[(r, o)])
        parts.append(f"{r}: {outcomes}")
    return f"fuzz cases {sum(TALLY.values())} ({'; '.join(parts)})"


def report_tally(request: pytest.FixtureRequest) -> None:
    """Print the outcomes on the terminal (past pytest's capture), for the record."""
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if capture and reporter:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\n{tally_line()}")


def base_packet() -> dict[str, Any]:
    """A small valid packet touching every section."""
    return {
        "incident": {
            "id": "FUZZ-1",
            "title": "Checkout errors",
            "severity": 2,
            "services": ["checkout"],
            "teams": ["payments"],
            "started_at": "2025-01-05T18:27:00+01:00",
            "detected_at": "2025-01-05T18:43:43Z",
            "resolved_at": "2025-01-05T20:00:00Z",
            "customer_impact": "5% of checkouts failed",
            "revenue_impact": 2900.0,
            "customers_affected": 396,
            "summary": "A certificate expired.",
            "tags": ["security"],
        },
        "provenance": {"source": "manual", "imported": False, "reviewed": True},
        "timeline": [
            {"at": "2025-01-05T18:43:43Z", "kind": "detection", "text": "Latency alert paged the on-call"},
            {"id": "E2", "at": "2025-01-05T19:00:00Z", "kind": "repair", "text": "New certificate deployed"},
        ],
        "metrics": [{"name": "errors", "unit": "%", "points": [{"at": "2025-01-05T18:43:43Z", "value": 16.1}]}],
        "logs": [{"source": "checkout", "text": "x509: certificate has expired", "level": "ERROR"}],
        "participants": [
            {"handle": "ann", "role": "incident_lead", "team": "payments"},
            {"handle": "bo", "role": "responder"},
        ],
        "decisions": [
            {"id": "D1", "at": "2025-01-05T19:26:45Z", "decision": "Roll back", "alternatives": ["Hotfix forward"]}
        ],
        "impacts": [{"stakeholder": "customers", "statement": "Checkouts failed", "customers_affected": 396}],
        "analyses": [
            {
                "id": "A1",
                "method": "contribution_map",
                "facilitator": "wen",
                "factors": [
                    {
                        "id": "F1",
                        "statement": "Rotation job skipped one secret",
                        "category": "technical",
                        "themes": ["cert-expiry"],
                    },
                    {"id": "F2", "statement": "No expiry alert", "category": "process"},
                ],
                "influences": [{"source": "F1", "target": "impact"}, {"source": "F2", "target": "F1"}],
                "barriers": [
                    {"barrier": "expiry-alert", "kind": "detective", "status": "missing", "defeated_by": ["F2"]}
                ],
                "findings": [
                    {
                        "id": "R1",
                        "statement": "Alert 14 days before expiry",
                        "impact": 4,
                        "effort": 2,
                        "addresses": ["F2", "theme:cert-expiry"],
                        "work_items": [{"system": "jira", "external_id": "OPS-1"}],
                    }
                ],
                "related_check": {"checked_at": "2025-01-07T10:00:00Z", "related": ["INC-0"], "note": "seen before"},
            }
        ],
        "roadmap": [{"key": "RM-1", "title": "Certificate inventory", "quarter": "2025Q2", "findings": ["R1"]}],
    }


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a value inside nested dicts and lists."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield (*prefix, k)
            yield from paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield (*prefix, i)
            yield from paths(v, (*prefix, i))


def set_path(data: Any, path: tuple[Any, ...], value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def delete_path(data: Any, path: tuple[Any, ...]) -> None:
    for part in path[:-1]:
        data = data[part]
    del data[path[-1]]


EDGE_TEXT = st.sampled_from(
    [
        "",
        " ",
        "  padded  ",
        "\t",
        "\n",
        ".",
        "..",
        "a/b",
        "..\\x",
        "\x00",
        "\x1b[31mred\x1b[0m",
        "[red]x[/red]",
        "SEV2",
        "sev9",
        "SEV",
        "true",
        "1e3",
        "2025Q5",
        "2025Q1",
        "theme:",
        "barrier:x",
        "impact",
        "F1",
        "R1",
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:59:59-05:00",
        "1899-12-31T23:00:00-02:00",
        "2200-12-31T23:59:59Z",
        "2025-01-01T00:00:00",
        "2025-01-01",
        "2025-02-30T00:00:00Z",
        "😀" * 3,
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 5, 6, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1e308, -0.0, 5e-324]),
    EDGE_TEXT,
    st.text(max_size=12),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.one_of(EDGE_TEXT, st.text(max_size=6)), inner, max_size=3)
    ),
    max_leaves=6,
)

EDGE_TIMES = st.sampled_from(
    [
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:59:59-05:00",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "1900-01-01T00:30:00+05:00",
        "2200-12-31T23:30:00-05:00",
        "1969-12-31T23:59:59-00:01",
        "2025-01-01T00:00:00",
        "2025-01-01",
        "2025-02-29T00:00:00Z",
        "2025-01-01T24:00:00Z",
        "2025-01-01T00:00:00+24:00",
        "now",
        "",
    ]
)
EDGE_INTS = st.sampled_from([0, -1, 6, 2**63 - 1, 2**63, -(2**63) - 1, 10**30, True, False, 2.0, "3", "SEV2", "sev"])


def similar(value: Any) -> st.SearchStrategy[Any]:
    """Hostile values of the same kind as `value`: what a tester tries on that field first."""
    if isinstance(value, bool):
        return st.sampled_from(["yes", "true", 1, 0, None, "False"])
    if isinstance(value, int | float):
        return st.one_of(EDGE_INTS, st.sampled_from([float("inf"), float("nan"), 1e308, -0.0]))
    if isinstance(value, str) and value[:2] == "20" and "T" in value:
        return EDGE_TIMES
    if isinstance(value, str):
        return st.one_of(EDGE_TEXT, st.text(min_size=0, max_size=3).map(lambda t: f" {value}{t} "))
    if isinstance(value, list):
        return st.one_of(st.just([]), st.just(value * 2), st.just(value[:1] * 3), st.just({"0": value}))
    return VALUES


TOKENS = st.sampled_from(
    [
        "*a",
        "&a ",
        "<<: *a\n",
        "[",
        "]",
        "{",
        "}",
        "!!python/object:os.system ",
        "!!binary ",
        "!!timestamp ",
        "\t",
        "\x00",
        '"',
        "'",
        ": ",
        "\n  - ",
        "\n- ",
        "---\n",
        "...\n",
        "#",
        "|\n",
        ">\n",
        "? ",
        "%YAML 1.1\n",
        "9" * 4400,
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:59:59-05:00",
        "9223372036854775808",
        ".inf",
        ".nan",
        "true",
        "  ",
        "\n",
        "\r",
        "\ufeff",
        "&b [*a,*a,*a,*a]\n",
        "\\u0000",
        ",",
        "NaN",
        "1e999",
    ]
)


@st.composite
def text_edits(draw: st.DrawFn, text: str) -> str:
    """The text with a few hostile insertions and deletions."""
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(st.one_of(TOKENS, st.text(max_size=4))) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
    return text
