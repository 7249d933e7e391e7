"""The synthetic demo corpus: deterministic, valid, realistic enough, and true to its ground truth."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import median

import pytest
import yaml

from kb.demo import DemoCorpus, GroundTruth, RoadmapEntry, generate_corpus, write_corpus
from kb.demo.clock import localise, make_horizon
from kb.demo.render import Renderer
from kb.demo.scenario import Planner
from kb.demo.wording import BLAME_WORDS
from kb.model import IMPACT, BarrierStatus, EventPacket, Method
from kb.packets import dump_packet, read_packet

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def corpus() -> DemoCorpus:
    return generate_corpus()


@pytest.fixture(scope="module")
def by_id(corpus: DemoCorpus) -> dict[str, EventPacket]:
    return {p.key: p for p in corpus.packets}


def _digest(c: DemoCorpus) -> str:
    blob = json.dumps(
        {
            "packets": [dump_packet(p) for p in c.packets],
            "roadmap": [e.model_dump(mode="json") for e in c.roadmap],
            "truth": c.truth.model_dump(mode="json"),
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def _themes(p: EventPacket) -> set[str]:
    return {t for a in p.analyses for f in a.factors for t in f.themes}


def _quarter(d: datetime) -> str:
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


# -- determinism ---------------------------------------------------------------------------------------------


def test_same_seed_gives_identical_dumps(corpus: DemoCorpus) -> None:
    assert _digest(generate_corpus()) == _digest(corpus)


def test_different_seed_differs(corpus: DemoCorpus) -> None:
    assert _digest(generate_corpus(seed=8)) != _digest(corpus)


def test_deterministic_across_processes_whatever_the_hash_seed(corpus: DemoCorpus) -> None:
    # String hashing is salted per process; nothing may depend on set or hash order.
    code = (
        "import sys; sys.path.insert(0, 'tests'); from test_demo_generator import _digest;"
        "from kb.demo import generate_corpus; print(_digest(generate_corpus(60)))"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert digests == {_digest(generate_corpus(60))}


# -- shape and size --------------------------------------------------------------------------------------------


def test_size_period_services_teams_methods(corpus: DemoCorpus) -> None:
    packets = corpus.packets
    assert len(packets) == 320
    assert len({p.key for p in packets}) == 320
    starts = [p.incident.started_at for p in packets]
    assert min(starts) >= datetime(2024, 10, 1, tzinfo=UTC)
    assert max(starts) < datetime(2026, 10, 1, tzinfo=UTC)
    assert len({_quarter(s) for s in starts}) == 8
    assert len({s for p in packets for s in p.incident.services}) == 15
    assert len({t for p in packets for t in p.incident.teams}) == 6
    assert {a.method for p in packets for a in p.analyses} == set(Method)
    sev = Counter(p.incident.severity for p in packets)
    assert set(sev) == {1, 2, 3, 4}
    assert sev[1] < 0.1 * len(packets)
    assert len({t for p in packets for t in _themes(p)}) >= 24


def test_every_incident_has_facts_and_an_analysis(corpus: DemoCorpus) -> None:
    for p in corpus.packets:
        kinds = {e.kind.value for e in p.timeline}
        assert {"trigger", "detection", "diagnosis", "decision", "repair", "communication"} <= kinds, p.key
        assert p.metrics and p.logs and p.decisions and p.impacts and p.participants
        roles = {x.role.value for x in p.participants}
        assert {"incident_lead", "responder", "facilitator"} <= roles
        inc = p.incident
        assert inc.started_at <= inc.detected_at <= inc.mitigated_at <= inc.resolved_at <= inc.compiled_at  # type: ignore[operator]
        (analysis,) = p.analyses
        assert analysis.factors and analysis.findings
        assert any(i.target == IMPACT for i in analysis.influences)


def test_timestamps_are_written_with_local_offsets_and_normalised_to_utc() -> None:
    horizon = make_horizon(date(2024, 10, 1), 8)
    planner = Planner(__import__("random").Random(3), horizon)
    scenarios = planner.plan(80)
    renderer = Renderer(planner.rng, horizon, planner.fixed_at)
    offsets: Counter[timedelta | None] = Counter()
    for s in scenarios:
        doc = renderer.render(s).doc
        offsets[doc["incident"]["started_at"].utcoffset()] += 1
        packet = EventPacket.model_validate(doc)
        assert packet.incident.started_at == doc["incident"]["started_at"]
        assert packet.incident.started_at.utcoffset() == timedelta(0)
    assert {timedelta(hours=h) for h in (1, 2, -5)} <= set(offsets)
    summer = datetime(2025, 7, 1, 12, tzinfo=UTC)
    assert localise(summer, "Europe/Copenhagen").utcoffset() == timedelta(hours=2)
    assert localise(summer.replace(month=1), "Europe/Copenhagen").utcoffset() == timedelta(hours=1)
    assert localise(summer.replace(month=1), "America/New_York").utcoffset() == timedelta(hours=-5)


# -- files -----------------------------------------------------------------------------------------------------


def test_written_corpus_round_trips(corpus: DemoCorpus, tmp_path: Path) -> None:
    root = write_corpus(corpus, tmp_path / "demo")
    files = sorted((root / "packets").glob("*.yaml"))
    assert len(files) == len(corpus.packets)
    for packet in corpus.packets:
        assert read_packet(root / "packets" / f"{packet.key}.yaml") == packet
    roadmap = [RoadmapEntry.model_validate(x) for x in yaml.safe_load((root / "roadmap.yaml").read_text())]
    assert roadmap == corpus.roadmap
    assert GroundTruth.model_validate_json((root / "truth.json").read_text()) == corpus.truth


# -- ground truth ------------------------------------------------------------------------------------------------


def test_truth_ids_exist_and_clusters_carry_their_themes(corpus: DemoCorpus, by_id: dict[str, EventPacket]) -> None:
    truth = corpus.truth
    assert truth.params.n_incidents == 320 and truth.params.seed == 7 and truth.params.quarters == 8
    assert len(truth.clusters) >= 4
    for cl in truth.clusters:
        assert len(cl.incidents) >= 8, cl.name
        assert cl.origin in cl.incidents and cl.key_finding and cl.key_finding.startswith(f"{cl.origin}/finding/")
        with_barriers = 0
        failing: Counter[str] = Counter()
        for iid in cl.incidents:
            p = by_id[iid]
            assert set(cl.themes) <= _themes(p), (cl.name, iid)
            assert set(p.incident.services) <= set(cl.services)
            barriers = {b.barrier: b.status for a in p.analyses for b in a.barriers}
            if barriers:
                with_barriers += 1
                failing.update(b for b in cl.barriers if barriers.get(b, BarrierStatus.HELD) != BarrierStatus.HELD)
        assert all(failing[b] >= 0.9 * with_barriers for b in cl.barriers), (cl.name, failing, with_barriers)
        # Incidents of one cluster look different on the surface.
        assert len({by_id[i].incident.services[0] for i in cl.incidents}) >= 4
    ids = {i for cl in truth.clusters for i in cl.incidents}
    ids |= {x for nd in truth.near_duplicates for x in (nd.incident, nd.duplicate_of)}
    ids |= {x for r in truth.repeats for x in (r.incident, r.earlier)}
    ids |= set(truth.lint_cases) | set(truth.method_mismatches)
    assert ids <= set(by_id)


def test_clusters_co_occur_far_above_chance(corpus: DemoCorpus) -> None:
    themes = [_themes(p) for p in corpus.packets]
    n = len(themes)
    for cl in corpus.truth.clusters:
        a, b = cl.themes[:2]
        both = sum(a in t and b in t for t in themes)
        lift = both * n / (sum(a in t for t in themes) * sum(b in t for t in themes))
        assert lift > 5, (cl.name, lift)


def test_near_duplicates_mirror_an_earlier_incident(corpus: DemoCorpus, by_id: dict[str, EventPacket]) -> None:
    pairs = corpus.truth.near_duplicates
    assert 20 <= len(pairs) <= 45
    assert len({nd.duplicate_of for nd in pairs}) == len(pairs)
    for nd in pairs:
        dup, src = by_id[nd.incident], by_id[nd.duplicate_of]
        assert src.incident.started_at < dup.incident.started_at
        assert dup.incident.services == src.incident.services
        assert _themes(dup) == _themes(src)
        assert dup.analyses[0].method == src.analyses[0].method
        assert len(dup.analyses[0].factors) == len(src.analyses[0].factors)
        assert dup.incident.title != src.incident.title
        assert dup.incident.summary != src.incident.summary


def test_repeats_follow_an_agreed_finding_on_the_same_theme(corpus: DemoCorpus, by_id: dict[str, EventPacket]) -> None:
    repeats = corpus.truth.repeats
    assert len(repeats) >= 30
    for r in repeats:
        earlier, later = by_id[r.earlier], by_id[r.incident]
        assert earlier.incident.started_at < later.incident.started_at
        local = r.finding.removeprefix(f"{r.earlier}/finding/")
        (finding,) = [f for a in earlier.analyses for f in a.findings if f.id == local]
        assert finding.status.value in ("agreed", "done")
        named = {ref.partition(":")[2] for ref in finding.addresses if ":" in ref}
        later_exposure = _themes(later) | {
            b.barrier for a in later.analyses for b in a.barriers if b.status != BarrierStatus.HELD
        }
        assert named & later_exposure, r


def test_repeat_rate_falls_once_fixes_land(corpus: DemoCorpus, by_id: dict[str, EventPacket]) -> None:
    repeats = {r.incident for r in corpus.truth.repeats}
    ordered = sorted(corpus.packets, key=lambda p: p.incident.started_at)
    half = len(ordered) // 2
    first = sum(p.key in repeats for p in ordered[:half]) / half
    second = sum(p.key in repeats for p in ordered[half:]) / (len(ordered) - half)
    assert second < 0.7 * first, (first, second)
    fixed = [cl for cl in corpus.truth.clusters if cl.fixed_at]
    assert len(fixed) >= 3 and any(cl.fixed_at is None for cl in corpus.truth.clusters)
    for cl in fixed:
        assert cl.fixed_at is not None
        origin = by_id[cl.origin or ""]
        (key,) = [f for a in origin.analyses for f in a.findings if f"{origin.key}/finding/{f.id}" == cl.key_finding]
        assert key.work_items and key.work_items[0].closed_at == cl.fixed_at


def test_practice_matures_over_the_period(corpus: DemoCorpus) -> None:
    by_q: dict[str, list[EventPacket]] = {}
    for p in corpus.packets:
        by_q.setdefault(_quarter(p.incident.started_at), []).append(p)
    quarters = sorted(by_q)

    def tti(q: str) -> float:
        return median(
            (a.published_at - p.incident.resolved_at).total_seconds() / 86400  # type: ignore[operator]
            for p in by_q[q]
            for a in p.analyses
            if a.published_at
        )

    def busiest(q: str) -> float:
        return Counter(a.facilitator for p in by_q[q] for a in p.analyses).most_common(1)[0][1] / len(by_q[q])

    assert tti(quarters[0]) > 7.5 and tti(quarters[-1]) < 4.5
    assert busiest(quarters[0]) > 0.6 and busiest(quarters[-1]) < 0.4
    late = [p for p in corpus.packets if p.incident.compiled_at - p.incident.resolved_at > timedelta(hours=24)]  # type: ignore[operator]
    assert 0.02 * len(corpus.packets) < len(late) < 0.15 * len(corpus.packets)


def test_findings_follow_up(corpus: DemoCorpus) -> None:
    findings = [f for p in corpus.packets for a in p.analyses for f in a.findings]
    statuses = Counter(f.status.value for f in findings)
    assert {"proposed", "agreed", "deferred", "rejected", "done"} <= set(statuses)
    assert all(f.deferred_reason for f in findings if f.status.value == "deferred")
    items = [w for f in findings for w in f.work_items]
    assert {w.status for w in items} == {"Done", "In Progress", "To Do"}
    assert all(
        w.external_id and w.external_id.split("-")[0] in {"PAY", "PLAT", "COM", "DATA", "IDN", "MOB"} for w in items
    )
    assert all(w.closed_at for w in items if w.status == "Done")
    assert any(f.okrs for f in findings)
    assert any(f.status.value == "agreed" and not f.work_items and not f.okrs for f in findings)  # open gate
    feasible = [f for f in findings if (f.impact or 0) >= 4 and (f.effort or 5) <= 3]
    assert sum(bool(f.work_items) for f in feasible) / len(feasible) > 0.7


def test_unthemed_factors_read_like_their_theme(corpus: DemoCorpus, by_id: dict[str, EventPacket]) -> None:
    unthemed = corpus.truth.unthemed_factors
    total = sum(len(a.factors) for p in corpus.packets for a in p.analyses)
    assert 0.06 < len(unthemed) / total < 0.14
    for key, theme in unthemed.items():
        incident, _, local = key.partition("/factor/")
        (factor,) = [f for a in by_id[incident].analyses for f in a.factors if f.id == local]
        assert not factor.themes and theme


def test_method_mismatches_are_linear_five_whys_on_big_incidents(
    corpus: DemoCorpus, by_id: dict[str, EventPacket]
) -> None:
    assert corpus.truth.method_mismatches
    for iid in corpus.truth.method_mismatches:
        p = by_id[iid]
        (a,) = p.analyses
        assert a.method == Method.FIVE_WHYS
        assert p.incident.severity == 1 or len(p.incident.teams) > 1
        targets = Counter(i.target for i in a.influences)
        assert max(targets.values()) == 1  # a chain: nothing is explained twice
    for p in corpus.packets:
        if p.key not in corpus.truth.method_mismatches and (p.incident.severity == 1 or len(p.incident.teams) > 1):
            assert p.analyses[0].method != Method.FIVE_WHYS, p.key


# -- lint plantings ----------------------------------------------------------------------------------------------


def _text(p: EventPacket) -> str:
    return " ".join(
        [f.statement for a in p.analyses for f in a.factors]
        + [f.statement for a in p.analyses for f in a.findings]
        + [p.incident.title, p.incident.summary or ""]
    ).lower()


def _conditions(p: EventPacket) -> set[str]:
    """The planted conditions, checked independently of the generator (see truth.LINT_RULES)."""
    out = set()
    findings = [f for a in p.analyses for f in a.findings]
    if any(w in _text(p) for w in BLAME_WORDS):
        out.add("blame-language")
    if any(len(a.factors) == 1 for a in p.analyses):
        out.add("single-root-cause")
    if any(len([f for f in a.findings if f.status.value != "rejected"]) > 10 for a in p.analyses):
        out.add("action-item-proliferation")
    if any(f.owner is None and len(f.statement.split()) <= 5 for f in findings):
        out.add("vague-finding")
    if any(not f.tags for f in findings):
        out.add("missing-tags")
    inc = p.incident
    if inc.compiled_at - inc.resolved_at > timedelta(hours=24):  # type: ignore[operator]
        out.add("late-packet")
    responding = set(inc.teams) | {x.team for x in p.participants if x.role.value in ("responder", "incident_lead")}
    if all(x.team in responding for x in p.participants):
        out.add("isolated-retrospective")
    major = inc.severity is not None and inc.severity <= 2
    if major and not any(x.role.value == "provocateur" for x in p.participants):
        out.add("no-provocateur")
    return out


def test_lint_cases_are_planted_and_the_rest_is_clean(corpus: DemoCorpus) -> None:
    cases = corpus.truth.lint_cases
    implied = {"chain-ends-at-person", "unowned-finding"}
    for p in corpus.packets:
        expected = set(cases.get(p.key, [])) - implied
        assert _conditions(p) == expected, (p.key, _conditions(p), expected)
    rules = Counter(r for v in cases.values() for r in v)
    assert set(rules) >= {
        "blame-language",
        "single-root-cause",
        "action-item-proliferation",
        "vague-finding",
        "isolated-retrospective",
        "no-provocateur",
        "missing-tags",
        "late-packet",
    }
    assert len(cases) < 0.4 * len(corpus.packets)  # most incidents are clean


# -- roadmap -------------------------------------------------------------------------------------------------------


def test_roadmap_traces_to_findings_and_packets(corpus: DemoCorpus, by_id: dict[str, EventPacket]) -> None:
    roadmap = corpus.roadmap
    assert 35 <= len(roadmap) <= 45
    assert len({e.key for e in roadmap}) == len(roadmap)
    untraced = [e for e in roadmap if not e.findings]
    assert len(untraced) >= 5
    assert corpus.truth.roadmap.untraced == [e.key for e in untraced]
    assert corpus.truth.roadmap.traced == [e.key for e in roadmap if e.findings]
    assert len({e.quarter for e in roadmap}) >= 6
    for e in roadmap:
        for key in e.findings:
            incident, _, local = key.partition("/finding/")
            packet = by_id[incident]
            assert local in {f.id for a in packet.analyses for f in a.findings}
            (link,) = [r for r in packet.roadmap if r.key == e.key]
            assert local in link.findings and link.title == e.title and link.quarter == e.quarter
    linked = {(r.key, f"{p.key}/finding/{fid}") for p in corpus.packets for r in p.roadmap for fid in r.findings}
    assert linked == {(e.key, k) for e in roadmap for k in e.findings}
    keys = {cl.key_finding for cl in corpus.truth.clusters}
    assert keys <= {k for e in roadmap for k in e.findings}


# -- scale ---------------------------------------------------------------------------------------------------------


def test_small_corpora_work() -> None:
    for n in (1, 12, 40):
        c = generate_corpus(n, seed=n)
        assert len(c.packets) == n


@pytest.mark.slow
def test_generation_time_at_10000(capsys: pytest.CaptureFixture[str]) -> None:
    started = time.perf_counter()
    big = generate_corpus(10_000)
    seconds = time.perf_counter() - started
    with capsys.disabled():
        print(
            f"\ngenerate_corpus(10_000): {seconds:.1f} s, "
            f"clusters {[(c.name, len(c.incidents)) for c in big.truth.clusters]}, "
            f"{len(big.truth.near_duplicates)} near-duplicates, {len(big.roadmap)} roadmap items"
        )
    assert len(big.packets) == 10_000
