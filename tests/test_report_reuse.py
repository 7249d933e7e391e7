"""What `kb metrics` and `kb report` compute once instead of again and again (issue #15), and that the
faster paths give the answers of the slower ones they replaced."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import binomtest

import kb
from kb.analysis import repeat_evidence
from kb.analysis.effect import rate_ratio_test
from kb.analysis.gate import DEFAULT_RULES, GateRules, _judge, _judged, _quadrants, quadrant
from kb.analysis.reuse import once
from kb.knowledge_base import CachedReads, KnowledgeBase
from kb.report import quarterly_charts
from tests.loop_fixture import loop_packets

CALLS: list[str] = []


def _incidents(kbase: KnowledgeBase, label: str = "x") -> pd.DataFrame:
    CALLS.append(label)
    return kbase.query("incidents")


def test_once_computes_each_call_once_and_hands_out_copies(ladybug_kb: KnowledgeBase) -> None:
    ladybug_kb.ingest_packets(loop_packets())
    cached = CachedReads(ladybug_kb)
    calls = CALLS
    calls.clear()
    first = once(cached, _incidents)
    first["title"] = "changed by a caller"
    again = once(cached, _incidents, label="x")  # a default stated is the same call
    assert calls == ["x"]
    assert "changed by a caller" not in set(again["title"])
    once(cached, _incidents, label="y")
    assert calls == ["x", "y"]
    cached.write([("MATCH (i:Incident {key: 'INC-A'}) SET i.title = 'renamed'", {})])
    after = once(cached, _incidents)  # a write forgets what was derived from the old graph
    assert calls == ["x", "y", "x"]
    assert "renamed" in set(after["title"])


def test_once_without_a_cache_computes_every_time(ladybug_kb: KnowledgeBase) -> None:
    ladybug_kb.ingest_packets(loop_packets())
    CALLS.clear()
    once(ladybug_kb, _incidents)
    once(ladybug_kb, _incidents)
    assert CALLS == ["x", "x"]


@pytest.fixture
def demo_db(demo120: tuple[Path, str]) -> tuple[Path, str]:
    return demo120


@pytest.mark.parametrize("kept", [True, False], ids=["answers kept beside the db", "computed in memory"])
def test_a_report_finds_the_repeats_at_most_once(
    demo_db: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: bool
) -> None:
    """The loop metrics, the fix effects and the business case all need the repeats: they took three
    passes over every incident's text (half of a report at 10,000 incidents). With the answers the
    after-ingest hook keeps (kb.analysis.answer_store) there is no pass at all; a copy of the
    database is not the content the kept files were saved for, so a reader of it computes once."""
    db, quarter = demo_db
    if not kept:
        db = Path(shutil.copyfile(db, tmp_path / db.name))
    passes: list[int] = []
    real = repeat_evidence.text_and_twin_repeats

    def counted(kbase: object, *args: object, **kwargs: object) -> pd.DataFrame:
        passes.append(1)
        return real(kbase, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(repeat_evidence, "text_and_twin_repeats", counted)
    with kb.connect(engine="ladybug", db=db, read_only=True) as kbase:
        charts, _ = quarterly_charts(CachedReads(kbase), quarter)
    assert {"loop-trends", "fix-rates", "business-case"} <= {c.name for c in charts}
    assert len(passes) == (0 if kept else 1)


def test_gate_judged_by_column_as_row_by_row() -> None:
    """Every combination of status, work, OKR, deferral reason and rating: `_judged` (by column) gives
    what `_judge` (the rules, one finding at a time) gives."""
    statuses = ["proposed", "agreed", "deferred", "done", "rejected", None]
    lists: list[list[str]] = [[], ["W-1"]]
    reasons = [None, "", "  ", "after the migration"]
    scores = [None, 1, 2, 3, 4, 5]
    rows = [
        {
            "status": s,
            "work_items": w,
            "objectives": o,
            "deferred_reason": r,
            "impact": i,
            "effort": e,
            "local_id": f"R{n}",
        }
        for n, (s, w, o, r, i, e) in enumerate(itertools.product(statuses, lists, lists, reasons, scores, scores))
    ]
    df = pd.DataFrame(rows)
    for rules in (DEFAULT_RULES, GateRules(feasible_effort=3), GateRules(high_impact=3)):
        df["quadrant"] = _quadrants(df["impact"], df["effort"], rules)
        assert list(df["quadrant"]) == [quadrant(r["impact"], r["effort"], rules) for r in rows]
        disposition, problem = _judged(df)
        expected = [_judge(row, rules) for row in df.to_dict("records")]
        assert list(zip(disposition, problem, strict=True)) == expected


@pytest.mark.parametrize(("n_before", "n_after"), [(0, 3), (4, 0), (7, 2), (12, 12), (1, 30)])
def test_rate_interval_shared_across_proportions_is_scipys(n_before: int, n_after: int) -> None:
    """The exact interval is kept per (k, n): the same floats scipy gives for any tested proportion."""
    total = n_before + n_after
    for days_before, days_after in ((100.0, 50.0), (10.0, 300.0), (365.25, 365.25)):
        got = rate_ratio_test(n_before, days_before, n_after, days_after)
        p0 = days_after / (days_after + days_before)
        ci = binomtest(n_after, total, p0).proportion_ci(confidence_level=0.95, method="exact")
        scale = days_before / days_after
        low = float(ci.low) / (1 - float(ci.low)) * scale
        high = float("inf") if float(ci.high) >= 1 else float(ci.high) / (1 - float(ci.high)) * scale
        assert (got.ci_low, got.ci_high) == (low, high)
        assert got.p_value == float(binomtest(n_after, total, p0).pvalue)


def test_clusters_ranked_again_as_found_at_that_moment(demo_db: tuple[Path, str]) -> None:
    """A report needs the clusters as of the latest incident (fix effects) and as of its quarter's end
    (the evidence charts, the business case): found once and ranked again, they are what
    find_clusters gives at each moment: every frame, number and node label."""
    from kb.analysis.clusters import clusters_as_of, find_clusters, reranked
    from kb.charts.data import quarter_end

    db, quarter = demo_db
    with kb.connect(engine="ladybug", db=db, read_only=True) as kbase:
        latest = find_clusters(kbase)
        assert len(latest.clusters) >= 3
        moments = [quarter_end(quarter).to_pydatetime(), quarter_end("2025Q2").to_pydatetime()]
        moments.append(pd.Timestamp("2026-01-15T12:00:00").to_pydatetime())  # naive: taken as UTC
        orders = set()
        for now in moments:
            want = find_clusters(kbase, now=now)
            got = reranked(latest, now)
            pd.testing.assert_frame_equal(got.clusters, want.clusters, check_exact=True)
            pd.testing.assert_frame_equal(got.evidence, want.evidence, check_exact=True)
            pd.testing.assert_frame_equal(got.findings, want.findings, check_exact=True)
            assert dict(got.graph.nodes(data="cluster")) == dict(want.graph.nodes(data="cluster"))
            orders.add(tuple(want.clusters["name"]))
            cached = clusters_as_of(CachedReads(kbase), now)
            pd.testing.assert_frame_equal(cached.clusters, want.clusters, check_exact=True)
        assert len(orders) > 1, "the moments should rank the clusters differently"


def test_gate_of_every_incident_read_without_the_key_filter(any_kb: KnowledgeBase) -> None:
    """gate_status over every incident reads the findings without `WHERE i.key IN $keys`
    (KnowledgeBase.query_every): the same findings and statuses as naming every incident. (The order
    inside a collected list of work items follows the engine's plan, with or without the filter: the
    gate counts them, so they are compared as sets.)"""
    from kb.analysis.gate import _judged_findings, gate_findings, gate_status

    def as_sets(df: pd.DataFrame) -> pd.DataFrame:
        return df.assign(work_items=df["work_items"].map(sorted), objectives=df["objectives"].map(sorted))

    any_kb.ingest_packets(loop_packets())
    keys = any_kb.query("incidents")["incident"].tolist()
    named = gate_findings(any_kb, keys)
    assert len(named) > 0 and named["work_items"].map(len).max() > 1
    for reader in (any_kb, CachedReads(any_kb)):
        pd.testing.assert_frame_equal(as_sets(gate_findings(reader, None)), as_sets(named), check_exact=True)
        pd.testing.assert_frame_equal(gate_status(reader), gate_status(any_kb, keys), check_exact=True)
    # gate_status reads only what it judges (loop_gate_judged): the same judgement as gate_findings'.
    judged = _judged_findings(any_kb, None, DEFAULT_RULES, "loop_gate_judged")
    cols = [c for c in judged.columns if c not in ("work_items", "objectives")]
    pd.testing.assert_frame_equal(judged[cols], named[cols], check_exact=True)
    assert set(judged["problem"].dropna()) and "work-item" in set(judged["disposition"])
