"""Hotspots: counts over rolling windows, by severity, last major incidents, tag alignment.

Worked out by hand from tests/patterns_fixture.py: incidents a week apart from 2025-01-06,
the last (P-40) on 2025-10-06; severity (i - 1) % 4 + 1, so the DB cluster (i = 1 mod 4) is
all SEV1 and the config cluster (i = 3 mod 4) all SEV3.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kb.analysis.hotspots import hotspot_series, hotspots, tag_alignment
from kb.cli import app
from kb.knowledge_base import KnowledgeBase

from .patterns_fixture import engine_fixture, loaded_db, packets

pattern_kb = engine_fixture(packets)


def _row(df, kind: str, subject: str):  # type: ignore[no-untyped-def]
    hit = df[(df["kind"] == kind) & (df["subject"] == subject)]
    assert len(hit) == 1, f"{kind} {subject} not in {df[['kind', 'subject']].values.tolist()}"
    return hit.iloc[0]


def test_hotspot_counts(pattern_kb: KnowledgeBase) -> None:
    df = hotspots(pattern_kb)
    db = _row(df, "service", "core-db")
    assert db["incidents"] == 10
    # last 90 days: after 2025-07-08 -> P-29, P-33, P-37; the 90 before: P-17, P-21, P-25
    assert (db["recent"], db["previous"], db["change"]) == (3, 3, 0)
    assert (db["sev1"], db["sev2"], db["sev3"]) == (10, 0, 0)
    # the last five SEV1-2 incidents: P-30, P-33, P-34, P-37, P-38 -> P-33 and P-37 hit core-db
    assert (db["last_major"], db["of_last_major"]) == (2, 5)
    assert db["headline"].startswith("2 of the last 5 SEV1-2 incidents involved service core-db")
    # campaign: all 10 tagged; base rate 10 / 40 -> lift 4
    assert (db["campaign"], db["campaign_lift"]) == (10, 4.0)
    cfg = _row(df, "barrier", "config-validation")
    assert (cfg["incidents"], cfg["sev3"], cfg["last_major"], cfg["campaign"]) == (8, 8, 0, 0)
    # held barriers are not hotspots
    assert "latency-alerting" not in set(df["subject"])
    assert df.iloc[0]["last_major"] == 2


def test_stated_subjects_rank_by_their_counts(pattern_kb: KnowledgeBase) -> None:
    # Stated structure is ranked by its plain counts, however broad a subject is: majors, recent, evidence.
    df = hotspots(pattern_kb, ["service", "theme", "barrier"])
    assert not df.empty and set(df["basis"]) == {"stated"}
    keys = list(zip(-df["last_major"], -df["recent"], -df["evidence"], -df["incidents"], strict=True))
    assert keys == sorted(keys)


def test_filters_and_windows(pattern_kb: KnowledgeBase) -> None:
    df = hotspots(pattern_kb, ["theme"], window_days=30, major_severity=1, last_major=3, tags=[])
    assert set(df["kind"]) == {"theme"}
    core = _row(df, "theme", "core-db-saturation")
    # last 30 days: after 2025-09-06 -> P-37 only; SEV1 incidents are the DB ones: last three all DB
    assert (core["recent"], core["last_major"], core["of_last_major"]) == (1, 3, 3)
    assert "campaign" not in df.columns


def test_series_and_alignment(pattern_kb: KnowledgeBase) -> None:
    s = hotspot_series(pattern_kb, ["service"], freq="M", rolling=3, subjects=["core-db"])
    assert list(s["subject"].unique()) == ["core-db"]
    assert s["incidents"].sum() == 10
    assert str(s["period"].iloc[0]) == "2025-01-01 00:00:00+00:00"
    # DB incidents every four weeks from Jan 6: Jan 6, Feb 3, Mar 3 + 31, Apr 28, ... Sep 15
    assert s["incidents"].tolist() == [1, 1, 2, 1, 1, 1, 1, 1, 1]
    assert s["rolling"].tolist() == [1, 2, 4, 4, 4, 3, 3, 3, 3]
    a = tag_alignment(pattern_kb, "campaign")
    top = a.iloc[0]
    assert top["lift"] == 4.0 and top["share"] == 1.0


def test_cli_hotspots(tmp_path: Path) -> None:
    db = str(loaded_db(tmp_path / "g.lbug", packets))
    runner = CliRunner()
    out = runner.invoke(app, ["hotspots", "--db", db, "--by", "service", "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert rows[0]["subject"] == "core-db" and rows[0]["campaign_lift"] == 4.0
    assert "2 of the last 5" in rows[0]["headline"]
    out = runner.invoke(app, ["hotspots", "--db", db])
    assert out.exit_code == 0 and "core-db" in out.output
    out = runner.invoke(app, ["hotspots", "--db", db, "--by", "person"])
    assert out.exit_code == 2 and "--by 'person'" in out.output


def test_cli_repeats(tmp_path: Path) -> None:
    db = str(loaded_db(tmp_path / "g.lbug", packets))
    out = CliRunner().invoke(app, ["repeats", "--db", db, "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    # P-01's agreed finding addresses core-db-saturation: every later DB incident repeats it.
    assert {r["incident"] for r in rows if r["via"] == "core-db-saturation"} == {f"P-{i:02d}" for i in range(5, 40, 4)}
    assert {r["finding"] for r in rows if r["via"] == "core-db-saturation"} == {"P-01/finding/R1"}
