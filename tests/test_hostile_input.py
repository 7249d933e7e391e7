"""Hostile input: one bad file is that file's rejection, never the run's end; what passes
validation is stored as given on both engines; 1 MB adversarial files finish."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ingest import pagerduty as pd
from kb.graph.reader import read_packets
from kb.integrations.jira_csv import JiraCsvError, read_export
from kb.knowledge_base import KnowledgeBase
from kb.model import EventPacket
from kb.model.documents import INT64_MAX, MAX_TEXT
from kb.packets import PacketError, parse_packet, read_packet, write_packet
from kb.roadmap import RoadmapError, read_roadmap
from tests import hostile_files
from tests.fuzz_support import base_packet


def _good(n: int) -> EventPacket:
    data = base_packet()
    data["incident"]["id"] = f"GOOD-{n}"
    return parse_packet(data, Path(f"good-{n}.yaml"))


def _extreme() -> EventPacket:
    """Valid, at the edges of what the engines store, and with what used to be lost or changed."""
    data = base_packet()
    inc = data["incident"]
    inc.update(
        id="GOOD-EDGE",
        title="  padded title\t",
        customers_affected=INT64_MAX,
        revenue_impact=1e308,
        started_at="1900-01-01T00:30:00-05:00",
        resolved_at="2200-12-31T18:00:00-05:00",
        summary="x" * 10_000 + " [red]markup[/red] GET [/api/checkout]",
    )
    data["participants"].append({"handle": "ann", "role": "facilitator", "team": "payments"})  # a second role
    data["timeline"].append(copy.deepcopy(data["timeline"][0]))  # the same event twice, without an id
    data["decisions"] += [
        {"at": "2025-01-05T19:30:00Z", "decision": "Page the CA owner"},  # index 1, no id
        {"id": "1", "at": "2025-01-05T19:40:00Z", "decision": "Freeze deploys"},
    ]
    data["analyses"][0]["related_check"]["related"] = ["GOOD-1", "INC-ELSEWHERE"]
    return parse_packet(data, Path("edge.yaml"))


def _comparable(packet: EventPacket) -> dict[str, Any]:
    """What must come back from the graph: all of it, up to the order of participants and the
    ids the graph gives events that had none."""
    data = packet.model_dump(exclude={"provenance"})
    data["timeline"] = sorted((e["at"], e["kind"], e["text"], e["source"]) for e in data["timeline"])
    data["participants"] = sorted((p["handle"], p["role"], p["team"] or "") for p in data["participants"])
    data["decisions"] = sorted((d["at"], d["decision"]) for d in data["decisions"])
    return data


def test_good_packets_are_stored_whatever_hostile_files_share_the_run(any_kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    good = [_good(n) for n in range(1, 5)] + [_extreme()]
    for p in good:
        write_packet(p, folder / f"{p.key}.yaml")
    hostile = hostile_files.packet_files()
    for name, data in hostile.items():
        (folder / f"zz-{name}").write_bytes(data)
    report = any_kb.ingest_paths([folder])
    assert sorted(p.name for p in report.accepted) == sorted(f"{p.key}.yaml" for p in good)
    assert sorted(e.file.name for e in report.rejected) == sorted(f"zz-{n}" for n in hostile)
    for exc in report.rejected:
        assert all(str(p).startswith(f"{exc.file}: ") for p in exc.problems)
    assert report.incidents == [p.key for p in good]
    stored = {p.key: p for p in read_packets(any_kb, [p.key for p in good])}
    assert set(stored) == {p.key for p in good}
    for p in good:  # stored as given: whitespace, the second role, both events, the related list
        assert _comparable(stored[p.key]) == _comparable(p)
    edge = stored["GOOD-EDGE"]
    assert edge.incident.title == "  padded title\t"
    assert edge.incident.customers_affected == INT64_MAX
    assert sorted(p.role.value for p in edge.participants if p.handle == "ann") == ["facilitator", "incident_lead"]
    assert len(edge.timeline) == 3
    assert len(edge.decisions) == 3 and "1" in {d.id for d in edge.decisions}
    assert edge.analyses[0].related_check and edge.analyses[0].related_check.related == ["GOOD-1", "INC-ELSEWHERE"]


def test_reingest_keeps_both_roles_and_both_events(any_kb: KnowledgeBase, tmp_path: Path) -> None:
    """The in-place replacement path (MERGE) must not collapse parallel edges either."""
    edge = _extreme()
    any_kb.ingest_packets([edge])
    any_kb.ingest_packets([edge])
    [again] = read_packets(any_kb, [edge.key])
    assert sorted((p.handle, p.role.value) for p in again.participants) == sorted(
        (p.handle, p.role.value) for p in edge.participants
    )
    assert len(again.timeline) == 3


@pytest.mark.parametrize(
    ("data", "field", "expected"),
    [
        (
            {
                "decisions": [
                    {"id": "D1", "at": "2025-01-05T19:00:00Z", "decision": "a"},
                    {"id": "D1", "at": "2025-01-05T19:10:00Z", "decision": "b"},
                ]
            },
            "decisions.id",
            "repeated: D1",
        ),
        (
            {"participants": [{"handle": "ann", "role": "responder"}, {"handle": "ann", "role": "responder"}]},
            "participants",
            "ann as responder",
        ),
        ({"incident": {"severity": True}}, "incident.severity", "SEV1..SEV5"),
        ({"incident": {"severity": "2"}}, "incident.severity", "SEV1..SEV5"),
        ({"incident": {"severity": 2.0}}, "incident.severity", "SEV1..SEV5"),
        ({"incident": {"customers_affected": "12"}}, "incident.customers_affected", "valid integer"),
        ({"incident": {"customers_affected": 2**63}}, "incident.customers_affected", "9223372036854775807"),
        ({"incident": {"started_at": 1735689600}}, "incident.started_at", "not the number"),
        ({"incident": {"started_at": "0001-01-01T00:00:00+05:00"}}, "incident.started_at", "between the years"),
        ({"incident": {"id": ".."}}, "incident.id", "can name a file"),
        ({"incident": {"id": "a/b"}}, "incident.id", "pattern"),
        ({"incident": {"title": "   "}}, "incident.title", "pattern"),
        ({"incident": {"summary": "x" * (MAX_TEXT + 1)}}, "incident.summary", "at most"),
        ({"provenance": {"reviewed": "yes"}}, "provenance.reviewed", "valid boolean"),
        (
            {"metrics": [{"name": "m", "points": [{"at": "2025-01-05T19:00:00Z", "value": float("inf")}]}]},
            "metrics.0.points.0.value",
            "finite",
        ),
    ],
)
def test_values_are_not_coerced_and_field_is_named(data: dict[str, Any], field: str, expected: str) -> None:
    packet = base_packet()
    for section, value in data.items():
        if isinstance(value, dict):
            packet[section].update(value)
        else:
            packet[section] = value
    with pytest.raises(PacketError) as err:
        parse_packet(packet, Path("p.yaml"))
    problems = {p.field: p.expected for p in err.value.problems}
    assert field in problems, problems
    assert expected in problems[field]


@pytest.mark.parametrize("name", sorted(hostile_files.packet_files()))
def test_hostile_packet_files_are_rejected_naming_the_file(tmp_path: Path, name: str) -> None:
    file = tmp_path / name
    file.write_bytes(hostile_files.packet_files()[name])
    with pytest.raises(PacketError) as err:
        read_packet(file)
    assert all(str(p).startswith(f"{file}: ") and "\n" not in str(p) for p in err.value.problems)
    assert len(str(err.value)) < 2_000  # the alias bomb is not expanded into the message


def _pd(file: Path) -> None:
    for inc in pd.read_file(file):
        pd.new_packet(inc)


READERS: dict[str, tuple[Callable[[Path], Any], type[Exception], Callable[[], dict[str, bytes]], str]] = {
    "pagerduty": (_pd, pd.PagerDutyError, hostile_files.pagerduty_files, ".json"),
    "jira": (read_export, JiraCsvError, hostile_files.jira_files, ".csv"),
    "roadmap": (read_roadmap, RoadmapError, hostile_files.roadmap_files, ""),
}
CASES = [(kind, name) for kind, (_, _, files, _) in READERS.items() for name in sorted(files())]


@pytest.mark.parametrize(("kind", "name"), CASES)
def test_malformed_files_end_as_the_readers_own_error(tmp_path: Path, kind: str, name: str) -> None:
    read, error, files, suffix = READERS[kind]
    file = tmp_path / (name + suffix)
    file.write_bytes(files()[name])
    try:
        read(file)
    except error as exc:
        assert str(exc).startswith(f"{file}: ") and "\n" not in str(exc) and len(str(exc)) < 2_000
    # Accepted is fine too (a short row, a CSV without rows): what matters is no other exception.


MEGABYTE = 1_000_000


def _adversarial() -> dict[str, tuple[str, bytes]]:
    """1 MB files aimed at backtracking regexes, splitters and parsers, per reader."""
    pd_priority = hostile_files.GOOD_INCIDENT
    spaces = " " * MEGABYTE
    return {
        "packet: summary of spaces": (
            "p.yaml",
            (
                "incident:\n  id: ADV\n  title: t\n  severity: 2\n  started_at: 2025-01-01T00:00:00Z\n"
                f"  summary: '{spaces}x'\n"
            ).encode(),
        ),
        "packet: brackets": ("p.yaml", b"[" * MEGABYTE),
        "packet: aliases": ("p.yaml", b"a: &a [x]\nb: [" + b"*a," * (MEGABYTE // 3) + b"]\n"),
        "packet: one long key": ("p.json", b'{"' + b"k" * MEGABYTE + b'": 1}'),
        "packet: id of dots": (
            "p.yaml",
            (
                "incident:\n  id: '" + "." * MEGABYTE + "'\n  title: t\n  severity: 2\n"
                "  started_at: 2025-01-01T00:00:00Z\n"
            ).encode(),
        ),
        "pagerduty: priority of spaces": (
            "pd.json",
            hostile_files._j({"incident": {**pd_priority, "priority": {"summary": spaces + "P"}}}),
        ),
        "pagerduty: title of brackets": (
            "pd.json",
            hostile_files._j({"incident": {**pd_priority, "title": "[" * MEGABYTE}}),
        ),
        "jira: quotes": ("j.csv", hostile_files.JIRA_HEADER.encode() + b'"' * MEGABYTE),
        "jira: commas": ("j.csv", hostile_files.JIRA_HEADER.encode() + b"," * MEGABYTE),
        "jira: resolved digits": ("j.csv", hostile_files.JIRA_HEADER.encode() + b"OPS-1,x,Done,," + b"1" * MEGABYTE),
        "roadmap: findings separators": ("r.csv", b"key,title,findings\nR1,t," + b";|" * (MEGABYTE // 2) + b"\n"),
        "roadmap: title of spaces": ("r.yaml", f"- key: R1\n  title: '{spaces}'\n".encode()),
    }


ADVERSARIAL = _adversarial()


# Times are in pytest's --durations report; the timeout guards against a hang, it is not a budget.
@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_one_megabyte_adversarial_files_finish(tmp_path: Path, name: str) -> None:
    filename, data = ADVERSARIAL[name]
    file = tmp_path / filename
    file.write_bytes(data)
    readers: dict[str, Callable[[Path], Any]] = {
        "packet": read_packet,
        "pagerduty": _pd,
        "jira": read_export,
        "roadmap": read_roadmap,
    }
    read = readers[name.split(":")[0]]
    try:
        read(file)
    except (PacketError, pd.PagerDutyError, JiraCsvError, RoadmapError) as exc:
        lines = str(exc).splitlines()  # a packet's problems are one line each
        assert lines and all(line.startswith(f"{file}: ") and len(line) < 2_000 for line in lines)


def test_the_json_schema_agrees_with_the_model() -> None:
    """`kb schema` is what editors validate with: it accepts the packets the model accepts and
    rejects, where JSON Schema can say it, what the model rejects."""
    jsonschema = pytest.importorskip("jsonschema")
    from kb.demo import generate_corpus
    from kb.packets import dump_packet

    validator = jsonschema.Draft202012Validator(EventPacket.model_json_schema())
    for packet in [*generate_corpus(40).packets, _extreme()]:
        assert not list(validator.iter_errors(dump_packet(packet))), packet.key
    for incident in (
        {"id": ".."},
        {"severity": True},
        {"customers_affected": 2**63},
        {"title": "   "},
        {"customers_affected": "12"},
        {"started_at": 1735689600},
    ):
        data = base_packet()
        data["incident"].update(incident)
        assert list(validator.iter_errors(data)), incident
        with pytest.raises(PacketError):
            parse_packet(data, Path("p.yaml"))


def test_a_database_made_before_related_was_stored_takes_new_packets(tmp_path: Path) -> None:
    """Opening a Ladybug database adds the properties the schema gained since it was made."""
    import kb

    db = tmp_path / "old.lbug"
    with kb.connect(engine="ladybug", db=db) as old:
        old.engine.write([("ALTER TABLE Analysis DROP related", {})])  # as the previous version made it
    with kb.connect(engine="ladybug", db=db) as kbase:
        kbase.ingest_packets([_extreme()])
        [back] = read_packets(kbase, ["GOOD-EDGE"])
    assert back.analyses[0].related_check and back.analyses[0].related_check.related == ["GOOD-1", "INC-ELSEWHERE"]
