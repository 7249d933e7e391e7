"""Malformed and hostile input files for every reader, as {name: bytes}. No kb imports, so a
script can run the same files against an older checkout to count tracebacks before and after."""

from __future__ import annotations

import json

GOOD_ENTRY = {
    "id": "L1",
    "type": "trigger_log_entry",
    "created_at": "2025-01-01T10:00:00Z",
    "summary": "Triggered through the API",
}
GOOD_INCIDENT = {
    "id": "P1",
    "incident_number": 7,
    "title": "Checkout errors",
    "created_at": "2025-01-01T10:00:00Z",
    "urgency": "high",
    "service": {"summary": "checkout"},
    "log_entries": [GOOD_ENTRY],
}

ALIAS_BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{n}: &{n} [" + ",".join([f"*{p}"] * 9) + "]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)
"""342 bytes that expand to 9**9 = 387 million strings."""


def _j(value: object) -> bytes:
    return json.dumps(value).encode()


def _inc(**changes: object) -> bytes:
    return _j({"incident": {**GOOD_INCIDENT, **changes}})


def _entry(**changes: object) -> bytes:
    return _j({"incident": {**GOOD_INCIDENT, "log_entries": [{**GOOD_ENTRY, **changes}]}})


def pagerduty_files() -> dict[str, bytes]:
    return {
        "empty-list": b"[]",
        "null": b"null",
        "number": b"5",
        "incident-null": _j({"incident": None}),
        "incident-string": _j({"incident": "P1"}),
        "incidents-number": _j({"incidents": 5}),
        "incidents-string": _j({"incidents": "abc"}),
        "log-entries-number": _j({"log_entries": 5}),
        "log-entries-object": _j({"incident": GOOD_INCIDENT, "log_entries": {"a": 1}}),
        "id-list": _inc(id=["P1"]),
        "id-bool": _inc(id=True),
        "number-bool": _inc(incident_number=True),
        "number-huge": _inc(incident_number=10**30),
        "number-float": _inc(incident_number=7.5),
        "created-number": _inc(created_at=5),
        "created-year-1": _inc(created_at="0001-01-01T00:00:00+05:00"),
        "created-year-9999": _inc(created_at="9999-12-31T23:59:59-05:00"),
        "created-naive": _inc(created_at="2025-01-01T10:00:00"),
        "created-bad": _inc(created_at="2025-13-01T00:00Z"),
        "title-dict": _inc(title={"a": 1}),
        "title-spaces": _inc(title="   ", summary=None),
        "teams-number": _inc(teams=5),
        "teams-strings": _inc(teams=["a", "b"]),
        "priority-number-summary": _inc(priority={"summary": 5}),
        "urgency-list": _inc(urgency=["high"]),
        "url-dict": _inc(html_url={"a": 1}),
        "service-list": _inc(service=["x"]),
        "entry-type-number": _entry(type=5),
        "entry-type-list": _entry(type=["x"]),
        "entry-id-list": _entry(id=["L"]),
        "entry-created-year-9999": _entry(created_at="9999-12-31T23:59:59-05:00"),
        "entry-summary-dict": _entry(summary={"a": 1}),
        "entry-agent-type-number": _entry(type="acknowledge_log_entry", agent={"type": 5, "summary": "ann"}),
        "entry-agent-string": _entry(agent="ann"),
        "entry-note-dict": _entry(type="annotate_log_entry", note={"a": 1}),
        "entry-channel-string": _entry(type="annotate_log_entry", channel="x"),
        "loose-ref-id-list": _j({"log_entries": [{**GOOD_ENTRY, "incident": {"id": ["P1"]}}]}),
        "deep-json": b"[" * 100_000 + b"]" * 100_000,
        "int-5000-digits": b'{"incident": {"id": "P1", "incident_number": ' + b"9" * 5000 + b"}}",
        "nan": b'{"incident": {"id": "P1", "incident_number": NaN}}',
        "duplicate-key": b'{"incident": {"id": "P1", "id": "P2", "created_at": "2025-01-01T10:00:00Z"}}',
        "not-utf8": b'{"incident": {"id": "P\xff"}}',
        "truncated": _inc()[:-5],
    }


JIRA_HEADER = "Issue key,Summary,Status,Resolution,Resolved\n"


def jira_files() -> dict[str, bytes]:
    def csv(*rows: str) -> bytes:
        return (JIRA_HEADER + "".join(r + "\n" for r in rows)).encode()

    return {
        "empty": b"",
        "header-only": JIRA_HEADER.encode(),
        "no-key-column": b"Summary,Status\nx,Done\n",
        "nul-byte": csv("OPS-1,x\x00y,Done,Fixed,"),
        "huge-field": csv(f'OPS-1,"{"x" * 200_000}",Done,Fixed,'),
        "unterminated-quote": csv('OPS-1,"never closed,Done,Fixed,'),
        "resolved-year-9999": csv("OPS-1,x,Done,Fixed,9999-12-31T23:59:59-05:00"),
        "resolved-year-1": csv("OPS-1,x,Done,Fixed,0001-01-01T00:00:00+05:00"),
        "resolved-date-only-year-1": csv("OPS-1,x,Done,Fixed,0001-01-01"),
        "resolved-bad": csv("OPS-1,x,Done,Fixed,31/Feb/25 4:00 PM"),
        "resolved-bad-offset": csv("OPS-1,x,Done,Fixed,2025-04-02T16:00:00+25:00"),
        "resolved-long": csv(f"OPS-1,x,Done,Fixed,{'1' * 100_000}"),
        "empty-key": csv(",x,Done,Fixed,"),
        "short-row": csv("OPS-1"),
        "not-utf8": JIRA_HEADER.encode() + b"\xff\xfe\n",
        "blank-lines": csv("", "OPS-1,x,Done,,", ""),
        "only-commas": b",,,,\n,,,\n",
        "header-huge": ("Issue key," * 50_000 + "\n").encode(),
        "crlf": (JIRA_HEADER + "OPS-1,x,Done,Fixed,02/Apr/25 4:00 PM\r\n").encode(),
        "cr-in-cell": csv('OPS-1,"a\rb",Done,,'),
        "bom-twice": ("\ufeff\ufeff" + JIRA_HEADER + "OPS-1,x,Done,,\n").encode(),
        "quote-in-unquoted": csv('OPS-1,a"b,Done,,'),
    }


def roadmap_files() -> dict[str, bytes]:
    """Names end in the suffix the reader dispatches on."""
    return {
        "deep.yaml": b"[" * 100_000 + b"]" * 100_000,
        "deep-block.yaml": "".join(" " * i + "- \n" for i in range(0, 2000, 2)).encode(),
        "alias-bomb.yaml": ALIAS_BOMB.encode(),
        "items-number.yaml": b"roadmap: 5\n",
        "item-number.yaml": b"- 5\n",
        "key-number.yaml": b"- {key: 5, title: x}\n",
        "findings-string.yaml": b"- {key: R1, title: x, findings: abc}\n",
        "python-tag.yaml": b"- !!python/object:os.system {}\n",
        "timestamp-year-0.yaml": b"- {key: R1, title: !!timestamp 0000-01-01}\n",
        "int-5000-digits.yaml": b"- {key: R1, title: x, quarter: " + b"9" * 5000 + b"}\n",
        "duplicate-key.yaml": b"- {key: R1, key: R2, title: x}\n",
        "dot-dot-key.yaml": b"- {key: '..', title: x}\n",
        "empty.yaml": b"",
        "not-utf8.yaml": b"- {key: R\xff}\n",
        "unknown.txt": b"key,title\n",
        "nul.csv": b"key,title\nR1,a\x00b\n",
        "huge-field.csv": b'key,title\nR1,"' + b"x" * 200_000 + b'"\n',
        "no-header.csv": b"",
        "missing-title.csv": b"key,quarter\nR1,2025Q1\n",
        "extra-cells.csv": b"key,title\nR1,a,b,c\n",
        "bad-quarter.csv": b"key,title,quarter\nR1,a,2025Q9\n",
        "unterminated.csv": b'key,title\nR1,"open\n',
    }


def packet_files() -> dict[str, bytes]:
    """Hostile packets; each is rejected on its own without sinking the rest."""
    inc = "incident:\n  id: HOSTILE\n  title: t\n  severity: 2\n"
    return {
        "year-1.yaml": (inc + "  started_at: 0001-01-01T00:00:00+05:00\n").encode(),
        "year-9999.yaml": (inc + "  started_at: 9999-12-31T23:59:59-05:00\n").encode(),
        "deep.yaml": b"[" * 500 + b"]" * 500,
        "deep.json": b"[" * 1000 + b"]" * 1000,
        "int-4301-digits.yaml": (
            inc + "  started_at: 2025-01-01T00:00:00Z\n  customers_affected: " + "9" * 4301 + "\n"
        ).encode(),
        "int64-overflow.yaml": (
            inc + "  started_at: 2025-01-01T00:00:00Z\n  customers_affected: 9223372036854775808\n"
        ).encode(),
        "alias-bomb.yaml": ALIAS_BOMB.encode(),
        "severity-true.yaml": inc.replace("severity: 2", "severity: true").encode()
        + b"  started_at: 2025-01-01T00:00:00Z\n",
        "duplicate-key.yaml": (inc + "  started_at: 2025-01-01T00:00:00Z\n  title: again\n").encode(),
        "dot-dot-id.yaml": inc.replace("HOSTILE", "'..'").encode() + b"  started_at: 2025-01-01T00:00:00Z\n",
        "inf-revenue.json": b'{"incident": {"id": "H", "title": "t", "severity": 2, '
        b'"started_at": "2025-01-01T00:00:00Z", "revenue_impact": 1e999}}',
        "nan.json": b'{"incident": {"id": "H", "title": "t", "severity": 2, "started_at": NaN}}',
        "not-utf8.yaml": b"incident: {id: \xff}\n",
    }
