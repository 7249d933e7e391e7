"""Review lint and repeats on imported, unreviewed post-mortems shaped like the real ones of
bench/real_eval.py (issue 12), on both engines: a single cause lifted from a summary is a to-do,
the importer's flat lists make no chain that stops at a person, a person who lacked something is a
condition, and a follow-up document of the same incident is linked as such, never as a repeat."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import kb
from ingest.markdown import import_text
from kb.analysis.language import blame_hits
from kb.analysis.repeat_evidence import follow_up_claim, follow_up_documents, follows_up
from kb.analysis.repeats import find_repeats
from kb.analysis.similarity import stored_related
from kb.cli import app
from kb.graph.reader import read_packets
from kb.knowledge_base import KnowledgeBase
from kb.lint import lint_graph
from kb.lint.model import Level
from kb.model import DocumentPart, EventPacket

DAY = datetime(2025, 5, 12, tzinfo=UTC)
NOW = datetime(2026, 11, 29, tzinfo=UTC)
PROVISIONING = (
    "On May 12 we received a support ticket about user servers taking more than 15 minutes to start and "
    "their kernels being killed during a workshop. Upon investigation we found out that the profile option "
    "used during the workshop had no memory limit set and the memory overcommitment was big: the node had "
    "32GB of memory, the guarantee was 8GB and no limit was set."
)


def doc(
    key: str,
    at: datetime,
    title: str,
    summary: str,
    factors: list[str],
    findings: list[str] = (),  # type: ignore[assignment]
    *,
    reviewed: bool = False,
    chain: bool = False,
) -> EventPacket:
    """A packet as `kb import markdown` makes it: imported, unreviewed, factors -> impact (a flat
    list), or with `chain` a Five Whys chain (each why contributes to the one above)."""
    ids = [f"f{n}" for n in range(1, len(factors) + 1)]
    influences = (
        [{"source": "f1", "target": "impact"}]
        + [{"source": b, "target": a} for a, b in zip(ids, ids[1:], strict=False)]
        if chain
        else [{"source": i, "target": "impact"} for i in ids]
    )
    data: dict[str, Any] = {
        "incident": {"id": key, "title": title, "started_at": at, "summary": summary},
        "provenance": {"source": "markdown", "file": f"/reports/{key}.md", "imported": True, "reviewed": reviewed},
        "analyses": [
            {
                "id": "imported",
                "method": "five_whys" if chain else "contribution_map",
                "factors": [
                    {"id": i, "statement": s, "category": "technical", "category_guessed": True}
                    for i, s in zip(ids, factors, strict=True)
                ],
                "influences": influences,
                "findings": [
                    {"id": f"a{n}", "statement": s, "status": "agreed"} for n, s in enumerate(findings, start=1)
                ],
            }
        ],
    }
    return EventPacket.model_validate(data)


def firings(kbase: KnowledgeBase, rule: str) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for f in lint_graph(kbase, None, None, NOW).findings:
        if f.rule == rule:
            out.setdefault(f.incident, []).append(f)
    return out


def test_a_cause_lifted_from_prose_is_a_to_do_until_reviewed(any_kb: KnowledgeBase) -> None:
    summary_cause = (
        "After investigation, we determined that the core pods didn't have appropriate resource guarantees set. "
        "There was also no dedicated core pool, so the students overloaded CPU and RAM of the nodes."
    )
    any_kb.ingest_packets(
        [
            doc("2020-10-28-memory-overload", DAY, "Memory overload on the WER cluster", "", [summary_cause]),
            doc("2020-11-02-reviewed", DAY, "Memory overload, reviewed", "", [summary_cause], reviewed=True),
            doc("2020-11-09-no-factors", DAY, "Pods dying", "", []),
            doc(
                "2020-11-16-two-factors",
                DAY,
                "Zone exhausted",
                "",
                ["We didn't get alerts for exhaustion events", "The zone ran out of n2 machines"],
            ),
        ]
    )
    got = firings(any_kb, "single-root-cause")
    (todo,) = got["2020-10-28-memory-overload"]
    assert todo.level is Level.INFO
    assert todo.message.startswith("to do for the review: the imported document gives 1 cause statement(s)")
    assert "resource guarantees" in todo.evidence
    # Signed off with one factor, it is a review that stopped at one cause: the warning.
    (warned,) = got["2020-11-02-reviewed"]
    assert warned.level is Level.WARNING
    assert got["2020-11-09-no-factors"][0].level is Level.INFO
    assert "2020-11-16-two-factors" not in got


def test_flat_imported_list_is_no_chain_but_blame_is_still_named(any_kb: KnowledgeBase) -> None:
    missed = "The engineer missed only the LIS hub when checking each migration was successful."
    dns = "A prior step to migrate the DNS records was missed or unsuccessfully applied."
    lacked = (
        "The primary engineer did not have any contextual clues that they'd switched onto the production hub, "
        "leading to the incident."
    )
    any_kb.ingest_packets(
        [
            doc("2026-03-12-lis-unreachable", DAY, "LIS hub unreachable after ingress migration", "", [missed, dns]),
            doc("2026-03-13-reviewed", DAY, "Hub unreachable, reviewed", "", [missed, dns], reviewed=True),
            doc("2025-08-12-leap-outage", DAY, "LEAP outage", "", [lacked, dns]),
            doc(
                "2025-08-13-five-whys",
                DAY,
                "Five whys that stop at a person",
                "",
                ["The hub was unreachable", "The DNS record pointed at the old IP", "The engineer skipped the step"],
                chain=True,
            ),
        ]
    )
    chains = firings(any_kb, "chain-ends-at-person")
    blame = firings(any_kb, "blame-language")
    # The importer's flat list claims no chain; the sentence is still blame language.
    assert "2026-03-12-lis-unreachable" not in chains
    assert [f.location for f in blame["2026-03-12-lis-unreachable"]] == ["analyses.imported.factors.f1"]
    # A reviewed map, or a real chain in the document (Five Whys), does stop at the person.
    assert [f.location for f in chains["2026-03-13-reviewed"]] == ["analyses.imported.factors.f1"]
    assert [f.location for f in chains["2025-08-13-five-whys"]] == ["analyses.imported.factors.f3"]
    # What a person lacked is a condition around them: the blameless framing, not blame.
    assert "2025-08-12-leap-outage" not in blame
    assert "2025-08-12-leap-outage" not in chains


def test_a_missing_condition_is_not_blame_but_an_omission_is() -> None:
    assert blame_hits("The on-call engineer did not get paged because the rule was muted.", causal=True) == []
    assert blame_hits("The engineer had not been told that the script deletes volumes.", causal=True) == []
    (hit,) = blame_hits("The engineer did not check the hub after the migration.", causal=True)
    assert hit.kind == "person-subject"


def provisioning_reports() -> list[EventPacket]:
    """The May report, its November deeper dive, and a real repeat in September."""
    first = doc(
        "2025-05-12-provisioning",
        DAY + timedelta(hours=17, minutes=15),
        "Earthscope resource provisioning issue",
        PROVISIONING,
        ["The profile option had no memory limit set and the overcommitment was big"],
        ["Set explicit memory limits on every profile option"],
    )
    # Written in November about the same day; dated to the day (00:00), it sorts BEFORE the first report.
    dive = doc(
        "2025-11-26-provisioning-deeper-dive",
        DAY,
        "Earthscope provisioning deeper dive",
        "This is an addendum to the initial incident report "
        "(https://github.com/org/reports/blob/main/reports/2025-05-12-provisioning.md). " + PROVISIONING,
        ["Resource contention for existing users on existing nodes due to no memory limit set"],
        ["Move every community off the legacy profile options with no memory limit"],
    )
    again = doc(
        "2025-09-01-provisioning-again",
        DAY + timedelta(days=112),
        "Earthscope resource provisioning issue during a workshop",
        PROVISIONING,
        ["The profile option had no memory limit set and the overcommitment was big"],
    )
    return [first, dive, again]


def test_follow_up_document_of_the_same_incident_is_not_a_repeat(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets(provisioning_reports())
    fu = follow_up_documents(any_kb)
    assert list(zip(fu["document"], fu["same_incident_as"], strict=True)) == [
        ("2025-11-26-provisioning-deeper-dive", "2025-05-12-provisioning")
    ]
    assert "addendum to the initial incident report" in fu["evidence"].iloc[0]
    rep = find_repeats(any_kb)
    # Neither document of the May incident is a repeat of the other ...
    assert not set(rep["incident"]) & {"2025-05-12-provisioning", "2025-11-26-provisioning-deeper-dive"}
    # ... and a near twin months later still is one, of either report.
    (row,) = rep[rep["incident"] == "2025-09-01-provisioning-again"].itertuples()
    assert row.via_kind == "twin"
    assert row.earlier_incident in {"2025-05-12-provisioning", "2025-11-26-provisioning-deeper-dive"}
    # The review of the first report cannot have compared it with a deeper dive written months later.
    todo = firings(any_kb, "no-related-check")
    assert (
        "2025-11-26-provisioning-deeper-dive"
        in stored_related(any_kb).query("incident == '2025-05-12-provisioning'")["related"].tolist()
    )
    assert all("deeper-dive" not in f.evidence for f in todo.get("2025-05-12-provisioning", []))


def test_same_day_report_that_says_it_happened_again_stays_a_repeat(any_kb: KnowledgeBase) -> None:
    oom = doc(
        "2025-10-16-oom-quota-enforcer",
        DAY + timedelta(hours=9),
        "OOM in the quota enforcer",
        "The enforce-xfs-quota container was OOM killed after the quota change.",
        ["The enforcer loads every quota into memory"],
        ["Modify the enforce-xfs-quota script to reduce the likelihood of OOM"],
    )
    again = doc(
        "2025-10-16-invalid-config",
        DAY + timedelta(hours=15),
        "Invalid configuration breaks the quota enforcer",
        "The enforce-xfs-quota container restarted; this happened again hours after 2025-10-16-oom-quota-enforcer.",
        ["An invalid configuration value was accepted"],
    )
    any_kb.ingest_packets([oom, again])
    assert follow_up_documents(any_kb).empty
    rep = find_repeats(any_kb)
    assert ("2025-10-16-invalid-config", "2025-10-16-oom-quota-enforcer", "text") in set(
        zip(rep["incident"], rep["earlier_incident"], rep["via_kind"], strict=True)
    )


STATED_ONE = """# Inotify file watches exhaustion

## Summary

On Monday 20. January one of our nodes ran out of available file watches.

## Timeline

All times in CET.

| Time             | Event                                           |
| :--------------- | ----------------------------------------------- |
| 2020-01-20 13:50 | Node starts reporting "no space left on device" |
| 2020-01-22 10:39 | Pod killed, releasing file watches              |

## Contributing Factors

- Misbehaving code running in a capability container

## Action Items

- Setup monitoring and alerting for file watches usage
"""
SUMMARY_PROSE = """# 2020-08-28 - Memory overload on WER cluster

## Summary

On 2020-08-28, WER reported stuck pages for students. A total outage, nothing usable.

After investigation, we determined that the core pods didn't have appropriate resource guarantees set. \
There was also no dedicated core pool, so the WER students overloaded CPU & RAM of the nodes.

## Timeline

All times in IST

### 08:52 PM

Incoming report that many students can not access the hub

### 09:46 PM

The issue is closed and everything seems fine

## Action Items

- Make sure user pods are in a separate pool <https://github.com/org/infrastructure/issues/89>
"""


def test_importer_says_where_a_factor_was_read_and_the_lint_tells_them_apart(any_kb: KnowledgeBase) -> None:
    stated = import_text(STATED_ONE, Path("PM2020-001 - Inotify file watches exhaustion.md")).packet
    prose = import_text(SUMMARY_PROSE, Path("2020-10-28-memory-overload.md")).packet
    assert stated is not None and prose is not None
    assert [f.read_from for f in stated.analyses[0].factors] == [DocumentPart.FACTORS]
    assert [f.read_from for f in prose.analyses[0].factors] == [DocumentPart.SUMMARY]
    any_kb.ingest_packets([stated, prose])
    # Read back from the graph (the lint reads the graph), the part is still known.
    assert {f.read_from for p in read_packets(any_kb, [stated.key, prose.key]) for f in p.analyses[0].factors} == {
        DocumentPart.FACTORS,
        DocumentPart.SUMMARY,
    }
    got = firings(any_kb, "single-root-cause")
    # The document lists ONE contributing factor as its analysis: a review that stopped at one cause.
    assert [f.level for f in got[stated.key]] == [Level.WARNING]
    # The summary's root-cause prose is material for an analysis nobody made yet: a to-do.
    assert [f.level for f in got[prose.key]] == [Level.INFO]


def test_cli_repeats_lists_follow_ups_apart(tmp_path: Path) -> None:
    db = tmp_path / "g.lbug"
    with kb.connect(engine="ladybug", db=db) as kbase:
        kbase.ingest_packets(provisioning_reports())
    runner = CliRunner()
    out = runner.invoke(app, ["repeats", "--follow-ups", "--db", str(db), "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert [(r["document"], r["same_incident_as"]) for r in rows] == [
        ("2025-11-26-provisioning-deeper-dive", "2025-05-12-provisioning")
    ]
    out = runner.invoke(app, ["repeats", "--db", str(db), "--format", "json"])
    assert out.exit_code == 0, out.output
    assert {r["incident"] for r in json.loads(out.output)} == {"2025-09-01-provisioning-again"}


@pytest.mark.parametrize(
    ("text", "follows"),
    [
        ("This is an addendum to the initial incident report (https://example.org/r.md)", True),
        ("A follow-up to our post-mortem of May, with what we learned since", True),
        ("Notes from a deeper dive into the incident", True),
        ("This is a follow-up.", True),
        ("We will follow up on the incident with the vendor", False),
        ("An update on the outage was posted to the status page", False),
        ("Follow up with the community about the workshop", False),
    ],
)
def test_follow_up_claim_reads_a_document_about_a_document(text: str, follows: bool) -> None:
    assert (follow_up_claim(text) is not None) is follows


def test_follows_up_by_citation_and_date_unless_the_text_says_it_recurred() -> None:
    file = "/reports/2025-10-16-oom.md"
    cite = "See 2025-10-16-oom for the first alert."
    assert follows_up(cite, DAY + timedelta(hours=6), "2025-10-16-oom", file, DAY) is not None
    again = cite + " The container crashed again, same issue as before."
    assert follows_up(again, DAY + timedelta(hours=6), "2025-10-16-oom", file, DAY) is None
    assert follows_up(cite, DAY + timedelta(days=7), "2025-10-16-oom", file, DAY) is None
    assert follows_up("No citation here.", DAY, "2025-10-16-oom", file, DAY) is None
