"""Every lint rule but blame-language: an example that fires and one that must not."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kb.lint import RULES, Level, LintContext, lint_packet
from kb.model import EventPacket

from .review_packets import Data, analysis, packet

LATER = LintContext(now=datetime(2025, 9, 1, tzinfo=UTC))


def run(rule: str, p: EventPacket, ctx: LintContext | None = None, **options: Any) -> list[str]:
    """Locations where `rule` fires."""
    return [f.location for f in RULES[rule].run(p, ctx or LATER, options)]


def test_the_clean_example_passes_every_rule() -> None:
    assert lint_packet(packet(), context=LATER) == []


def test_every_rule_has_a_family_level_and_summary() -> None:
    assert len(RULES) >= 15
    for r in RULES.values():
        assert r.family and r.summary and isinstance(r.level, Level)


# -- single root cause --------------------------------------------------------------------------


def _one_factor(data: Data) -> None:
    a = analysis(data)
    a["factors"] = a["factors"][:1]
    a["influences"] = [{"source": "F1", "target": "impact"}]
    a["barriers"] = [b for b in a["barriers"] if not b.get("defeated_by")]
    for f in a["findings"]:
        f["addresses"] = [x for x in f["addresses"] if ":" in x]


def test_single_root_cause() -> None:
    found = RULES["single-root-cause"].run(packet(_one_factor), LATER)
    assert [f.location for f in found] == ["analyses.A1.factors"]
    assert found[0].evidence.startswith("F1: Campaign traffic tripled")
    assert run("single-root-cause", packet()) == []
    assert run("single-root-cause", packet(), min_factors=5) == ["analyses.A1.factors"]


def test_single_root_cause_does_not_count_a_factor_that_only_blames_a_person() -> None:
    def blamed(data: Data) -> None:
        _one_factor(data)
        a = analysis(data)
        a["factors"].append(
            {"id": "F9", "statement": "The on-call engineer should have scaled the database", "category": "process"}
        )
        a["influences"].append({"source": "F9", "target": "F1"})

    (f,) = RULES["single-root-cause"].run(packet(blamed), LATER)
    assert f.message == "1 factor(s) (plus 1 that only name(s) a person) in a contribution_map analysis"


def _all_technical(data: Data) -> None:
    for f in analysis(data)["factors"]:
        f["category"] = "technical"


def test_single_category() -> None:
    found = RULES["single-category"].run(packet(_all_technical), LATER)
    assert [f.message for f in found] == ["all 4 factors are technical"]
    assert "organizational and process" in found[0].fix
    assert run("single-category", packet()) == []
    assert run("single-category", packet(_one_factor)) == []  # one factor: single-root-cause says it
    assert found[0].evidence.startswith("F1 (technical): Campaign traffic")


def test_single_category_says_when_the_categories_were_guessed() -> None:
    def guessed(data: Data) -> None:
        _all_technical(data)
        for f in analysis(data)["factors"]:
            f["category_guessed"] = True

    (f,) = RULES["single-category"].run(packet(guessed), LATER)
    assert f.message == "all 4 factors are technical (categories guessed at import: confirm them)"


def _leaf(statement: str) -> Any:
    def change(data: Data) -> None:
        analysis(data)["factors"][2]["statement"] = statement  # F3 is a chain end (F3 -> F1 -> impact)

    return change


@pytest.mark.parametrize(
    "statement",
    [
        "Human error by the campaign manager",
        "The on-call engineer forgot to announce the campaign",
        "lucas launched the campaign without telling anyone",
    ],
)
def test_chain_ends_at_person_fires(statement: str) -> None:
    found = RULES["chain-ends-at-person"].run(packet(_leaf(statement)), LATER)
    assert [f.location for f in found] == ["analyses.A1.factors.F3"]
    assert found[0].level is Level.ERROR and found[0].evidence == statement
    assert "Keep asking why" in found[0].fix


def test_chain_ends_at_person_quiet_on_systems_cause_and_on_a_person_in_the_middle() -> None:
    assert run("chain-ends-at-person", packet()) == []

    # F1 is not a chain end (F3 contributes to it): the chain goes on past the person.
    def middle(data: Data) -> None:
        analysis(data)["factors"][0]["statement"] = "The engineer launched a campaign without capacity review"

    assert run("chain-ends-at-person", packet(middle)) == []


# -- action items -------------------------------------------------------------------------------


def _findings(n: int, **extra: Any) -> Any:
    def change(data: Data) -> None:
        a = analysis(data)
        base = a["findings"][0]
        a["findings"] = [{**base, "id": f"R{i}", "work_items": [], "okrs": [], **extra} for i in range(n)]
        data["roadmap"] = []

    return change


def test_action_item_proliferation() -> None:
    found = RULES["action-item-proliferation"].run(packet(_findings(11)), LATER)
    assert [f.message for f in found] == ["11 findings (more than 10)"]
    assert run("action-item-proliferation", packet(_findings(10))) == []
    assert run("action-item-proliferation", packet(_findings(11, status="rejected"))) == []
    assert run("action-item-proliferation", packet(_findings(4)), max_items=3) == ["analyses.*.findings"]


def _finding(**fields: Any) -> Any:
    def change(data: Data) -> None:
        analysis(data)["findings"][0].update(fields)

    return change


@pytest.mark.parametrize(
    "statement",
    [
        "Improve monitoring",
        "Better communication during incidents",
        "Look into the database",
        "More awareness of alerts",
        "Investigate the connection pool",
    ],
)
def test_vague_finding_fires(statement: str) -> None:
    assert run("vague-finding", packet(_finding(statement=statement))) == ["analyses.A1.findings.R1"]


@pytest.mark.parametrize(
    "statement",
    [
        "Improve alerting so that checkout p99 above 2 s pages within 5 minutes",
        "Split the checkout connection pool from recommendations",
        "Ensure every campaign gets a capacity review 5 days before launch",
    ],
)
def test_vague_finding_quiet_on_measurable_or_concrete_actions(statement: str) -> None:
    assert run("vague-finding", packet(_finding(statement=statement))) == []


def test_vague_finding_judges_the_action_not_its_explanation() -> None:
    concrete = "Implement priority-classes for critical workloads: part of our effort to improve resilience"
    assert run("vague-finding", packet(_finding(statement=concrete))) == []
    vague = "Consider separate prioritization of SRE tasks: SREs need a better feel for operations"
    assert run("vague-finding", packet(_finding(statement=vague))) == ["analyses.A1.findings.R1"]


def test_vague_finding_quiet_once_settled() -> None:
    assert run("vague-finding", packet(_finding(statement="Improve monitoring", status="rejected"))) == []


def test_unowned_finding() -> None:
    assert run("unowned-finding", packet(_finding(owner=None))) == ["analyses.A1.findings.R1"]
    assert run("unowned-finding", packet(_finding(owner=None, status="done"))) == []
    assert run("unowned-finding", packet()) == []


# -- isolated retrospective ---------------------------------------------------------------------


def _participants(*people: tuple[str, str, str | None]) -> Any:
    def change(data: Data) -> None:
        data["participants"] = [{"handle": h, "role": r, **({"team": t} if t else {})} for h, r, t in people]
        data["decisions"][0]["made_by"] = None

    return change


def test_isolated_retrospective() -> None:
    inside = packet(
        _participants(
            ("amira", "incident_lead", "payments"),
            ("jonas", "responder", "platform"),
            ("kim", "facilitator", "payments"),
        )
    )
    found = RULES["isolated-retrospective"].run(inside, LATER)
    assert [f.message for f in found] == ["everyone is from the responding team(s): payments, platform"]
    assert "kim (facilitator, payments)" in found[0].evidence
    assert run("isolated-retrospective", packet()) == []  # wen (reliability) and lucas (data) are outside
    no_teams = packet(_participants(("amira", "incident_lead", None), ("jonas", "responder", None)))
    assert run("isolated-retrospective", no_teams) == []  # nothing to judge


def test_no_provocateur_on_high_severity_only() -> None:
    without = _participants(("amira", "incident_lead", "payments"), ("wen", "facilitator", "reliability"))
    assert run("no-provocateur", packet(without)) == ["participants"]  # SEV2
    assert run("no-provocateur", packet(without, severity=3)) == []
    assert run("no-provocateur", packet(without, severity=3), max_severity=3) == ["participants"]
    assert run("no-provocateur", packet()) == []


# -- documentation graveyard --------------------------------------------------------------------


def test_missing_tags() -> None:
    assert run("missing-tags", packet(_finding(tags=[]))) == ["analyses.A1.findings.R1"]
    assert run("missing-tags", packet()) == []


def _no_related_check(data: Data) -> None:
    analysis(data)["related_check"] = None


def test_no_related_check_uses_the_packet_and_the_graph_links() -> None:
    assert run("no-related-check", packet(_no_related_check)) == ["analyses.*.related_check"]
    linked = LintContext(now=LATER.now, related_links={"INC-2025-001": 2})
    assert run("no-related-check", packet(_no_related_check), linked) == []
    assert run("no-related-check", packet()) == []


def test_no_related_check_quiet_when_the_text_cites_another_known_incident() -> None:
    def cites(data: Data) -> None:
        _no_related_check(data)
        data["incident"]["summary"] = "Same pool exhaustion as INC-2024-090, this time under campaign load."

    known = LintContext(now=LATER.now, known_incidents=frozenset({"INC-2024-090", "INC-2025-001"}))
    assert run("no-related-check", packet(cites), known) == []
    assert run("no-related-check", packet(cites)) == ["analyses.*.related_check"]  # INC-2024-090 unknown


def test_untracked_finding_after_n_days() -> None:
    bare = packet(_finding(work_items=[]))  # R1: agreed, published 2025-03-18, no work item
    assert run("untracked-finding", bare) == ["analyses.A1.findings.R1"]
    assert run("untracked-finding", bare, LintContext(now=datetime(2025, 4, 10, tzinfo=UTC))) == []
    assert run("untracked-finding", bare, days=200) == []
    deferred = packet(_finding(work_items=[], status="deferred", deferred_reason="No capacity this quarter"))
    assert run("untracked-finding", deferred) == []
    (f,) = RULES["untracked-finding"].run(bare, LATER)
    assert "166 days since 2025-03-18" in f.message


# -- completeness and SLA -----------------------------------------------------------------------


def test_incomplete_packet_names_every_missing_part() -> None:
    def strip(data: Data) -> None:
        data["timeline"] = []
        data["metrics"] = []
        data["impacts"] = []
        for k in ("customer_impact", "customers_affected", "revenue_impact"):
            data["incident"].pop(k)

    (f,) = RULES["incomplete-packet"].run(packet(strip), LATER)
    assert f.location == "timeline, impact, metrics"
    assert f.evidence.startswith("missing timeline, impact, metrics (present: participants: 4; analyses: 1)")
    assert f.level is Level.ERROR
    assert run("incomplete-packet", packet(strip), required=["participants"]) == []
    assert run("incomplete-packet", packet()) == []


def test_incomplete_packet_rejects_an_unknown_part() -> None:
    with pytest.raises(ValueError, match="unknown part"):
        run("incomplete-packet", packet(), required=["vibes"])


def test_late_packet() -> None:
    late = packet(compiled_at="2025-03-16T09:00:00+01:00")  # resolved 2025-03-14 20:15 +01:00
    (f,) = RULES["late-packet"].run(late, LATER)
    assert f.message == "compiled 37 h after resolution (SLA 24 h)"
    assert run("late-packet", packet()) == []  # compiled after 14 h
    assert run("late-packet", late, sla_hours=48) == []
    assert run("late-packet", packet(compiled_at=None)) == []


# -- defensible findings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "Monitoring was bad",
        "Poor monitoring",
        "Documentation is insufficient",
        "Capacity issues",
    ],
)
def test_indefensible_finding_fires(statement: str) -> None:
    assert run("indefensible-finding", packet(_finding(statement=statement))) == ["analyses.A1.findings.R1"]


@pytest.mark.parametrize(
    "statement",
    [
        "Monitoring was bad because the pool metric was not exported, so saturation was invisible",
        "Split the checkout connection pool from recommendations",
        "Improve monitoring",  # vague: reported once, by vague-finding
    ],
)
def test_indefensible_finding_quiet(statement: str) -> None:
    assert run("indefensible-finding", packet(_finding(statement=statement))) == []


# -- analysis structure -------------------------------------------------------------------------


def test_analysis_structure_flags_a_flat_list_and_an_unattached_factor() -> None:
    def flat(data: Data) -> None:
        analysis(data)["influences"] = []

    (f,) = RULES["analysis-structure"].run(packet(flat), LATER)
    assert f.message == "4 factors and no lines of influence: a list, not a map"

    def dangling(data: Data) -> None:
        analysis(data)["influences"] = [i for i in analysis(data)["influences"] if i["source"] != "F4"]

    assert run("analysis-structure", packet(dangling)) == ["analyses.A1.factors.F4"]
    assert run("analysis-structure", packet()) == []


def test_config_levels_and_switches_apply_in_lint_packet() -> None:
    from kb.lint import LintConfig

    p = packet(_finding(tags=[]))
    assert [f.level for f in lint_packet(p, context=LATER)] == [Level.WARNING]
    cfg = LintConfig({"missing-tags": {"level": "error"}})
    assert [f.level for f in lint_packet(p, cfg, LATER)] == [Level.ERROR]
    assert lint_packet(p, LintConfig({"missing-tags": {"enabled": False}}), LATER) == []


def test_late_packet_judges_a_packet_by_its_own_due_time() -> None:
    """A packet scaffolded by `kb new` carries compile_by from kb.toml's SLA: that, not the
    rule's default sla_hours, says when it is late."""
    on_time = packet(compiled_at="2025-05-03T02:00:00Z", compile_by="2025-05-03T03:00:00Z")  # 47 h after resolution
    assert run("late-packet", on_time) == []
    late = packet(compiled_at="2025-05-01T20:00:00Z", compile_by="2025-05-01T15:00:00Z")  # 17 h: within sla_hours
    assert run("late-packet", late) == ["incident.compiled_at"]
    [hit] = RULES["late-packet"].run(late, LATER, {"sla_hours": 24})
    assert "5 h after its due time" in hit.message
    no_due = packet(compiled_at="2025-05-03T02:00:00Z")  # 47 h after resolution, no due time: the default
    assert run("late-packet", no_due, sla_hours=24) == ["incident.compiled_at"]
