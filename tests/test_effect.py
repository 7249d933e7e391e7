"""kb effect, cost, whatif, followups and the severity policy against values worked out by hand
(tests/evidence_fixture.py), on both engines; and the demo's planted fixes."""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import kb
from kb.analysis.cost import cost_by, incident_costs
from kb.analysis.effect import (
    CAME_BACK,
    DID_NOT_WORK,
    NO_EVIDENCE,
    NOT_SHIPPED,
    UNSHIPPED,
    WORKED,
    UnknownPattern,
    classify_repeats,
    fix_effects,
    rate_ratio_test,
    verdict,
)
from kb.analysis.followups import followups
from kb.analysis.gate import COMPLETE, gate_status
from kb.analysis.metrics import loop_metrics
from kb.analysis.whatif import what_if
from kb.cli import app
from kb.knowledge_base import KnowledgeBase
from kb.lint import lint_packet
from kb.lint.config import ConfigError, read_config
from kb.model import EventPacket

from .evidence_fixture import AS_OF, evidence_packets

NOW = datetime.fromisoformat(AS_OF)


@pytest.fixture
def ev_kb(any_kb: KnowledgeBase) -> KnowledgeBase:
    any_kb.ingest_packets(evidence_packets(), run_hooks=False)
    return any_kb


def _cp_upper(x: int, n: int) -> float:
    """Clopper-Pearson upper end by bisection on the binomial tail P(X <= x; p) = 0.025 (independent of scipy)."""
    lo, hi = 0.0, 1.0
    for _ in range(200):
        p = (lo + hi) / 2
        tail = sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(x + 1))
        lo, hi = (p, hi) if tail > 0.025 else (lo, p)
    return (lo + hi) / 2


# -- the exact test, by hand -------------------------------------------------------------------------


def test_rate_ratio_test_by_hand() -> None:
    # 2 incidents in 30 days before, 1 in 60 after: RR = (1/60)/(2/30) = 0.25. Given N = 3, n_after is
    # Binomial(3, p0 = 60/90 = 2/3): P(0..3) = 1, 6, 12, 8 (/27); two-sided p = P(0) + P(1) = 7/27.
    t = rate_ratio_test(2, 30.0, 1, 60.0)
    assert t.rate_ratio == pytest.approx(0.25)
    assert t.p_value == pytest.approx(7 / 27)
    p_low = 1 - 0.975 ** (1 / 3)  # P(X >= 1) = 1 - (1 - p)^3 = 0.025
    assert t.ci_low == pytest.approx(p_low / (1 - p_low) * 30 / 60, rel=1e-6)
    p_high = _cp_upper(1, 3)
    assert t.ci_high == pytest.approx(p_high / (1 - p_high) * 30 / 60, rel=1e-6)
    assert verdict(t.ci_low, t.ci_high) == NO_EVIDENCE  # 0.004 .. 4.8 spans both 1 and 0.5


def test_a_fix_that_worked_and_one_that_did_not() -> None:
    # 20 in 100 days, then 0 in 100: p0 = 1/2, CP upper for 0/20 = 1 - 0.025^(1/20) = 0.1684 -> RR < 0.2025.
    t = rate_ratio_test(20, 100.0, 0, 100.0)
    p_high = 1 - 0.025 ** (1 / 20)
    assert t.ci_high == pytest.approx(p_high / (1 - p_high), rel=1e-6)
    assert t.p_value == pytest.approx(2 * 0.5**20)
    assert verdict(t.ci_low, t.ci_high) == WORKED
    same = rate_ratio_test(40, 100.0, 40, 100.0)  # the same rate: RR 1, CI about 0.64 .. 1.56
    assert same.rate_ratio == 1.0 and same.ci_low < 1 < same.ci_high
    assert verdict(same.ci_low, same.ci_high) == DID_NOT_WORK
    assert verdict(0.3, 1.2, target=0.5) == NO_EVIDENCE


# -- kb effect on the fixture ------------------------------------------------------------------------


def test_effect_of_the_theme_fix(ev_kb: KnowledgeBase) -> None:
    df = fix_effects(ev_kb, "theme:cache-stampede", as_of=NOW)
    (row,) = df.to_dict("records")
    # First commitment: EV-1's R1, work item OPS-1 closed 2025-01-31. The first incident (EV-1, Jan 1)
    # opens the before window: EV-2 (Jan 11) and EV-3 (Jan 21) in 30 days; after: EV-4 (Mar 2) in
    # Jan 31 -> Apr 1 = 60 days. Rates per 90 days: 2/30*90 = 6.0 and 1/60*90 = 1.5.
    assert row["fix_incident"] == "EV-1" and list(row["work_items"]) == ["jira:OPS-1"]
    assert row["shipped_at"] == pd.Timestamp("2025-01-31T00:00:00Z")
    assert (row["before_incidents"], row["before_days"], row["after_incidents"], row["after_days"]) == (2, 30, 1, 60)
    assert row["before_rate"] == pytest.approx(6.0) and row["after_rate"] == pytest.approx(1.5)
    assert row["rate_ratio"] == pytest.approx(0.25) and row["p_value"] == pytest.approx(7 / 27)
    assert row["verdict"] == NO_EVIDENCE
    # EV-2 and EV-3 repeat before the fix shipped; EV-4 after it.
    assert (row["repeats_unshipped"], row["repeats_came_back"]) == (2, 1)


def test_every_commitment_and_an_unshipped_fix(ev_kb: KnowledgeBase) -> None:
    df = fix_effects(ev_kb, "cache-stampede", as_of=NOW, fixes="all")
    assert list(df["fix_incident"]) == ["EV-1", "EV-2"]
    second = df.iloc[1]
    assert second["verdict"] == NOT_SHIPPED and second["open_work_items"] == 1 and pd.isna(second["shipped_at"])
    # As of a day before OPS-1 closed, the first fix is not shipped either.
    early = fix_effects(ev_kb, "theme:cache-stampede", as_of=datetime.fromisoformat("2025-01-30T00:00:00+00:00"))
    assert early.iloc[0]["verdict"] == NOT_SHIPPED
    with pytest.raises(UnknownPattern):
        fix_effects(ev_kb, "theme:no-such-theme", as_of=NOW)


def test_repeats_split_by_whether_the_fix_had_shipped(ev_kb: KnowledgeBase) -> None:
    reps = classify_repeats(ev_kb, as_of=NOW)
    by = {(r.incident, r.finding): r.fix for r in reps.itertuples()}
    assert by[("EV-2", "EV-1/finding/R1")] == UNSHIPPED  # started Jan 11, OPS-1 closed Jan 31
    assert by[("EV-4", "EV-2/finding/R1")] == UNSHIPPED  # EV-2's OPS-9 is still open
    # The finding that did not prevent EV-3 and EV-4 is EV-2's, whose work is open: neither "came back".
    assert sorted(reps["incident"].unique()) == ["EV-2", "EV-3", "EV-4"] and set(reps["fix"]) == {UNSHIPPED}
    # Once OPS-9 is closed (Mar 1, a day before EV-4), EV-4 is a fix that shipped and came back; EV-3 is not.
    ev2 = evidence_packets()[1].model_dump(mode="json")
    ev2["analyses"][0]["findings"][0]["work_items"][0]["closed_at"] = "2025-03-01T00:00:00Z"
    ev_kb.ingest_packets([EventPacket.model_validate(ev2)], run_hooks=False)
    again = classify_repeats(ev_kb, as_of=NOW).drop_duplicates("incident").set_index("incident")["fix"]
    assert dict(again) == {"EV-2": UNSHIPPED, "EV-3": UNSHIPPED, "EV-4": CAME_BACK}


# -- cost ----------------------------------------------------------------------------------------------


def test_incident_costs_by_hand(ev_kb: KnowledgeBase) -> None:
    c = incident_costs(ev_kb).set_index("incident")
    # EV-1: stated revenue and customers; impact 00:00 -> 02:30; 2 responders x (00:30 -> 02:30) = 4 h.
    assert (
        c.at["EV-1", "revenue"],
        c.at["EV-1", "customers"],
        c.at["EV-1", "duration_hours"],
        c.at["EV-1", "responder_hours"],
        c.at["EV-1", "responder_hours_source"],
    ) == (1000, 50, 2.5, 4.0, "estimated")
    # EV-2: revenue from its impacts 500 + 250; customers the largest impact (40); no mitigation: to
    # resolved, 1 h; 7.5 responder hours stated.
    assert (
        c.at["EV-2", "revenue"],
        c.at["EV-2", "customers"],
        c.at["EV-2", "duration_hours"],
        c.at["EV-2", "responder_hours"],
        c.at["EV-2", "responder_hours_source"],
    ) == (750, 40, 1.0, 7.5, "stated")
    assert c.at["EV-3", "missing"] == ["revenue", "customers", "duration_hours", "responder_hours"]
    # EV-4: no detection time: from the start, 1 responder x 4 h.
    assert (c.at["EV-4", "duration_hours"], c.at["EV-4", "responder_hours"]) == (4.0, 4.0)


def test_cost_summed_per_theme_and_barrier(ev_kb: KnowledgeBase) -> None:
    s = cost_by(ev_kb, ["theme", "barrier"]).set_index(["kind", "subject"])
    theme = s.loc[("theme", "cache-stampede")]
    assert (
        theme["incidents"],
        theme["revenue"],
        theme["customers"],
        theme["duration_hours"],
        theme["responder_hours"],
        theme["revenue_known"],
    ) == (4, 3750, 100, 7.5, 15.5, 3)
    assert theme["missing"].startswith("revenue unknown for 1 of 4")
    barrier = s.loc[("barrier", "cache-warmup")]  # EV-1 failed, EV-3 missing, EV-4 failed
    assert (barrier["incidents"], barrier["revenue"], barrier["responder_hours"]) == (3, 3000, 8.0)
    assert s.index[0] == ("theme", "cache-stampede")  # the most costly first


# -- what if -------------------------------------------------------------------------------------------


def test_what_if_the_theme_had_been_fixed(ev_kb: KnowledgeBase) -> None:
    r = what_if(ev_kb, "theme", "cache-stampede")
    got = {row.incident: (row.prevented, row.paths) for row in r.incidents.itertuples()}
    # EV-1: other -> F1 -> impact (one path, through F1); EV-2, EV-3: F1 -> impact; EV-4: slow-disk also
    # leads to the impact on its own, so fixing the theme would not have prevented it.
    assert got == {"EV-1": (True, 1), "EV-2": (True, 1), "EV-3": (True, 1), "EV-4": (False, 2)}
    assert (r.total["incidents"], r.total["revenue"], r.total["responder_hours"]) == (3, 1750, 11.5)


def test_what_if_the_barrier_had_held(ev_kb: KnowledgeBase) -> None:
    r = what_if(ev_kb, "barrier", "cache-warmup")
    assert list(r.prevented["incident"]) == ["EV-1"]  # EV-4's slow disk bypasses it; EV-3 names no defeater
    assert list(r.incidents["incident"]) == ["EV-1", "EV-4"]
    assert r.total["revenue"] == 1000


# -- follow-ups, overdue counts, the severity policy -----------------------------------------------------


def test_followups_due_dates_by_hand(ev_kb: KnowledgeBase) -> None:
    df = followups(ev_kb, as_of=NOW)
    rows = [(r.kind, r.key, r.days_left, r.overdue) for r in df.itertuples()]
    assert rows == [
        ("finding", "EV-2/finding/R1", -46.0, True),  # SEV1: published Jan 15 + 30 days = Feb 14
        ("work item", "jira:OPS-9", -31.0, True),  # its own due_at, Mar 1
        ("finding", "EV-4/finding/R1", 33.0, False),  # stated: May 4, 00:00 UTC
        ("finding", "EV-3/finding/R1", 299.0, False),  # SEV5: Jan 25 + 365 days = 2026-01-25
    ]  # EV-1's finding is done: not a follow-up
    assert list(df["due_source"]) == ["SEV1 default: 30 days", "stated", "stated", "SEV5 default: 365 days"]
    assert list(followups(ev_kb, as_of=NOW, overdue_only=True)["key"]) == ["EV-2/finding/R1", "jira:OPS-9"]
    assert list(followups(ev_kb, as_of=NOW, owner="platform")["key"]) == ["EV-4/finding/R1"]
    all_row = loop_metrics(ev_kb, as_of=NOW).iloc[-1]
    assert all_row["overdue_findings"] == 1


def test_severity_policy_scales_the_process(ev_kb: KnowledgeBase, tmp_path: Path) -> None:
    status = gate_status(ev_kb).set_index("incident")
    assert status.at["EV-3", "status"] == COMPLETE  # SEV5: the gate does not apply (its finding is proposed)
    typo = EventPacket.model_validate(
        {
            "incident": {
                "id": "T-1",
                "title": "Typo on the pricing page",
                "severity": 5,
                "started_at": "2025-01-01T00:00:00Z",
            }
        }
    )
    assert [f for f in lint_packet(typo) if f.level.value == "error"] == []
    sev3 = typo.model_copy(update={"incident": typo.incident.model_copy(update={"severity": 3})})
    assert "incomplete-packet" in {f.rule for f in lint_packet(sev3)}
    toml = tmp_path / "kb.toml"
    toml.write_text('[policy.SEV3]\nsections = ["timeline"]\nrules = ["incomplete-packet"]\ndue_days = 7\n')
    cfg = read_config(toml)
    assert [f.evidence for f in lint_packet(sev3, cfg)] == ["missing timeline"]
    toml.write_text("[policy.SEV9]\ngate = false\n")
    with pytest.raises(ConfigError, match=r"policy\.SEV9: expected a severity SEV1 \.\. SEV5"):
        read_config(toml)


def test_new_fields_survive_the_round_trip(ev_kb: KnowledgeBase) -> None:
    from kb.graph.reader import read_packets

    back = {p.key: p for p in read_packets(ev_kb, ["EV-2", "EV-4"])}
    assert back["EV-2"].incident.responder_hours == 7.5
    assert back["EV-2"].analyses[0].findings[0].work_items[0].due_at == pd.Timestamp("2025-03-01T00:00:00Z")
    assert back["EV-4"].analyses[0].findings[0].due_at == pd.Timestamp("2025-05-04T00:00:00Z")


# -- the CLI -----------------------------------------------------------------------------------------------


@pytest.fixture
def ev_db(tmp_path: Path) -> str:
    path = tmp_path / "graph.lbug"
    with kb.connect(engine="ladybug", db=path) as kbase:
        kbase.ingest_packets(evidence_packets(), run_hooks=False)
    return str(path)


def test_cli_effect_cost_whatif_followups(ev_db: str) -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["effect", "theme:cache-stampede", "--as-of", AS_OF, "--db", ev_db, "-f", "json"])
    assert out.exit_code == 0, out.output
    assert '"rate_ratio": 0.25' in out.output and '"verdict": "no evidence yet"' in out.output
    out = runner.invoke(app, ["effect", "--repeats", "--as-of", AS_OF, "--db", ev_db, "-f", "json"])
    assert out.exit_code == 0 and "fix not yet shipped" in out.output
    out = runner.invoke(app, ["effect", "theme:nope", "--db", ev_db])
    assert out.exit_code == 2 and "no theme, defeated barrier or cluster" in out.output
    out = runner.invoke(app, ["cost", "--by", "theme", "--db", ev_db, "-f", "csv"])
    assert out.exit_code == 0 and "cache-stampede,4,3750.0" in out.output
    out = runner.invoke(app, ["cost", "--by", "incident", "--db", ev_db])
    assert out.exit_code == 0 and "EV-4" in out.output
    out = runner.invoke(app, ["whatif", "--theme", "cache-stampede", "--db", ev_db])
    assert out.exit_code == 0 and "3 of 4 would have been prevented: revenue impact 1,750" in out.output
    out = runner.invoke(app, ["whatif", "--db", ev_db])
    assert out.exit_code == 2
    out = runner.invoke(app, ["followups", "--overdue", "--as-of", AS_OF, "--db", ev_db, "-f", "json"])
    assert out.exit_code == 0 and out.output.count('"overdue": true') == 2
    toml = Path(ev_db).parent / "kb.toml"
    toml.write_text("[policy.SEV1]\ndue_days = 100\n")  # EV-2's finding: Jan 15 + 100 days = Apr 25, not overdue
    out = runner.invoke(
        app, ["followups", "--overdue", "--config", str(toml), "--as-of", AS_OF, "--db", ev_db, "-f", "json"]
    )
    assert out.exit_code == 0 and [r["key"] for r in json.loads(out.output)] == ["jira:OPS-9"]
    toml.write_text("[policy.SEV1]\ndue_days = -3\n")
    out = runner.invoke(app, ["followups", "--config", str(toml), "--db", ev_db])
    assert out.exit_code == 2 and "policy.SEV1.due_days: expected a positive whole number" in out.output
    out = runner.invoke(app, ["gate", "EV-3", "--db", ev_db])
    assert out.exit_code == 0, out.output  # SEV5: the policy exempts it from the gate
    out = runner.invoke(app, ["gate", "EV-4", "--weight", "cost", "--db", ev_db, "-f", "json"])
    assert '"pattern": "theme:slow-disk"' in out.output and '"cost_missing": ""' in out.output


# -- the demo's planted fixes ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, object, dict[str, int]]:
    """The full demo in an embedded database, its truth, and planted cluster name -> found cluster number."""
    from kb.analysis.clusters import find_clusters, score_clusters
    from kb.demo import generate_corpus

    corpus = generate_corpus()
    db = tmp_path_factory.mktemp("effect") / "graph.lbug"
    with kb.connect(engine="ladybug", db=db) as kbase:
        kbase.ingest_packets(corpus.packets, run_hooks=False)
        matches = score_clusters(find_clusters(kbase), corpus.truth.clusters).matches
    found = {str(m.planted): int(m.cluster) for m in matches.itertuples() if pd.notna(m.cluster)}
    return str(db), corpus.truth, found


def test_demo_effect_finds_the_fix_that_worked_and_the_one_that_did_not(demo) -> None:  # type: ignore[no-untyped-def]
    db, truth, found = demo
    rows = []
    with kb.connect(engine="ladybug", db=db) as kbase:
        for planted in truth.clusters:
            if planted.fix_worked is None:
                continue
            df = fix_effects(kbase, f"cluster:{found[planted.name]}", as_of=truth.params.end)
            rows.append({"planted": planted.name, "fix_worked": planted.fix_worked, **df.iloc[0].to_dict()})
    df = pd.DataFrame(rows)
    assert set(df["fix_worked"]) == {True, False}
    for row in df.itertuples():
        if row.fix_worked:
            assert row.ci_high < 1 and row.verdict == WORKED, row
        else:
            assert row.ci_low <= 1 <= row.ci_high, row
            assert row.verdict == DID_NOT_WORK, row
    failed = df[~df["fix_worked"]].iloc[0]
    assert failed["planted"] == "config-push"
    assert failed["shipped_at"] == pd.Timestamp(next(c.fixed_at for c in truth.clusters if c.name == "config-push"))


def test_demo_ranked_by_cost_and_the_business_case(demo) -> None:  # type: ignore[no-untyped-def]
    db, truth, found = demo
    runner = CliRunner()
    out = runner.invoke(app, ["clusters", "--weight", "cost", "--db", db, "-f", "json"])
    assert out.exit_code == 0, out.output
    revenue = [r["revenue"] for r in json.loads(out.output)]
    assert revenue == sorted(revenue, reverse=True) and all(
        r["cost_missing"] is not None for r in json.loads(out.output)
    )
    out = runner.invoke(app, ["hotspots", "--weight", "cost", "--by", "service", "--db", db, "-f", "json"])
    assert out.exit_code == 0, out.output
    hot = json.loads(out.output)
    assert [h["revenue"] for h in hot] == sorted((h["revenue"] for h in hot), reverse=True)
    assert any("revenue unknown for" in h["cost_missing"] for h in hot)  # SEV4 incidents state no revenue
    out = runner.invoke(app, ["okr", "propose", "--weight", "cost", "--as-of", "2026-10-01", "--db", db])
    assert out.exit_code == 0 and "## Cost of the evidence" in out.output
    out = runner.invoke(
        app, ["okr", "propose", "--business-case", str(found["config-push"]), "--as-of", "2026-10-01", "--db", db]
    )
    assert out.exit_code == 0, out.output
    assert out.output.startswith(f"# Business case: cluster {found['config-push']}")
    assert "**did not work**" in out.output and "Incidents per quarter: " in out.output
    out = runner.invoke(app, ["okr", "propose", "--business-case", "no-such-cluster", "--db", db])
    assert out.exit_code == 2 and "no such recurring cluster" in out.output


def test_a_database_from_before_the_new_properties_gains_them(tmp_path: Path) -> None:
    """Ladybug needs every property declared: an older database gets responder_hours and due_at added."""
    import ladybug

    path = tmp_path / "old.lbug"
    conn = ladybug.Connection(ladybug.Database(str(path)))
    conn.execute("CREATE NODE TABLE Incident(key STRING, title STRING, PRIMARY KEY (key))")
    conn.execute("CREATE (:Incident {key: 'OLD-1', title: 'kept'})")
    conn.close()
    with kb.connect(engine="ladybug", db=path) as kbase:
        kbase.ingest_packets(evidence_packets(), run_hooks=False)
        costs = incident_costs(kbase).set_index("incident")
    assert costs.at["OLD-1", "title"] == "kept" and costs.at["EV-2", "responder_hours"] == 7.5


def test_kb_check_passes_a_sev5_typo_fix_and_fails_the_same_as_sev4(tmp_path: Path) -> None:
    text = (
        "incident:\n  id: T-1\n  title: Typo on the pricing page\n  severity: SEV5\n"
        "  started_at: 2025-01-01T00:00:00Z\n"
    )
    (tmp_path / "T-1.yaml").write_text(text)
    (tmp_path / "T-2.yaml").write_text(text.replace("T-1", "T-2").replace("SEV5", "SEV4"))
    runner = CliRunner()
    assert runner.invoke(app, ["check", str(tmp_path / "T-1.yaml")]).exit_code == 0
    out = runner.invoke(app, ["check", str(tmp_path / "T-2.yaml")])
    assert out.exit_code == 1 and "incomplete-packet" in out.output
