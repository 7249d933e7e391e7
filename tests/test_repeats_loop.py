"""find_repeats on the loop fixture, both engines (expected rows worked out by hand)."""

from __future__ import annotations

from kb.analysis.repeats import find_repeats, repeat_incidents
from kb.knowledge_base import KnowledgeBase
from kb.model import FindingStatus
from tests.loop_fixture import loop_packets


def _rows(df) -> set[tuple[str, str, str, str, str]]:  # type: ignore[no-untyped-def]
    return {(r.incident, r.earlier_incident, r.finding, r.via_kind, r.via) for r in df.itertuples()}


def test_repeats_latest_earlier_finding(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets(loop_packets())
    got = find_repeats(any_kb)
    assert list(got.columns) == ["incident", "started_at", "earlier_incident", "finding", "via_kind", "via", "evidence"]
    assert _rows(got) == {
        # B's theme and bypassed barrier: A's agreed R1 addresses F1, an instance of the theme that defeated it.
        ("INC-B", "INC-A", "INC-A/finding/R1", "theme", "config-drift"),
        ("INC-B", "INC-A", "INC-A/finding/R1", "barrier", "config-validation"),
        # D: capacity after C's R1; config-drift after B's R1 (the most recent earlier one).
        ("INC-D", "INC-C", "INC-C/finding/R1", "theme", "capacity"),
        ("INC-D", "INC-B", "INC-B/finding/R1", "theme", "config-drift"),
    }
    # C challenged config-validation too, but it held: not a repeat. A's deferred R2 never counts.
    assert "INC-C" not in set(got["incident"])
    assert str(got["started_at"].dtype).endswith("UTC]")


def test_repeats_all_earlier_and_flags(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets(loop_packets())
    got = _rows(find_repeats(any_kb, all_earlier=True))
    assert ("INC-D", "INC-A", "INC-A/finding/R1", "theme", "config-drift") in got
    assert len(got) == 5
    flags = repeat_incidents(any_kb).set_index("incident")["repeat"].to_dict()
    assert flags == {"INC-A": False, "INC-B": True, "INC-C": False, "INC-D": True, "INC-E": False}


def test_no_repeat_without_agreed_finding(any_kb: KnowledgeBase) -> None:
    packets = loop_packets()
    packets[0].analyses[0].findings[0].status = FindingStatus.PROPOSED
    any_kb.ingest_packets(packets)
    assert "INC-B" not in set(find_repeats(any_kb)["incident"])


def test_a_local_fix_is_not_a_claim_about_the_pattern(any_kb: KnowledgeBase) -> None:
    packets = loop_packets()
    # A's R1 now fixes only its own factor: B is no longer a repeat by default...
    packets[0].analyses[0].findings[0].addresses = ["F1"]
    any_kb.ingest_packets(packets)
    assert "INC-B" not in set(find_repeats(any_kb)["incident"])
    # ...but is when fixes made through a factor count too.
    via_factor = find_repeats(any_kb, through_factors=True)
    assert ("INC-B", "INC-A/finding/R1", "theme", "config-drift") in {
        (r.incident, r.finding, r.via_kind, r.via) for r in via_factor.itertuples()
    }
