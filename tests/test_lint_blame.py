"""Blame language: fires on blaming sentences anywhere in a packet, stays quiet on blameless systems prose."""

from __future__ import annotations

from typing import Any

import pytest

from kb.analysis.language import blame_hits, blame_hits_each, handles_of, names_a_person_as_cause
from kb.lint import RULES, Level

from .review_packets import analysis, packet

PEOPLE = ["amira", "jonas", "wen", "lucas"]

# (text, is it a cause statement (a factor)?)
FIRES: list[tuple[str, bool]] = [
    ("The on-call engineer forgot to check the checkout dashboard before deploying", True),
    ("Someone forgot to renew the TLS certificate", False),
    ("jonas should have rolled back checkout much sooner", True),
    ("We should have tested the migration on a copy of production", False),
    ("The DBA should have known that the migration would lock orders", True),
    ("Should have caught this in review", False),
    ("A careless manual edit of pool_size by an operator", True),
    ("Human error during the checkout deploy", True),
    ("Root cause: human error.", False),
    ("The engineer was negligent in applying the change", True),
    ("Negligence by the release manager", False),
    ("It was the fault of the new hire", False),
    ("Sloppy review of the pull request let the bug through", True),
    ("amira deployed the config without a review", True),
    ("The engineer ran the migration without a dry run", True),
    ("He pushed the change at 17:55 on a Friday", True),
    ("The outage happened because the engineer skipped the canary", False),
    ("jonas deployed v2.3, which caused the outage", False),
    ("The on-call engineer accidentally deleted the namespace", False),
    ("The operator ignored the disk-space alert for an hour", False),
    ("@amira missed the page", False),
    ("Then the developer mistakenly dropped the orders table", False),
    ("He should have been more careful with the flag", False),
    ("We should not have deployed on a Friday", False),
]

QUIET: list[tuple[str, bool]] = [
    ("the deploy pipeline allowed the change without review", True),
    ("the alert should fire within 5 minutes", False),
    # Borderline, decided quiet: a counterfactual about a system names no person to blame.
    ("The alert should have fired within 5 minutes", True),
    ("The deploy should have been blocked by the pipeline", True),
    ("amira shed recommendation reads to protect checkout", False),
    ("jonas restarted the pods", False),
    ("The incident commander decided to fail over to eu-west", False),
    ("The on-call engineer was paged 40 times in one night", True),
    ("Alerts for the on-call were too noisy to act on", True),
    ("This was not human error but a pipeline default", False),
    ("We don't call this 'human error': the CLI accepted a destructive flag without confirmation", False),
    ("Campaign traffic tripled read load on the shared core database", True),
    ("Team in US manually executed Terraform to update Kubernetes network infrastructure", False),
    ("This was a breaking change we did not catch in our migration", True),
    ("No team owns capacity planning for the shared core database", True),
    ("The runbook did not say which flag to flip", True),
    ("Engineers deploy by hand because the pipeline has no staging step", True),
    ("Checkout should degrade gracefully when recommendations are slow", False),
    ("The scheduler retried the job, which caused a thundering herd", True),
    ("The engineer's pager did not ring because the rotation was empty", True),
    ("The user clicked retry repeatedly, which tripled the load", True),
    ("Heavy writes exhausted the shed capacity", True),
    ("The rollout tool has no guard against a 100% rollout", True),
    # "should have" + a noun is a plan or a possession, not hindsight (seen in a real postmortem).
    ("We should have a talk with Platform about what responsibilities our ingress controllers should have", False),
    ("The payments team should have been paged by the saturation alert", False),  # passive: about paging
    ("Lazy loading of the catalog doubled the cold-start time", True),
]


@pytest.mark.parametrize(("text", "causal"), FIRES)
def test_blaming_sentences_fire(text: str, causal: bool) -> None:
    hits = blame_hits(text, PEOPLE, causal=causal)
    assert len(hits) == 1, text
    assert hits[0].sentence == text
    assert hits[0].rewrite.startswith(("What ", "Name the conditions"))


@pytest.mark.parametrize(("text", "causal"), QUIET)
def test_blameless_sentences_stay_quiet(text: str, causal: bool) -> None:
    assert blame_hits(text, PEOPLE, causal=causal) == []


@pytest.mark.parametrize(
    "people",
    [PEOPLE, [], ["mira"], ["wen", "Jonas"], ["zoë"]],
)
def test_each_text_of_a_packet_at_once_is_each_text_alone(people: list[str]) -> None:
    # A packet's texts are looked through for its people at once: the same hits as one by one,
    # also when a handle is in a text that is otherwise quiet ("jonas restarted the pods"),
    # in none of them, or in a text that is not ASCII.
    items = [*FIRES, *QUIET, ("Mira deployed the release, which caused the outage", True), ("zoë ran the job", True)]
    handles = handles_of(people)
    assert list(blame_hits_each(items, handles)) == [blame_hits(t, people, causal=c) for t, c in items]
    quiet = [(t, c) for t, c in QUIET if not blame_hits(t, people, causal=c)]
    assert list(blame_hits_each(quiet, handles)) == [[] for _ in quiet]


def test_a_timeline_act_is_not_blame_but_the_same_act_as_a_cause_is() -> None:
    assert blame_hits("jonas deployed the config", PEOPLE, causal=False) == []
    assert [h.kind for h in blame_hits("jonas deployed the config", PEOPLE, causal=True)] == ["person-subject"]


def test_a_handle_is_a_person_only_when_it_is_a_participant() -> None:
    text = "Mira deployed the release, which caused the outage"
    assert blame_hits(text, ["mira"])[0].trigger == "Mira"
    assert blame_hits(text, []) == []


def test_rewrite_is_systems_framed_and_keeps_the_act() -> None:
    (hit,) = blame_hits("The engineer pushed the config without review", causal=True)
    assert hit.rewrite.startswith("What in our deployment or review process allowed this")
    assert "pushed the config without review" in hit.rewrite
    (forgot,) = blame_hits("The on-call engineer forgot to renew the certificate")
    assert "relied on someone remembering to renew the certificate" in forgot.rewrite


def test_each_sentence_is_judged_and_quoted_on_its_own() -> None:
    text = "The pool saturated at 18:20. We should have load-tested the campaign. Reads were shed."
    (hit,) = blame_hits(text)
    assert hit.sentence == "We should have load-tested the campaign."


@pytest.mark.parametrize(
    ("statement", "words"),
    [
        ("Human error during the checkout deploy", "Human error"),
        ("Operator error", "Operator error"),
        ("The engineer ran the migration without a dry run", "The engineer"),
        ("jonas forgot to drain the node", "forgot"),
        # each kind of error words, in any case (an ASCII statement without one is not searched)
        ("USER ERRORS in the rollout", "USER ERRORS"),
        ("A Mistake By the release tooling", "Mistake By"),
        ("The developer's FAULT: a wrong flag", "developer's FAULT"),
        ("The operator's mistake in the runbook", "operator's mistake"),
        ("A person's Error in the flag", "person's Error"),
        ("Pilot error — the dashboard lied", "Pilot error"),  # (not ASCII: searched as it is)
    ],
)
def test_names_a_person_as_cause(statement: str, words: str) -> None:
    assert names_a_person_as_cause(statement, PEOPLE) == words


@pytest.mark.parametrize(
    "statement",
    [
        "The migration tool takes an exclusive lock without warning",
        "Not human error: the runbook step was ambiguous",
    ],
)
def test_does_not_name_a_person_as_cause(statement: str) -> None:
    assert names_a_person_as_cause(statement, PEOPLE) is None


def _with(where: str, text: str) -> Any:
    def change(data: dict[str, Any]) -> None:
        if where == "factor":
            analysis(data)["factors"][1]["statement"] = text
        elif where == "summary":
            data["incident"]["summary"] = text
        elif where == "timeline":
            data["timeline"][2]["text"] = text
        elif where == "finding":
            analysis(data)["findings"][0]["statement"] = text
        elif where == "decision":
            data["decisions"][0]["rationale"] = text

    return change


@pytest.mark.parametrize(
    ("where", "text", "location"),
    [
        ("factor", "The on-call engineer forgot to check the pool dashboard", "analyses.A1.factors.F2"),
        ("summary", "Campaign load grew. amira should have paused the campaign.", "incident.summary"),
        ("timeline", "jonas misconfigured the pool, which caused the timeouts", "timeline.2"),
        ("finding", "Retrain the careless operators on the pool settings", "analyses.A1.findings.R1"),
        ("decision", "The on-call engineer mistakenly routed reads to the primary", "decisions.0.rationale"),
    ],
)
def test_rule_fires_anywhere_with_location_evidence_and_fix(where: str, text: str, location: str) -> None:
    found = RULES["blame-language"].run(packet(_with(where, text)))
    assert [f.location for f in found] == [location]
    (f,) = found
    assert f.level is Level.ERROR and f.rule == "blame-language" and f.incident == "INC-2025-001"
    assert f.evidence in text and len(f.evidence) > 10
    assert f.fix.startswith(("What ", "Name the conditions"))


def test_rule_is_quiet_on_the_clean_example_and_on_blameless_edits() -> None:
    assert RULES["blame-language"].run(packet()) == []
    quiet = packet(_with("factor", "The deploy pipeline allowed the pool change without review"))
    assert RULES["blame-language"].run(quiet) == []


def test_a_packets_handles_are_its_own_when_packets_are_linted_in_turn() -> None:
    from kb.lint.where import handles, people  # noqa: PLC0415

    first = packet()
    second = packet(lambda d: d.update(participants=[], decisions=[]))
    assert handles(first)  # (the example names people)
    for p in (first, first, second, first, second):
        assert handles(p) == handles_of(people(p))
    assert handles(second) != handles(first)


def test_a_packet_edited_between_two_lints_is_answered_for_as_it_is_now() -> None:
    from kb.lint.where import handles, people  # noqa: PLC0415
    from kb.model import Participant, Role  # noqa: PLC0415

    p = packet()
    before = handles(p)
    p.participants.append(Participant(handle="@newcomer", role=Role.RESPONDER))
    assert "newcomer" in handles(p) and "newcomer" not in before
    assert handles(p) == handles_of(people(p))
