"""Cross-incident intelligence on imported, unreviewed post-mortems (issue 12), on both engines:
entities from text, learned themes, repeats from text and near twins, the audit, metrics without
inputs, unknown severity, evidence weighed by certainty, order-independent RELATED_TO."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import kb
from kb.analysis.entities import find_mentions, stored_mentions
from kb.analysis.hotspots import hotspots
from kb.analysis.learned_themes import DecisionError, apply_decisions, learn_themes, proposals_yaml
from kb.analysis.metrics import loop_metrics
from kb.analysis.repeats import find_repeats
from kb.analysis.similarity import SimilarityIndex, stored_related
from kb.cli import app
from kb.knowledge_base import KnowledgeBase
from kb.lint.audit import audit
from kb.model import EventPacket

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
KIAM = "The KIAM server certificate expired and pods could not assume IAM roles on the Hellman cluster"


def imported(
    key: str,
    day: int,
    title: str,
    summary: str,
    factors: list[str],
    findings: list[str],
    severity: int | None = None,
    reviewed: bool = False,
    themes: list[str] | None = None,
    timeline: list[str] | None = None,
) -> EventPacket:
    """A packet shaped like `kb import markdown` output: imported, not reviewed, no published_at."""
    at = START + timedelta(days=day)
    data: dict[str, Any] = {
        "incident": {
            "id": key,
            "title": title,
            "started_at": at,
            "summary": summary,
            **({"severity": severity} if severity is not None else {}),
        },
        "provenance": {"source": "markdown", "file": f"/docs/{key}-report.md", "imported": True, "reviewed": reviewed},
        "timeline": [
            {"at": at + timedelta(minutes=10 * n), "kind": "key_moment", "text": t}
            for n, t in enumerate(timeline or [])
        ],
        "analyses": [
            {
                "id": "imported",
                "method": "contribution_map",
                "factors": [
                    {
                        "id": f"f{n}",
                        "statement": s,
                        "category": "technical",
                        "category_guessed": True,
                        "themes": themes or [],
                    }
                    for n, s in enumerate(factors, start=1)
                ],
                "influences": [{"source": f"f{n}", "target": "impact"} for n in range(1, len(factors) + 1)],
                "findings": [
                    {"id": f"a{n}", "statement": s, "status": "agreed", "tags": ["imported"]}
                    for n, s in enumerate(findings, start=1)
                ],
            }
        ],
    }
    return EventPacket.model_validate(data)


def corpus() -> list[EventPacket]:
    return [
        imported(
            "DOC-01",
            0,
            "KIAM service disruption on Hellman",
            KIAM,
            ["Insufficient monitoring of the KIAM server certificate expiry"],
            ["Alert 14 days before any certificate expires"],
        ),
        imported(
            "DOC-02",
            3,
            "Limited knowledge of certain legacy jobs",
            "A batch job on the billing hosts failed; we had limited knowledge of certain legacy scripts.",
            ["Limited knowledge of the legacy scripts"],
            ["Write down how the legacy billing jobs run"],
            severity=2,
        ),
        imported(
            "DOC-03",
            40,
            "KIAM disruption on Hellman again",
            KIAM + ". We had seen this issue before.",
            ["Insufficient monitoring of the KIAM server certificate expiry"],
            [],
        ),
        imported(
            "DOC-04",
            50,
            "Ingress controller upgrade outage",
            "An ingress-nginx upgrade on the cluster made the hub unreachable; see DOC-02 for the billing side.",
            ["Upgrade notes not read"],
            [],
        ),
        imported(
            "DOC-05",
            60,
            "KIAM certificate expired on Hellman once more",
            KIAM,
            ["Insufficient monitoring of the KIAM server certificate expiry"],
            [],
            severity=1,
        ),
    ]


def _kb(request: pytest.FixtureRequest) -> KnowledgeBase:
    return request.getfixturevalue("any_kb")  # type: ignore[no-any-return]


def test_entities_from_text_whole_words_with_evidence(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets(corpus())
    got = stored_mentions(any_kb)
    pairs = set(zip(got["incident"], got["name"], strict=True))
    assert ("DOC-01", "kiam") in pairs and ("DOC-01", "certificate") in pairs
    assert ("DOC-04", "ingress-nginx") in pairs
    # "certain" is not "certificate", "Limited" is not a quota or limit: whole words only.
    assert not {n for i, n in pairs if i == "DOC-02"} & {"certificate", "quota"}
    kiam = got[(got["incident"] == "DOC-01") & (got["name"] == "kiam")].iloc[0]
    assert kiam["kind"] == "service" and "KIAM" in kiam["evidence"]
    # Re-ingesting the same packets keeps one link each (replaced, not duplicated).
    any_kb.ingest_packets(corpus())
    assert len(stored_mentions(any_kb)) == len(got)
    assert set(find_mentions(any_kb, ["DOC-01"])["name"]) >= {"kiam", "certificate"}


def test_repeats_from_text_and_near_twins_name_the_earlier_incident(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets(corpus())
    rep = find_repeats(any_kb)
    rows = {(r.incident, r.earlier_incident, r.via_kind) for r in rep.itertuples()}
    # DOC-03 says so, and its nearest earlier incident is DOC-01.
    assert ("DOC-03", "DOC-01", "text") in rows
    said = rep[(rep["incident"] == "DOC-03") & (rep["via_kind"] == "text")].iloc[0]
    assert "seen this issue before" in said["evidence"] and "DOC-01" in said["evidence"]
    # DOC-03 is a near twin of DOC-01, whose review produced a finding.
    twin = rep[(rep["incident"] == "DOC-03") & (rep["via_kind"] == "twin")].iloc[0]
    assert twin["earlier_incident"] == "DOC-01" and twin["finding"] == "DOC-01/finding/a1"
    assert "Alert 14 days" in twin["evidence"]
    # DOC-05 is DOC-03's twin, but DOC-03's review produced no finding: its twin evidence is DOC-01's.
    assert ("DOC-05", "DOC-03", "twin") not in rows
    # DOC-04 cites DOC-02 (a citation is evidence of a look at the past, named as such).
    assert ("DOC-04", "DOC-02", "text") in rows
    assert "DOC-02" not in set(rep["incident"])


def test_guessed_themes_count_nothing_stated_ones_fully(any_kb: KnowledgeBase) -> None:
    a = imported(
        "G-01",
        0,
        "Cache node ran out of memory",
        "The cache node ran out of memory.",
        ["Memory grew"],
        [],
        themes=["capacity-exhaustion"],
    )
    b = imported(
        "G-02",
        5,
        "Login page slow for users",
        "Users saw a slow login page.",
        ["Slow queries"],
        [],
        themes=["capacity-exhaustion"],
    )
    any_kb.ingest_packets([a, b])
    guessed = SimilarityIndex.build(any_kb).similar("G-02", 1)
    assert guessed.iloc[0]["structure"] == 0.0 and "themes" not in guessed.iloc[0]["reason"]
    # The same packets confirmed by a review: the shared theme counts.
    for p in (a, b):
        p.provenance.reviewed = True
    any_kb.ingest_packets([a, b])
    confirmed = SimilarityIndex.build(any_kb).similar("G-02", 1)
    assert confirmed.iloc[0]["structure"] > 0 and "themes capacity-exhaustion" in confirmed.iloc[0]["reason"]
    assert confirmed.iloc[0]["score"] > guessed.iloc[0]["score"]


def test_related_edges_do_not_depend_on_load_order(any_kb: KnowledgeBase, tmp_path: Path) -> None:
    packets = corpus()
    for p in reversed(packets):  # one at a time, latest first: the worst order for an earlier-only check
        any_kb.ingest_packets([p])
    stepwise = stored_related(any_kb)
    with kb.connect(engine="ladybug", db=tmp_path / "once.lbug") as once:
        once.ingest_packets(packets)
        together = stored_related(once)
    assert len(together) > 0
    assert set(zip(stepwise["incident"], stepwise["related"], strict=True)) == set(
        zip(together["incident"], together["related"], strict=True)
    )


def test_learned_themes_bulk_accept_rename_reject(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets(corpus())
    df = learn_themes(any_kb)
    kiam = df[[("DOC-01/factor/f1" in m) for m in df["members"]]]
    assert len(kiam) == 1
    row = kiam.iloc[0]
    assert set(row["members"]) == {"DOC-01/factor/f1", "DOC-03/factor/f1", "DOC-05/factor/f1"}
    assert row["incidents"] == 3 and 0 < row["confidence"] <= 1
    entries = proposals_yaml(df)
    # A bad entry is rejected with its place and field, and nothing is written.
    bad = [dict(entries[0], decision="maybe")]
    with pytest.raises(DecisionError, match=r"entry 1 .*decision 'maybe'"):
        apply_decisions(any_kb, bad)
    assert "kiam-monitoring" not in set(any_kb.query("patterns_themes")["theme"])
    for e in entries:
        e.update(decision="reject")
    mine = next(e for e in entries if "DOC-01/factor/f1" in e["members"])
    mine.update(decision="rename", rename="kiam-monitoring")
    report = apply_decisions(any_kb, entries)
    assert set(report["decision"]) <= {"rename", "reject"}
    links = any_kb.query("patterns_factor_themes")
    learned = links[links["origin"] == "learned"]
    assert set(learned["factor"]) == set(mine["members"]) and set(learned["theme"]) == {"kiam-monitoring"}
    # Accepted by a person: it now counts as confirmed structure in similarity.
    assert "themes kiam-monitoring" in SimilarityIndex.build(any_kb).similar("DOC-05", 1).iloc[0]["reason"]


def test_audit_names_the_weakest_stage(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets(corpus())
    result = audit(any_kb)
    m = result.measures.set_index("measure")
    assert m.loc["severity known", "count"] == 2 and m.loc["severity known", "of"] == 5
    assert m.loc["review signed off", "count"] == 0
    assert m.loc["findings with an owner", "of"] == 2 and m.loc["findings with an owner", "count"] == 0
    # Data capture: no timeline, impact, responders or metrics, severity 2 of 5 -> 0.08; integration
    # 0.10 (2 of 5 incidents have a finding, none owned, tracked or done); analysis 0.20.
    scores = result.stages.set_index("stage")["score"]
    assert scores["data capture"] == pytest.approx(0.08) and scores["integration"] == pytest.approx(0.1)
    assert result.weakest == "data capture"
    assert result.headline().startswith("weakest stage: data capture (score 0.08)")


def test_metrics_hotspots_on_imported_reports_unknown_not_a_crash(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets(corpus())
    df = loop_metrics(any_kb, as_of=datetime(2025, 12, 1, tzinfo=UTC))
    total = df.iloc[-1]
    assert total["incidents"] == 5 and math.isnan(total["tti_median_days"])
    sev = any_kb.cypher("MATCH (i:Incident) RETURN i.key AS k, i.severity AS s ORDER BY k")
    assert sev["s"].isna().sum() == 3  # unknown stays unknown on both engines
    hs = hotspots(any_kb, ["service"], min_incidents=1)
    assert "sev_unknown" in hs.columns


def test_cli_audit_and_themes_learn_apply(tmp_path: Path) -> None:
    db = tmp_path / "g.lbug"
    with kb.connect(engine="ladybug", db=db) as kbase:
        kbase.ingest_packets(corpus())
    runner = CliRunner()
    out = runner.invoke(app, ["audit", "--db", str(db), "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["weakest"] == "data capture"
    text = runner.invoke(app, ["audit", "--db", str(db)])
    assert "<- weakest" in text.output and "severity known" in text.output
    decisions = tmp_path / "themes.yaml"
    out = runner.invoke(app, ["themes", "learn", "--db", str(db), "--out", str(decisions)])
    assert out.exit_code == 0, out.output
    entries = yaml.safe_load(decisions.read_text())
    assert entries and all(e["decision"] == "accept" for e in entries)
    out = runner.invoke(app, ["themes", "apply", str(decisions), "--db", str(db)])
    assert out.exit_code == 0 and "applied" in out.output
    decisions.write_text("- {theme: x, decision: accept, members: [NOPE/factor/f1]}\n")
    out = runner.invoke(app, ["themes", "apply", str(decisions), "--db", str(db)])
    assert out.exit_code == 2 and "NOPE/factor/f1" in out.output
