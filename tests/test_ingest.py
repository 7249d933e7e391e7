"""Ingest on both engines: idempotence, replacement, rejection, verbatim text."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from kb.knowledge_base import KnowledgeBase
from kb.packets import parse_packet, read_packet, write_packet

from .conftest import EXAMPLES

EXAMPLE = EXAMPLES / "INC-2025-001.yaml"


def _counts(kbase: KnowledgeBase) -> dict[str, int]:
    return {row.name: row.count for row in kbase.stats().itertuples()}


def _example_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    return data


def _packet_file(tmp_path: Path, data: dict[str, Any], name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_ingest_twice_changes_nothing(any_kb: KnowledgeBase) -> None:
    first = any_kb.ingest_paths([EXAMPLES])
    assert first.ok and first.incidents == ["INC-2025-001"]
    before = _counts(any_kb)
    assert before["Incident"] == 1 and before["Factor"] == 4 and before["CONTRIBUTED_TO"] == 2
    any_kb.ingest_paths([EXAMPLES])
    assert _counts(any_kb) == before


def test_corrected_packet_replaces_what_it_said(any_kb: KnowledgeBase, tmp_path: Path) -> None:
    any_kb.ingest_paths([EXAMPLE])
    data = _example_data()
    analysis = data["analyses"][0]
    # Drop factor F4 and everything that referred to it; rename a service; drop a work item.
    analysis["factors"] = [f for f in analysis["factors"] if f["id"] != "F4"]
    analysis["influences"] = [i for i in analysis["influences"] if "F4" not in (i["source"], i["target"])]
    data["incident"]["services"] = ["checkout"]
    analysis["findings"][0]["work_items"] = []
    analysis["findings"][0]["statement"] = "Split the pools so checkout keeps reserved connections."
    report = any_kb.ingest_paths([_packet_file(tmp_path, data)])
    assert report.ok
    counts = _counts(any_kb)
    assert counts["Factor"] == 3
    assert counts["CONTRIBUTED_TO"] == 1
    assert counts["AFFECTED"] == 1
    assert counts["TRACKED_BY"] == 0 and counts["WorkItem"] == 0  # orphaned packet work item removed
    assert counts["Service"] == 2  # shared nodes stay; only the incident's edge went
    factors = any_kb.cypher("MATCH (f:Factor) RETURN f.local_id AS id ORDER BY id")
    assert factors["id"].tolist() == ["F1", "F2", "F3"]
    stmt = any_kb.cypher("MATCH (f:Finding {local_id: 'R1'}) RETURN f.statement AS s")["s"].iloc[0]
    assert stmt == "Split the pools so checkout keeps reserved connections."


def test_tool_made_links_survive_reingest(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_paths([EXAMPLE])
    any_kb.engine.write(
        [
            (
                "MATCH (f:Finding {key: $f}) MERGE (w:WorkItem {key: 'jira:PLAT-999'}) SET w.origin = 'jira-push' "
                "MERGE (f)-[t:TRACKED_BY]->(w) SET t.origin = 'jira-push'",
                {"f": "INC-2025-001/finding/R2"},
            )
        ]
    )
    any_kb.ingest_paths([EXAMPLE])
    tracked = any_kb.cypher(
        "MATCH (f:Finding)-[:TRACKED_BY]->(w:WorkItem) RETURN f.local_id AS finding, w.key AS item ORDER BY item"
    )
    assert tracked.to_dict("records") == [
        {"finding": "R1", "item": "jira:PLAT-101"},
        {"finding": "R2", "item": "jira:PLAT-999"},
    ]


def test_malformed_packet_rejected_others_ingested(any_kb: KnowledgeBase, tmp_path: Path) -> None:
    any_kb.ingest_paths([EXAMPLE])
    before = _counts(any_kb)
    good = copy.deepcopy(_example_data())
    good["incident"]["id"] = "INC-2025-002"
    bad = copy.deepcopy(_example_data())
    bad["incident"]["id"] = "INC-2025-001"  # would replace the stored one if it were accepted
    bad["analyses"][0]["factors"][0]["category"] = "human"
    dangling = copy.deepcopy(_example_data())
    dangling["incident"]["id"] = "INC-2025-003"
    dangling["analyses"][0]["influences"].append({"source": "F1", "target": "F9"})
    folder = tmp_path / "run"
    folder.mkdir()
    _packet_file(folder, good, "a-good.yaml")
    bad_path = _packet_file(folder, bad, "b-bad.yaml")
    (folder / "c-broken.json").write_text("{not json")
    _packet_file(folder, dangling, "d-dangling.yaml")
    report = any_kb.ingest_paths([folder])
    assert [p.name for p in report.accepted] == ["a-good.yaml"]
    assert [e.file.name for e in report.rejected] == ["b-bad.yaml", "c-broken.json", "d-dangling.yaml"]
    problems = {p.field: p.expected for p in report.rejected[0].problems}
    assert report.rejected[0].file == bad_path
    assert "analyses.0.factors.0.category" in problems
    assert "technical" in problems["analyses.0.factors.0.category"]
    assert report.rejected[1].problems[0].field == "(syntax)"
    [dangling_problem] = report.rejected[2].problems
    assert dangling_problem.field == "analyses.0.influences.4.target"
    assert "'F9' is not a factor id of this analysis" in dangling_problem.expected
    after = _counts(any_kb)
    assert after["Incident"] == before["Incident"] + 1
    # The stored INC-2025-001 is untouched: its category is still what the good file said.
    cat = any_kb.cypher("MATCH (f:Factor {key: 'INC-2025-001/factor/F1'}) RETURN f.category AS c")["c"].iloc[0]
    assert cat == "technical"


TRICKY = [
    "'); MATCH (n) DETACH DELETE n; //",
    "quote \" and ' and back\\slash \\n not a newline",
    "emoji 🔥🚒 and accents déjà vu, 中文",
    "$rows {key: 'x'} `backticks` /* comment */",
    "x" * 100_000,
]


def test_values_reach_cypher_as_parameters_verbatim(any_kb: KnowledgeBase, tmp_path: Path) -> None:
    data = _example_data()
    factors = data["analyses"][0]["factors"]
    for factor, text in zip(factors, TRICKY[:4], strict=True):
        factor["statement"] = text
    data["incident"]["title"] = TRICKY[0]
    data["incident"]["summary"] = TRICKY[4]
    report = any_kb.ingest_paths([_packet_file(tmp_path, data)])
    assert report.ok, report.rejected
    assert _counts(any_kb)["Incident"] == 1
    got = any_kb.cypher("MATCH (f:Factor) RETURN f.local_id AS id, f.statement AS s ORDER BY id")
    assert got["s"].tolist() == TRICKY[:4]
    inc = any_kb.cypher("MATCH (i:Incident) RETURN i.title AS t, i.summary AS s")
    assert inc["t"].iloc[0] == TRICKY[0]
    assert inc["s"].iloc[0] == TRICKY[4]


def test_non_utc_timestamps_normalised(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_paths([EXAMPLE])
    row = any_kb.cypher("MATCH (i:Incident) RETURN i.started_at AS s, i.resolved_at AS r").iloc[0]
    # 18:02 at +01:00 is 17:02 UTC; 20:15 at +01:00 is 19:15 UTC.
    assert row["s"].isoformat() == "2025-03-14T17:02:00+00:00"
    assert row["r"].isoformat() == "2025-03-14T19:15:00+00:00"
    closed = any_kb.cypher("MATCH (w:WorkItem) RETURN w.closed_at AS c")["c"].iloc[0]
    assert closed.isoformat() == "2025-04-02T14:00:00+00:00"  # given at +02:00


def test_packet_file_round_trip(tmp_path: Path) -> None:
    packet = read_packet(EXAMPLE)
    for suffix in (".yaml", ".json"):
        again = read_packet(write_packet(packet, tmp_path / f"p{suffix}"))
        assert again == packet


def test_json_schema_matches_model() -> None:
    """The schema `kb schema` prints accepts what the model accepts and rejects what it rejects."""
    import fastjsonschema  # jsonschema takes ~10 s to import here (its URI grammar); this one 0.1 s

    from kb.model import EventPacket
    from kb.packets import PacketError, dump_packet

    validate = fastjsonschema.compile(EventPacket.model_json_schema())
    good = dump_packet(read_packet(EXAMPLE))
    bad_status, no_incident, bad_severity, extra = (copy.deepcopy(good) for _ in range(4))
    bad_status["analyses"][0]["barriers"][0]["status"] = "broken"
    del no_incident["incident"]
    bad_severity["incident"]["severity"] = 9
    extra["incident"]["surprise"] = 1
    cases = {
        "good": (good, True),
        "bad status": (bad_status, False),
        "no incident": (no_incident, False),
        "severity 9": (bad_severity, False),
        "unknown field": (extra, False),
    }
    for name, (doc, valid) in cases.items():
        try:
            validate(doc)
            schema_says = True
        except fastjsonschema.JsonSchemaException:
            schema_says = False
        try:
            parse_packet(doc, Path("x.json"))
            model_says = True
        except PacketError:
            model_says = False
        if (schema_says, model_says) != (valid, valid):
            pytest.fail(f"{name}: schema valid={schema_says}, model valid={model_says}, expected {valid}")


def test_same_packet_twice_in_one_call_is_stored_once(any_kb: KnowledgeBase) -> None:
    packet = read_packet(EXAMPLE)
    any_kb.ingest_packets([packet])
    before = _counts(any_kb)
    any_kb.ingest_packets([packet, packet])
    assert _counts(any_kb) == before


def test_reingest_keeps_links_from_other_incidents(any_kb: KnowledgeBase, tmp_path: Path) -> None:
    data = _example_data()
    data["incident"]["id"] = "INC-2025-002"
    other = _packet_file(tmp_path, data, "other.yaml")
    any_kb.ingest_paths([EXAMPLE, other])
    any_kb.engine.write(
        [
            (
                "MATCH (a:Incident {key: 'INC-2025-002'}), (b:Incident {key: 'INC-2025-001'}) "
                "MERGE (a)-[r:RELATED_TO]->(b) SET r.score = 0.9, r.basis = 'test', r.origin = 'similarity'",
                {},
            )
        ]
    )
    any_kb.ingest_packets([read_packet(EXAMPLE)], run_hooks=False)  # replaces INC-2025-001, the link's target
    links = any_kb.cypher(
        "MATCH (a:Incident)-[r:RELATED_TO]->(b:Incident) "
        "RETURN a.key AS src, b.key AS dst, r.score AS score, r.origin AS origin"
    )
    assert links.to_dict("records") == [
        {"src": "INC-2025-002", "dst": "INC-2025-001", "score": 0.9, "origin": "similarity"}
    ]
