"""Theme suggestions for factors without a theme, and accepting them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kb.analysis.themes import ThemeError, accept_suggestions, accept_theme, suggest_themes
from kb.cli import app
from kb.knowledge_base import KnowledgeBase

from .patterns_fixture import UNTHEMED, engine_fixture, loaded_db, packet, packets

pattern_kb = engine_fixture(packets)


def _links(kbase: KnowledgeBase, factor: str) -> list[tuple[str, str, float]]:
    df = kbase.query("patterns_factor_themes")
    df = df[df["factor"] == factor]
    return [(r.theme, r.origin, round(float(r.confidence), 4)) for r in df.itertuples(index=False)]


def test_suggests_the_theme_the_wording_matches(pattern_kb: KnowledgeBase) -> None:
    df = suggest_themes(pattern_kb)
    assert dict(zip(df["factor"], df["theme"], strict=True)) == UNTHEMED
    assert (df["confidence"] > 0.5).all() and (df["confidence"] <= 1).all()
    assert df["confidence"].is_monotonic_decreasing
    assert (df["runner_up"] != df["theme"]).all()
    assert suggest_themes(pattern_kb, min_confidence=0.99).empty


def test_accept_one_then_all_above_a_confidence(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets(packets())
    before = suggest_themes(any_kb).set_index("factor")
    accepted = accept_theme(any_kb, "P-02/factor/U1", "retry-storm")
    assert _links(any_kb, "P-02/factor/U1") == [
        ("retry-storm", "suggested", round(float(before.loc["P-02/factor/U1", "confidence"]), 4))
    ]
    assert list(accepted["theme"]) == ["retry-storm"]
    assert "P-02/factor/U1" not in set(suggest_themes(any_kb)["factor"])
    # A person may choose another theme than the suggestion: confidence 1.0
    accept_theme(any_kb, "P-06/factor/U1", "memory-leak")
    assert _links(any_kb, "P-06/factor/U1") == [("memory-leak", "suggested", 1.0)]
    rest = accept_suggestions(any_kb, min_confidence=0.5)
    assert list(rest["factor"]) == ["P-04/factor/U1"]
    assert suggest_themes(any_kb).empty
    # A re-ingested packet replaces only its own links (origin "packet"): the accepted one stays.
    any_kb.ingest_packets([packet(2)])
    assert _links(any_kb, "P-02/factor/U1")[0][:2] == ("retry-storm", "suggested")


def test_accept_rejects_unknown_factor_and_theme(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets([packet(1), packet(2)])
    with pytest.raises(ThemeError, match="FACTOR_KEY 'P-99/factor/F1'"):
        accept_theme(any_kb, "P-99/factor/F1", "campaign-load")
    with pytest.raises(ThemeError, match="THEME 'no-such-theme'.*campaign-load"):
        accept_theme(any_kb, "P-02/factor/F1", "no-such-theme")


def test_cli_themes_suggest_and_accept(tmp_path: Path) -> None:
    db = str(loaded_db(tmp_path / "g.lbug", packets))
    runner = CliRunner()
    out = runner.invoke(app, ["themes", "suggest", "--db", db, "--format", "json"])
    assert out.exit_code == 0, out.output
    assert {r["factor"]: r["theme"] for r in json.loads(out.output)} == UNTHEMED
    out = runner.invoke(app, ["themes", "accept", "P-02/factor/U1", "retry-storm", "--db", db])
    assert out.exit_code == 0, out.output
    assert "accepted 1" in out.output
    out = runner.invoke(app, ["themes", "accept", "--min-confidence", "0.5", "--db", db, "--format", "json"])
    assert out.exit_code == 0, out.output
    assert sorted(r["factor"] for r in json.loads(out.output)) == ["P-04/factor/U1", "P-06/factor/U1"]
    out = runner.invoke(app, ["themes", "suggest", "--db", db])
    assert "every factor has a theme" in out.output
    out = runner.invoke(app, ["themes", "accept", "P-02/factor/F1", "bogus", "--db", db])
    assert out.exit_code == 2 and "THEME 'bogus'" in out.output
    out = runner.invoke(app, ["themes", "accept", "--db", db])
    assert out.exit_code == 2 and "FACTOR_KEY THEME" in out.output


def test_demo_unthemed_factors_get_their_theme(tmp_path: Path) -> None:
    from kb.demo import generate_corpus

    corpus = generate_corpus(n_incidents=320, seed=7)
    truth = corpus.truth.unthemed_factors
    assert truth
    db = loaded_db(tmp_path / "demo.lbug", lambda: corpus.packets)
    import kb

    with kb.connect(engine="ladybug", db=db) as kbase:
        df = suggest_themes(kbase)
    got = dict(zip(df["factor"], df["theme"], strict=True))
    right = sum(got.get(f) == t for f, t in truth.items())
    assert right / len(truth) >= 0.9
    confident = df[df["confidence"] >= 0.5]
    assert len(confident) > 0
    assert (
        sum(truth.get(f) == t for f, t in zip(confident["factor"], confident["theme"], strict=True)) / len(confident)
        >= 0.95
    )
