"""find_repeats on the loop fixture, both engines (expected rows worked out by hand)."""

from __future__ import annotations

from kb.analysis.repeats import find_repeats, repeat_incidents
from kb.knowledge_base import KnowledgeBase
from kb.model import EventPacket, FindingStatus
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


def _twin(packet: EventPacket, key: str) -> EventPacket:
    """The same packet under another incident id (same start, same findings)."""
    twin = packet.model_copy(deep=True)
    twin.incident.id = key
    return twin


def test_an_earlier_tie_goes_to_the_later_key_whatever_the_write_order(any_kb: KnowledgeBase) -> None:
    # B and its twin B2 started at the same instant, each with an agreed finding on config-drift:
    # D's most recent earlier one is a tie, named by key (the engine's row order once decided it).
    a, b, c, d, e = loop_packets()
    any_kb.ingest_packets([a, _twin(b, "INC-B2"), b, c, d, e])
    first = {(r.earlier_incident, r.via) for r in find_repeats(any_kb).itertuples() if r.incident == "INC-D"}
    any_kb.reset()
    any_kb.ingest_packets([a, b, c, d, e])
    any_kb.ingest_packets([_twin(b, "INC-B2")])
    second = {(r.earlier_incident, r.via) for r in find_repeats(any_kb).itertuples() if r.incident == "INC-D"}
    assert first == second == {("INC-C", "capacity"), ("INC-B2", "config-drift")}
