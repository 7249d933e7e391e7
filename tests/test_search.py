"""Search over incidents, factors and findings by words and tags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kb.analysis.search import search
from kb.cli import app
from kb.knowledge_base import KnowledgeBase

from .patterns_fixture import DB, engine_fixture, loaded_db, packets

pattern_kb = engine_fixture(packets)


def test_words_rank_the_best_hits_first_with_their_incident(pattern_kb: KnowledgeBase) -> None:
    df = search(pattern_kb, "clock skew token", limit=5)
    # P-35's factor carries the words and the theme clock-skew; P-04's unthemed factor and P-35's
    # summary carry the words only.
    assert df.iloc[0]["key"] == "P-35/factor/F1"
    assert set(df["key"]) == {"P-35/factor/F1", "P-04/factor/U1", "P-35"}
    assert set(df["incident"]) == {"P-35", "P-04"}
    assert df["score"].is_monotonic_decreasing
    assert list(df["rank"]) == list(range(1, len(df) + 1))


def test_finding_hit_and_kinds(pattern_kb: KnowledgeBase) -> None:
    df = search(pattern_kb, "schema validation config push", kinds=["finding"])
    assert list(df["key"]) == ["P-03/finding/R1"]
    assert df.iloc[0]["incident"] == "P-03"
    df = search(pattern_kb, "campaign", kinds=["incident"], limit=50)
    assert set(df["kind"]) == {"incident"}
    assert set(df["incident"]) == set(DB)  # "campaign" is in their titles and tags


def test_tag_filter_and_tag_only(pattern_kb: KnowledgeBase) -> None:
    tagged = search(pattern_kb, "", tags=["campaign"], limit=500)
    assert set(tagged["incident"]) == set(DB)
    assert set(tagged["kind"]) == {"incident", "factor", "finding"}  # a factor or finding inherits its incident's tags
    df = search(pattern_kb, "database", tags=["database"], limit=50)
    assert list(df["key"]) == ["P-01/finding/R1"]  # the only hit carrying the finding tag "database"
    assert search(pattern_kb, "database", tags=["no-such-tag"]).empty


def test_theme_words_and_typos(pattern_kb: KnowledgeBase) -> None:
    # A factor's themes are its tags: "drift" finds config-drift factors even without the word.
    df = search(pattern_kb, "drift", kinds=["factor"], limit=50)
    assert len(df) == 8
    typo = search(pattern_kb, "validaton", limit=3)
    assert len(typo) >= 1 and "validation" in typo.iloc[0]["text"].lower()


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return loaded_db(tmp_path_factory.mktemp("search-cli") / "g.lbug", packets)


def test_cli_search(cli_db: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["search", "memory leak heap", "--db", str(cli_db), "-n", "3", "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert len(rows) == 3 and all(r["incident"] for r in rows)
    out = runner.invoke(
        app, ["search", "--tag", "campaign", "--kind", "incident", "--db", str(cli_db), "--format", "json", "-n", "100"]
    )
    assert out.exit_code == 0, out.output
    assert {r["incident"] for r in json.loads(out.output)} == set(DB)
    out = runner.invoke(app, ["search", "--db", str(cli_db)])
    assert out.exit_code == 2 and "TEXT" in out.output
    out = runner.invoke(app, ["search", "x", "--kind", "person", "--db", str(cli_db)])
    assert out.exit_code == 2 and "--kind 'person'" in out.output
