"""Export: YAML packets that re-ingest to an identical graph (every demo incident, both
engines for a subset), and the readable markdown review."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import kb
from ingest.markdown import import_paths
from kb.cli import app
from kb.demo import generate_corpus
from kb.export import fetch_packet, gate_status, review_markdown, write_yaml
from kb.graph.enrich import replace_related
from kb.graph.reader import read_packets
from kb.knowledge_base import KnowledgeBase
from kb.model import EventPacket, Finding, FindingStatus, OkrProposal, WorkItem
from kb.packets import read_packet

from .conftest import DFDS, EXAMPLES, ROOT
from .graph_dump import dump_differences, graph_dump

OTHER = ROOT / "tests" / "fixtures" / "postmortems-other"
runner = CliRunner()


def _round_trip(source: KnowledgeBase, fresh: KnowledgeBase, packets: Sequence[EventPacket], out: Path) -> None:
    """Ingest, export every incident to YAML, ingest the files into a fresh database, compare."""
    source.ingest_packets(packets)
    keys = source.query("incidents")["incident"].tolist()
    assert len(keys) == len({p.key for p in packets})
    for packet in read_packets(source, keys):
        write_yaml(packet, out / f"{packet.key}.yaml")
    report = fresh.ingest_paths([out])
    assert report.ok, [str(r) for r in report.rejected]
    a, b = graph_dump(source), graph_dump(fresh)
    assert sum(map(len, a.values())) > 0
    assert dump_differences(a, b) == []
    assert a == b


def _imported() -> list[EventPacket]:
    paths = [OTHER] + ([DFDS] if DFDS.is_dir() else [])
    return [r.packet for r in import_paths(paths) if r.packet is not None]


def test_round_trip_examples_demo_subset_and_imports_on_ladybug(ladybug_kb: KnowledgeBase, tmp_path: Path) -> None:
    packets = (
        [read_packet(p) for p in sorted(EXAMPLES.glob("*.yaml"))]
        + generate_corpus(n_incidents=60, seed=3).packets
        + _imported()
    )
    fresh = kb.connect(engine="ladybug", db=tmp_path / "fresh.lbug")
    try:
        _round_trip(ladybug_kb, fresh, packets, tmp_path / "export")
    finally:
        fresh.close()


def test_round_trip_on_both_engines(any_kb: KnowledgeBase, tmp_path: Path) -> None:
    """Export from this engine, re-ingest into a fresh database of the same engine, compare.

    Neo4j Community has one database, so its 'fresh database' is the same one after a reset:
    the dump is taken before the reset and compared with the dump after re-ingest."""
    packets = (
        [read_packet(p) for p in sorted(EXAMPLES.glob("*.yaml"))]
        + generate_corpus(n_incidents=25, seed=5).packets
        + _imported()
    )
    any_kb.ingest_packets(packets)
    keys = any_kb.query("incidents")["incident"].tolist()
    out = tmp_path / "export"
    for packet in read_packets(any_kb, keys):
        write_yaml(packet, out / f"{packet.key}.yaml")
    before = graph_dump(any_kb)
    any_kb.engine.reset()
    assert any_kb.incident_count() == 0
    report = any_kb.ingest_paths([out])
    assert report.ok and len(report.incidents) == len(keys)
    after = graph_dump(any_kb)
    assert dump_differences(before, after) == []
    assert before == after


@pytest.mark.slow
def test_round_trip_every_demo_incident_on_ladybug(ladybug_kb: KnowledgeBase, tmp_path: Path) -> None:
    corpus = generate_corpus()  # the full demo: 320 incidents, seed 7
    fresh = kb.connect(engine="ladybug", db=tmp_path / "fresh.lbug")
    try:
        _round_trip(ladybug_kb, fresh, corpus.packets, tmp_path / "export")
    finally:
        fresh.close()


def test_the_dump_sees_a_difference(ladybug_kb: KnowledgeBase, tmp_path: Path) -> None:
    """The comparison can fail: one changed timestamp is a difference."""
    packet = read_packet(EXAMPLES / "INC-2025-001.yaml")
    ladybug_kb.ingest_packets([packet])
    before = graph_dump(ladybug_kb)
    changed = packet.model_copy(
        update={
            "incident": packet.incident.model_copy(update={"resolved_at": datetime(2025, 3, 14, 20, 16, tzinfo=UTC)})
        }
    )
    ladybug_kb.ingest_packets([changed])
    assert dump_differences(before, graph_dump(ladybug_kb)) != []


def test_gate_status_of_findings() -> None:
    base: dict[str, Any] = {"id": "R1", "statement": "Split the pools."}
    assert gate_status(Finding(**base)) == "open (still proposed)"
    assert gate_status(Finding(**base, status=FindingStatus.AGREED)) == "open (agreed, not tracked yet)"
    assert (
        gate_status(Finding(**base, status=FindingStatus.AGREED, work_items=[WorkItem(external_id="PLAT-1")]))
        == "tracked (PLAT-1)"
    )
    assert (
        gate_status(
            Finding(
                **base, status=FindingStatus.AGREED, okrs=[OkrProposal(id="O1", objective="Halve config incidents")]
            )
        )
        == "proposed as OKR (Halve config incidents)"
    )
    assert (
        gate_status(Finding(**base, status=FindingStatus.DEFERRED, deferred_reason="after the migration"))
        == "deferred: after the migration"
    )
    assert gate_status(Finding(**base, status=FindingStatus.DEFERRED)) == "open (deferred without a reason)"
    assert gate_status(Finding(**base, status=FindingStatus.DONE)) == "done"


def test_markdown_review_of_the_example(any_kb: KnowledgeBase) -> None:
    packet = read_packet(EXAMPLES / "INC-2025-001.yaml")
    other = packet.model_copy(
        update={
            "incident": packet.incident.model_copy(
                update={"id": "INC-2024-090", "title": "Checkout slow during the winter sale"}
            ),
            "analyses": [],
        }
    )
    any_kb.ingest_packets([other, packet], run_hooks=False)
    replace_related(
        any_kb.engine,
        ["INC-2025-001"],
        [{"src": "INC-2025-001", "dst": "INC-2024-090", "score": 0.87, "basis": "shared themes: core-db-saturation"}],
    )
    stored = fetch_packet(any_kb, "INC-2025-001")
    text = review_markdown(stored, any_kb.query("export_related", keys=["INC-2025-001"]))
    for heading in (
        "# INC-2025-001: Checkout latency during the spring campaign",
        "## Summary",
        "## Impact",
        "## Timeline",
        "## Causal web (contribution map, analysis A1)",
        "## Findings and the integration gate",
        "## Similar past incidents",
    ):
        assert heading in text
    assert "| 2025-03-14 17:09 | detection | Checkout p99 latency alert fired _(alertmanager)_ |" in text
    assert "- **Time to detection:** 7 min" in text
    assert (
        "- F3 “Campaign launches are not announced to the platform team, so no capacity review happens” "
        "contributed to F1 “Campaign traffic tripled read load on the shared core database”."
    ) in text
    assert "contributed directly to the impact." in text
    assert "- Capacity review before campaigns (preventive) missing, defeated by F3." in text
    assert "### R1: tracked (PLAT-101)" in text
    assert (
        "- INC-2024-090 — Checkout slow during the winter sale (score 0.87, shared themes: core-db-saturation)" in text
    )
    # Seen from the other side, the same edge is the other incident's check.
    back = review_markdown(fetch_packet(any_kb, "INC-2024-090"), any_kb.query("export_related", keys=["INC-2024-090"]))
    assert "- INC-2025-001 — Checkout latency during the spring campaign (score 0.87" in back


def test_cli_export_yaml_and_markdown(tmp_path: Path) -> None:
    db = tmp_path / "g.lbug"
    doc = OTHER / "INC-2024-017 - Checkout API errors.md"
    assert runner.invoke(app, ["import", "markdown", str(doc), "--ingest", "--db", str(db)]).exit_code == 0
    out = tmp_path / "INC-2024-017.yaml"
    result = runner.invoke(app, ["export", "INC-2024-017", "--db", str(db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    packet = read_packet(out)
    assert (packet.provenance.source, packet.provenance.imported, packet.provenance.reviewed) == (
        "markdown",
        True,
        False,
    )
    assert len(packet.timeline) == 6
    md = runner.invoke(app, ["export", "INC-2024-017", "--format", "markdown", "--db", str(db)])
    assert md.exit_code == 0, md.output
    assert "# INC-2024-017: Checkout API 5xx errors Postmortem" in md.stdout
    assert "imported, not yet reviewed" in md.stdout
    assert "### a1: tracked (PAY-311)" in md.stdout
    assert "### a2: open (agreed, not tracked yet)" in md.stdout
    assert "### a3: done" in md.stdout
    assert "(process, guessed" in md.stdout
    missing = runner.invoke(app, ["export", "INC-NOPE", "--db", str(db)])
    assert missing.exit_code == 2 and "no incident 'INC-NOPE'" in missing.stderr
