"""The after-ingest hooks' shortcuts leave the graph and the answers as they were: the mentions and
related links written in bulk where no other writer can interfere are the links the MERGE statements
leave (also where a link of another origin already joins the same two nodes), and the answers read
once for several hooks are never answered from before a write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kb.graph import enrich
from kb.knowledge_base import KnowledgeBase, SnapshotReads

from .conftest import ENGINES, fresh_kb
from .patterns_fixture import packets


def _links(kbase: KnowledgeBase) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    related = kbase.cypher(
        "MATCH (a:Incident)-[e:RELATED_TO]->(b:Incident) RETURN a.key AS a, b.key AS b, e.score AS score, "
        "e.basis AS basis, e.origin AS origin"
    )
    mentions = kbase.cypher(
        "MATCH (a:Incident)-[e:MENTIONS]->(b) RETURN a.key AS a, b.name AS b, e.evidence AS evidence, "
        "e.learned AS learned, e.origin AS origin"
    )
    return (
        sorted((r.a, r.b, round(float(r.score), 6), r.basis, r.origin) for r in related.itertuples(index=False)),
        sorted((r.a, r.b, r.evidence, bool(r.learned), r.origin) for r in mentions.itertuples(index=False)),
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_mentions_and_related_replaced_together_leave_what_the_merges_leave(
    engine: str, request: pytest.FixtureRequest
) -> None:
    kbase = fresh_kb(request, engine)
    try:
        kbase.ingest_packets(packets()[:6], run_hooks=False)
        a, b, c, d = sorted(kbase.query("incidents")["incident"].tolist())[:4]
        # Links already there: another origin's between nodes the replacement links again (merged into,
        # not doubled), the replaced incidents' own (deleted), and a link from an incident not replaced.
        kbase.replace_related([a], [{"src": a, "dst": b, "score": 0.9, "basis": "by hand"}], origin="manual")
        kbase.replace_related([a, d], [{"src": a, "dst": c, "score": 0.5, "basis": "old"}])
        kbase.replace_related([d], [{"src": d, "dst": a, "score": 0.4, "basis": "kept"}])
        gpu = {"kind": "component", "name": "gpu", "component_kind": "platform", "learned": False}
        kbase.replace_mentions([a], [{"incident": a, **gpu, "evidence": "by hand"}], origin="reviewed")
        kbase.replace_mentions([c], [{"incident": c, **gpu, "evidence": "old"}])

        kbase.replace_mentions_and_related(
            [a, b],
            [
                {"incident": a, **gpu, "evidence": "found"},
                {"incident": b, **gpu, "evidence": "found too"},
                {"incident": b, "kind": "service", "name": "svc-x", "evidence": "named", "learned": True},
            ],
            [a, b],
            [
                {"src": a, "dst": b, "score": 0.7, "basis": "new"},
                {"src": a, "dst": c, "score": 0.6, "basis": "newer"},
                {"src": b, "dst": a, "score": 0.65, "basis": "back"},
                {"src": d, "dst": a, "score": 0.45, "basis": "updated"},
            ],
        )
        related, mentions = _links(kbase)
        assert related == [
            (a, b, 0.7, "new", "similarity"),
            (a, c, 0.6, "newer", "similarity"),
            (b, a, 0.65, "back", "similarity"),
            (d, a, 0.45, "updated", "similarity"),
        ]
        assert mentions == [
            (a, "gpu", "found", False, "text"),
            (b, "gpu", "found too", False, "text"),
            (b, "svc-x", "named", True, "text"),
            (c, "gpu", "old", False, "text"),
        ]
    finally:
        kbase.close()


@pytest.mark.parametrize("every", [False, True])
def test_the_bulk_path_writes_the_graph_the_statements_write(request: pytest.FixtureRequest, every: bool) -> None:
    """Many links at once (the COPY path on Ladybug), against the MERGE statements on another database;
    `every`: told that the keys are every incident (a first ingest's hook), so nothing selects them."""
    graphs = []
    for bulk in (True, False):
        kbase = fresh_kb(request, "ladybug")
        try:
            kbase.ingest_packets(packets(), run_hooks=False)
            keys = sorted(kbase.query("incidents")["incident"].tolist())
            kbase.replace_related(keys[:3], [{"src": keys[1], "dst": keys[0], "score": 0.2, "basis": "x"}], "manual")
            # Links of the replaced origins already there, from several incidents: all deleted first.
            kbase.replace_related(keys, [{"src": s, "dst": keys[0], "score": 0.1, "basis": "old"} for s in keys[1:5]])
            old = {"kind": "service", "name": "svc-old", "evidence": "old", "learned": False}
            kbase.replace_mentions(keys, [{"incident": s, **old} for s in keys[-4:]])
            links = [
                {"src": s, "dst": t, "score": (i * 7 + j) / 100, "basis": f"b{i}-{j}"}
                for i, s in enumerate(keys)
                for j, t in enumerate(keys[:i][-12:])
            ]
            mentions = [
                {"incident": s, "kind": "component", "name": f"c{i % 7}", "component_kind": "learned"}
                | {"evidence": f"e{i}", "learned": True}
                for i, s in enumerate(keys)
            ]
            if bulk:
                kbase.replace_mentions_and_related(keys, mentions, keys, links, (every, every))
            else:
                kbase.write(
                    enrich.mentions_statements(kbase.engine, keys, mentions)
                    + enrich.related_statements(kbase.engine, keys, links)
                )
            graphs.append(_links(kbase))
        finally:
            kbase.close()
    assert len(graphs[0][0]) > 200  # a COPY (ladybug_engine.SMALL_TABLE_ROWS)
    assert graphs[0] == graphs[1]


@pytest.mark.parametrize("engine", ENGINES)
def test_answers_read_once_are_never_given_after_a_write(
    engine: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    kbase = fresh_kb(request, engine, tmp_path / "graph.lbug" if engine == "ladybug" else None)
    try:
        kbase.ingest_packets(packets()[:4], run_hooks=False)
        reads = SnapshotReads(kbase)
        first = reads.query("incidents")
        first["scratch"] = 1  # a caller's change is its own
        assert reads.query("incidents").equals(kbase.query("incidents"))
        assert len(reads.query("incidents")) == 4
        kbase.ingest_packets(packets()[4:6], run_hooks=False)  # a write through another connection object
        assert len(reads.query("incidents")) == 6
        before = reads.query("patterns_related", origin="similarity")
        keys = sorted(reads.query("incidents")["incident"])
        kbase.replace_related(keys[:1], [{"src": keys[0], "dst": keys[1], "score": 0.5, "basis": "b"}])
        assert len(reads.query("patterns_related", origin="similarity")) == len(before) + 1
    finally:
        kbase.close()


def _hook_rows(keys: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    links = [
        {"src": s, "dst": t, "score": (i * 7 + j) / 100, "basis": f"b{i}-{j}"}
        for i, s in enumerate(keys)
        for j, t in enumerate(keys[:i][-4:])
    ]
    mentions = [
        {"incident": s, "kind": "service", "name": f"s{i % 3}", "evidence": f"e{i}", "learned": False}
        for i, s in enumerate(keys)
    ]
    return links, mentions


def test_a_server_replaces_the_links_a_group_of_incidents_at_a_time(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One transaction of every link of 100,000 incidents overflowed Neo4j's transaction memory: a
    server's links are replaced a few incidents per transaction, and leave the graph one transaction
    leaves (old links deleted in every group, rows from an incident not replaced kept)."""
    graphs = []
    for size in (3, None):
        kbase = fresh_kb(request, "neo4j")
        try:
            kbase.ingest_packets(packets(), run_hooks=False)
            keys = sorted(kbase.query("incidents")["incident"].tolist())
            kbase.replace_related(keys, [{"src": s, "dst": keys[0], "score": 0.1, "basis": "old"} for s in keys[1:]])
            kbase.replace_mentions(
                keys,
                [{"incident": s, "kind": "service", "name": "old", "evidence": "o"} | {"learned": False} for s in keys],
            )
            links, mentions = _hook_rows(keys)
            outsider = {"src": keys[-1], "dst": keys[1], "score": 0.33, "basis": "not replaced"}
            if size is None:  # the statements of one transaction
                kbase.write(
                    enrich.mentions_statements(kbase.engine, keys[:-1], mentions)
                    + enrich.related_statements(kbase.engine, keys[:-1], [*links, outsider])
                )
            else:
                monkeypatch.setattr(enrich, "INCIDENTS_PER_TRANSACTION", size)
                kbase.replace_mentions_and_related(keys[:-1], mentions, keys[:-1], [*links, outsider])
            graphs.append(_links(kbase))
        finally:
            kbase.close()
    assert len(packets()) > 3 * 2  # more than two groups
    assert graphs[0] == graphs[1]
    assert ("not replaced" in {r[3] for r in graphs[0][0]}) and ("old" in {r[3] for r in graphs[0][0]})


def test_each_incident_s_rows_go_with_its_group() -> None:
    mentioned, related = ["a", "b", "c", "d", "e"], ["c", "d", "e"]
    mentions = [{"incident": k, "n": i} for i, k in enumerate([*mentioned, "zz"])]
    links = [{"src": k, "dst": "a"} for k in ["e", "zz", "c", "d"]]
    groups = enrich._incident_groups(mentioned, mentions, related, links, size=2)
    assert [(m, r) for m, _, r, _ in groups] == [(["a", "b"], ["c", "d"]), (["c", "d"], ["e"]), (["e"], [])]
    for m_keys, m_rows, r_keys, r_rows in groups:
        assert all(row["incident"] in m_keys or row["incident"] == "zz" for row in m_rows)
        assert all(row["src"] in r_keys or row["src"] == "zz" for row in r_rows)
    assert [row["incident"] for row in groups[0][1]] == ["a", "b", "zz"]  # not replaced: with the first
    assert [row["src"] for row in groups[0][3]] == ["zz", "c", "d"]
    assert sum(len(g[1]) for g in groups) == len(mentions) and sum(len(g[3]) for g in groups) == len(links)
    assert enrich._incident_groups(mentioned, mentions, related, links, size=5) == [
        (mentioned, mentions, related, links)
    ]


def _theme_links(kbase: KnowledgeBase) -> list[tuple[Any, ...]]:
    got = kbase.cypher(
        "MATCH (f:Factor)-[e:INSTANCE_OF]->(t:Theme) WHERE e.origin IN ['learned', 'suggested'] "
        "RETURN f.key AS f, t.slug AS t, t.name AS name, e.confidence AS c, e.origin AS origin"
    )
    return sorted((r.f, r.t, r.name, float(r.c), r.origin) for r in got.itertuples(index=False))


def _counted(write: Any, calls: list[int]) -> Any:
    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return write(*args, **kwargs)

    return counted


def test_a_server_writes_theme_links_a_bounded_number_per_transaction(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Accepting or learning themes for a large corpus must not overflow a server's transaction memory
    (as one transaction of ~600,000 links did): the links go a bounded number per transaction, the
    Theme nodes with the first, and the graph is the one a single transaction leaves."""
    graphs, writes, factors = [], [], []
    for size in (2, 10**6):
        kbase = fresh_kb(request, "neo4j")
        try:
            kbase.ingest_packets(packets(), run_hooks=False)
            factors = sorted(kbase.cypher("MATCH (f:Factor) RETURN f.key AS key")["key"].tolist())
            assert len(factors) > 2 * 3  # more than three transactions of two
            themes = [{"slug": f"learned-{n}", "name": f"learned {n}", "description": "d"} for n in range(3)]
            learned = [{"factor": f, "theme": f"learned-{n % 3}", "confidence": 1.0} for n, f in enumerate(factors)]
            suggested = [{"factor": f, "theme": "learned-0", "confidence": 0.5} for f in factors[:5]]
            monkeypatch.setattr(enrich, "THEME_LINKS_PER_TRANSACTION", size)
            seen: list[int] = []
            monkeypatch.setattr(kbase.engine, "write", _counted(kbase.engine.write, seen))
            kbase.add_themes(themes, learned, "learned")
            kbase.link_themes(suggested)
            writes.append(len(seen))
            graphs.append(_theme_links(kbase))
        finally:
            kbase.close()
    assert graphs[0] == graphs[1]
    assert {r[0] for r in graphs[0]} == set(factors)  # every factor linked: no group dropped
    assert {r[1] for r in graphs[0]} == {"learned-0", "learned-1", "learned-2"}
    assert {r[4] for r in graphs[0]} == {"learned", "suggested"}
    assert writes[1] == 2 and writes[0] > 4  # one transaction each, against several
