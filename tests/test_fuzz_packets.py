"""Property-based fuzzing of the packet reader: every file is a clean rejection (PacketError naming
the file and fields) or a packet that reads back the same after writing; no other exception, no hang."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from kb.model import EventPacket
from kb.model.documents import INT64_MAX, INT64_MIN, MAX_YEAR, MIN_YEAR, dump_yaml
from kb.packets import PacketError, dump_packet, parse_packet, read_packet
from tests.fuzz_support import (
    TALLY,
    VALUES,
    base_packet,
    delete_path,
    fuzz_settings,
    hang_guard,
    paths,
    report_tally,
    set_path,
    similar,
    text_edits,
)

pytestmark = pytest.mark.timeout(300)  # a generous guard against a hang; each case has its own too

BASE = base_packet()
BASE_PATHS = list(paths(BASE))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("fuzz-packets")
    report_tally(request)


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def check_outcome(file: Path, reader: str) -> None:
    """Read one file and judge the outcome: a rejection must name the file on every line, an
    accepted packet must hold the engines' ranges and come back the same from what we would write."""
    try:
        with hang_guard():
            packet = read_packet(file)
    except PacketError as exc:
        assert exc.file == file and exc.problems
        for line in str(exc).splitlines():
            assert line.startswith(f"{file}: "), line
        assert len(str(exc)) < 20_000  # the message never expands the input
        TALLY[(reader, "rejected")] += 1
        return
    TALLY[(reader, "accepted")] += 1
    assert isinstance(packet, EventPacket)
    data = packet.model_dump()
    for value in _leaves(data):
        if isinstance(value, datetime):
            assert value.tzinfo == UTC and MIN_YEAR - 1 <= value.year <= MAX_YEAR + 1
        if isinstance(value, int) and not isinstance(value, bool):
            assert INT64_MIN <= value <= INT64_MAX
    assert not isinstance(packet.incident.severity, bool)
    written = json.loads(json.dumps(dump_packet(packet)))
    assert parse_packet(written, file) == packet


@st.composite
def mutated_packets(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        live = list(paths(data)) or BASE_PATHS
        path = draw(st.sampled_from(live))
        action = draw(st.sampled_from(["similar", "similar", "similar", "set", "delete", "duplicate", "unknown"]))
        try:
            if action == "similar":
                parent = data
                for part in path[:-1]:
                    parent = parent[part]
                set_path(data, path, draw(similar(parent[path[-1]])))
            elif action == "set":
                set_path(data, path, draw(VALUES))
            elif action == "delete":
                delete_path(data, path)
            elif action == "duplicate":
                parent = data
                for part in path[:-1]:
                    parent = parent[part]
                if isinstance(parent, list):
                    parent.append(copy.deepcopy(parent[path[-1]]))
            else:
                parent = data
                for part in path[:-1]:
                    parent = parent[part]
                if isinstance(parent, dict):
                    parent["unexpected_" + str(draw(st.integers(0, 9)))] = draw(VALUES)
        except (KeyError, IndexError, TypeError):
            pass  # an earlier mutation replaced the container
    return data


def _serialise(data: Any, as_json: bool) -> str:
    if as_json:
        return json.dumps(data, allow_nan=True, default=str)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


@fuzz_settings(700)
@given(data=mutated_packets(), as_json=st.booleans())
def test_mutated_packets_are_rejected_cleanly_or_read_back_the_same(workdir: Path, data: Any, as_json: bool) -> None:
    file = workdir / ("p.json" if as_json else "p.yaml")
    file.write_text(_serialise(data, as_json), encoding="utf-8")
    check_outcome(file, "packet (structure)")


YAML_TEXT = dump_yaml(BASE)
JSON_TEXT = json.dumps(BASE, indent=1)


@fuzz_settings(500)
@given(as_json=st.booleans(), data=st.data())
def test_edited_packet_text_is_rejected_cleanly_or_read_back_the_same(
    workdir: Path, as_json: bool, data: st.DataObject
) -> None:
    text = data.draw(text_edits(JSON_TEXT if as_json else YAML_TEXT))
    file = workdir / ("t.json" if as_json else "t.yaml")
    file.write_bytes(text.encode("utf-8", "surrogatepass"))
    check_outcome(file, "packet (text)")


def test_the_base_packet_is_accepted(workdir: Path) -> None:
    """The fuzz starts from a valid packet: otherwise every case would be a rejection."""
    file = workdir / "base.yaml"
    file.write_text(YAML_TEXT, encoding="utf-8")
    check_outcome(file, "packet (base)")
    assert read_packet(file).analyses[0].related_check.related == ["INC-0"]  # type: ignore[union-attr]
