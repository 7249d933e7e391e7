"""Packet owner and SLA: `kb new` scaffolds a packet with its owner and due time from kb.toml;
`kb packets pending` lists what is overdue or due soon, from files and from the graph (both engines)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kb.cli import app
from kb.graph.reader import read_packets
from kb.knowledge_base import KnowledgeBase
from kb.lint.packet_sla import (
    SECTIONS,
    PacketSettings,
    SlaError,
    load_settings,
    parse_duration,
    pending_in_files,
    pending_in_graph,
    scaffold,
    write_scaffold,
)
from kb.packets import packet_files, read_packet, write_packet

from .conftest import ROOT

runner = CliRunner()
NOW = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("24h", timedelta(hours=24)),
        ("90m", timedelta(minutes=90)),
        ("1d12h", timedelta(hours=36)),
        ("2d", timedelta(days=2)),
    ],
)
def test_durations(text: str, value: timedelta) -> None:
    assert parse_duration(text, "x") == value


@pytest.mark.parametrize("bad", ["", "24", "0h", "soon", 24, "-3h", "1w"])
def test_bad_durations_name_the_field(bad: object) -> None:
    with pytest.raises(SlaError, match=r"^where: expected a duration"):
        parse_duration(bad, "where")


def test_sla_from_kb_toml_and_pyproject(tmp_path: Path) -> None:
    assert load_settings(start=tmp_path) == PacketSettings()  # no kb.toml anywhere up: 24 h, 6 h
    toml = tmp_path / "kb.toml"
    toml.write_text('[packets]\nsla = "36h"\nwithin = "2h"\n', encoding="utf-8")
    assert load_settings(start=tmp_path / "sub") == PacketSettings(timedelta(hours=36), timedelta(hours=2), toml)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.incident-kb.packets]\nsla = "12h"\n', encoding="utf-8")
    assert load_settings(pyproject).sla == timedelta(hours=12)
    toml.write_text("[packets]\nsla = 24\n", encoding="utf-8")
    with pytest.raises(SlaError, match=r"kb.toml: packets.sla: expected a duration like \"24h\".*\(got 24\)"):
        load_settings(toml)
    toml.write_text('[packets]\nsl = "2h"\n', encoding="utf-8")
    with pytest.raises(SlaError, match=r"packets.sl: unknown setting; expected sla or within"):
        load_settings(toml)


def test_scaffold_has_every_section_owner_and_due_time(tmp_path: Path) -> None:
    settings = PacketSettings(sla=timedelta(hours=36))
    resolved = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
    packet = scaffold("INC-42", now=NOW, settings=settings, owner="Avery", resolved_at=resolved)
    assert packet.incident.compile_by == resolved + timedelta(hours=36) and packet.incident.owner == "Avery"
    path = write_scaffold(packet, settings, tmp_path)
    text = path.read_text(encoding="utf-8")
    assert all(f"\n{name}: []\n" in text for name in SECTIONS)
    assert read_packet(path) == packet  # the scaffold is a valid packet as written
    # Without a resolution time the SLA counts from the scaffolding.
    assert scaffold("INC-43", now=NOW, settings=settings).incident.compile_by == NOW + timedelta(hours=36)
    with pytest.raises(FileExistsError):
        write_scaffold(scaffold("INC-42", now=NOW, settings=settings), settings, tmp_path)
    assert path.read_text(encoding="utf-8") == text


def test_packets_without_owner_or_due_time_stay_valid_and_are_never_pending() -> None:
    examples = list(packet_files([ROOT / "examples" / "packets"]))
    packets = [read_packet(p) for p in examples]
    assert packets and all(p.incident.owner is None and p.incident.compile_by is None for p in packets)
    assert pending_in_files(examples, NOW, timedelta(days=10_000)).rows.empty


def _three(tmp_path: Path) -> None:
    settings = PacketSettings()
    for key, owner, resolved in (
        ("INC-LATE", "bram", NOW - timedelta(hours=30)),  # due 6 h ago
        ("INC-SOON", "chidi", NOW - timedelta(hours=20)),  # due in 4 h
        ("INC-LATER", "ezra", NOW - timedelta(hours=1)),  # due in 23 h
    ):
        write_scaffold(scaffold(key, now=NOW, settings=settings, owner=owner, resolved_at=resolved), settings, tmp_path)
    done = scaffold("INC-DONE", now=NOW, settings=settings, owner="avery", resolved_at=NOW - timedelta(days=3))
    done.incident.compiled_at = NOW - timedelta(days=2)
    write_packet(done, tmp_path / "INC-DONE.yaml")


def test_pending_in_files(tmp_path: Path) -> None:
    _three(tmp_path)
    (tmp_path / "broken.yaml").write_text("incident: {}\n", encoding="utf-8")
    result = pending_in_files([tmp_path], NOW, timedelta(hours=6))
    rows = result.rows[["incident", "owner", "hours_left", "status"]].values.tolist()
    assert rows == [["INC-LATE", "bram", -6.0, "overdue"], ["INC-SOON", "chidi", 4.0, "due soon"]]
    assert len(result.errors) == 1 and "broken.yaml: incident.id" in result.errors[0]
    assert pending_in_files([tmp_path], NOW, timedelta(hours=24)).rows["incident"].tolist()[-1] == "INC-LATER"


def test_owner_and_due_time_in_the_graph(any_kb: KnowledgeBase, tmp_path: Path) -> None:
    _three(tmp_path)
    packets = [read_packet(p) for p in sorted(tmp_path.glob("*.yaml"))]
    any_kb.ingest_packets(packets)
    stored = {p.key: p for p in read_packets(any_kb, [p.key for p in packets])}
    assert all(stored[p.key].incident == p.incident for p in packets)  # owner, compile_by exact on this engine
    from_graph = pending_in_graph(any_kb, NOW, timedelta(hours=6)).rows
    from_files = pending_in_files([tmp_path], NOW, timedelta(hours=6)).rows
    assert from_graph.drop(columns="where").equals(from_files.drop(columns="where"))
    assert set(from_graph["where"]) == {"graph"}


def test_cli_new_and_pending(tmp_path: Path) -> None:
    (tmp_path / "kb.toml").write_text('[packets]\nsla = "48h"\n', encoding="utf-8")
    config = str(tmp_path / "kb.toml")
    out = tmp_path / "packets"
    args = ["new", "INC-7", "--owner", "Avery", "--title", "Checkout 5xx", "--out", str(out), "--config", config]
    made = runner.invoke(app, [*args, "--resolved-at", "2026-11-27T10:00Z"])
    assert made.exit_code == 0, made.output
    assert read_packet(out / "INC-7.yaml").incident.compile_by == datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "exists; not written over" in again.stderr
    bad = runner.invoke(app, ["new", "a/b", "--out", str(out)])
    assert bad.exit_code == 2 and "incident.id" in bad.stderr and "Traceback" not in bad.output
    listed = runner.invoke(app, ["packets", "pending", str(out), "--at", "2026-11-29T20:00Z", "-f", "json"])
    assert listed.exit_code == 1  # one overdue
    assert [(r["incident"], r["owner"], r["status"]) for r in json.loads(listed.stdout)] == [
        ("INC-7", "Avery", "overdue")
    ]
    db = tmp_path / "db"
    assert runner.invoke(app, ["ingest", str(out), "--db", str(db)]).exit_code == 0
    graph = runner.invoke(app, ["packets", "pending", "--db", str(db), "--at", "2026-11-29T05:00Z", "-f", "csv"])
    assert graph.exit_code == 0 and "INC-7,Checkout 5xx,Avery" in graph.stdout and "due soon" in graph.stdout
    assert runner.invoke(app, ["packets", "pending", str(out), "--within", "soon"]).exit_code == 2
    assert "--owner" in runner.invoke(app, ["new", "--help"]).output


def test_a_database_made_before_owners_existed_gets_the_columns(tmp_path: Path) -> None:
    import dataclasses

    import kb
    from kb.engines import EngineUnavailable
    from kb.engines.ladybug_engine import LadybugEngine
    from kb.model.schema import NODES, RELS

    db = tmp_path / "old.lbug"
    old_nodes = [
        dataclasses.replace(n, props={k: v for k, v in n.props.items() if k not in ("owner", "compile_by")})
        if n.label == "Incident"
        else n
        for n in NODES
    ]
    engine = LadybugEngine(db)
    engine.apply_schema(old_nodes, RELS)
    engine.close()
    packet = scaffold("INC-OLD", now=NOW, settings=PacketSettings(), owner="bram")
    with kb.connect(engine="ladybug", db=db, read_only=True) as reader, pytest.raises(EngineUnavailable) as err:
        pending_in_graph(reader, NOW, timedelta(hours=6))  # a reader cannot add them: it says what to run
    assert "made by an older version" in str(err.value) and "run `kb init` once" in str(err.value)
    with kb.connect(engine="ladybug", db=db) as kbase:  # a writer opens it: the two columns are added
        kbase.ingest_packets([packet])
        assert read_packets(kbase, ["INC-OLD"])[0].incident == packet.incident
        assert pending_in_graph(kbase, NOW + timedelta(days=2), timedelta(0)).rows["owner"].tolist() == ["bram"]
