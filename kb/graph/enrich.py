"""Tool-made enrichments of the graph: related-incident edges and accepted theme links.

Built from the schema like the packet writer's statements (writer.rel_merge), so both
engines get the same casts; each enrichment carries its `origin`, which a packet
re-ingest leaves alone (it only replaces origin "packet").
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any

from kb.engines.base import Engine, Statement
from kb.graph.writer import match_by_key, node_merge, rel_merge
from kb.model.schema import NODE_BY_LABEL, REL_BY_TYPE

SIMILARITY_ORIGIN = "similarity"
SUGGESTED_ORIGIN = "suggested"
ROWS_PER_STATEMENT = 5000


def _chunks(rows: Sequence[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def replace_related(
    engine: Engine, incidents: Sequence[str], rows: Sequence[dict[str, Any]], origin: str = SIMILARITY_ORIGIN
) -> None:
    """Replace the RELATED_TO edges of `origin` from `incidents` with `rows`
    ({src, dst, score, basis}), in one transaction."""
    engine.write(related_statements(engine, incidents, rows, origin))


def _from(incidents: Sequence[str], every: bool) -> tuple[str, dict[str, Any]]:
    """The start of a match of the links of incident `a` (with its parameters): each of `incidents`
    found by primary key (a `WHERE a.key IN $list` filter scans the table: ~0.3-0.6 CPU s a
    statement on Ladybug at 10,000 keys), or, when they are every incident, all of them unfiltered."""
    if every:
        return "MATCH (a:Incident)", {}
    return f"{match_by_key('Incident', 'a')} MATCH (a)", {"keys": list(dict.fromkeys(incidents))}


def related_statements(
    engine: Engine,
    incidents: Sequence[str],
    rows: Sequence[dict[str, Any]],
    origin: str = SIMILARITY_ORIGIN,
    every: bool = False,
) -> list[Statement]:
    """The statements of replace_related, for a caller that writes more in the same transaction.
    `every`: `incidents` are every incident in the graph."""
    start, params = _from(incidents, every)
    statements: list[Statement] = [
        (
            f"{start}-[e:RELATED_TO]->(b:Incident) WHERE e.origin = $origin DELETE e",
            {**params, "origin": origin},
        )
    ]
    cypher = rel_merge(engine, REL_BY_TYPE["RELATED_TO"], "Incident", "Incident")
    statements += [(cypher, {"rows": chunk}) for chunk in _chunks(_related_rows(rows, origin), ROWS_PER_STATEMENT)]
    return statements


def _related_rows(rows: Sequence[dict[str, Any]], origin: str) -> list[dict[str, Any]]:
    """RELATED_TO rows as the relationship stores them (src, dst, then its properties in schema order)."""
    return [
        {"src": r["src"], "dst": r["dst"], "score": float(r["score"]), "basis": r["basis"], "origin": origin}
        for r in rows
    ]


def link_themes(engine: Engine, rows: Sequence[dict[str, Any]], origin: str = SUGGESTED_ORIGIN) -> None:
    """Write INSTANCE_OF edges from rows of {factor, theme, confidence}: in one transaction, or on a
    server at most THEME_LINKS_PER_TRANSACTION a transaction (`_write_theme_links`)."""
    _write_theme_links(engine, [], rows, origin)


THEME_LINKS_PER_TRANSACTION = 50_000
"""Where each write is a server's transaction (not Engine.pinned_snapshot), theme links are merged this
many a transaction: ~600,000 link rows in one transaction overflowed Neo4j's transaction memory of a
1 GB heap (INCIDENTS_PER_TRANSACTION), and accepting every theme of 100,000 incidents' ~380,000
factors could write as many. The links are merges: after a crash between two transactions, the same
command again writes the rest and leaves what one transaction leaves."""


def _write_theme_links(engine: Engine, first: list[Statement], links: Sequence[dict[str, Any]], origin: str) -> None:
    """`first` (the Theme nodes the links need) and the INSTANCE_OF merges of `links`, with them in
    the first transaction."""
    cypher = rel_merge(engine, REL_BY_TYPE["INSTANCE_OF"], "Factor", "Theme")
    full = [
        {"src": r["factor"], "dst": r["theme"], "confidence": float(r["confidence"]), "origin": origin} for r in links
    ]
    per_transaction = len(full) if engine.pinned_snapshot else THEME_LINKS_PER_TRANSACTION
    groups = list(_chunks(full, per_transaction)) if full else [[]]
    for n, group in enumerate(groups):
        statements = first if n == 0 else []
        engine.write(statements + [(cypher, {"rows": chunk}) for chunk in _chunks(group, ROWS_PER_STATEMENT)])


TEXT_ORIGIN = "text"


def replace_mentions(
    engine: Engine, incidents: Sequence[str], rows: Sequence[dict[str, Any]], origin: str = TEXT_ORIGIN
) -> None:
    """Replace the MENTIONS edges of `origin` from `incidents` with `rows` ({incident, kind
    ("service" | "component"), name, component_kind, evidence, learned}), in one transaction.
    Service and Component nodes are merged (shared, never erased)."""
    engine.write(mentions_statements(engine, incidents, rows, origin))


def mentions_statements(
    engine: Engine,
    incidents: Sequence[str],
    rows: Sequence[dict[str, Any]],
    origin: str = TEXT_ORIGIN,
    every: bool = False,
) -> list[Statement]:
    """The statements of replace_mentions, for a caller that writes more in the same transaction.
    `every`: `incidents` are every incident in the graph."""
    start, params = _from(incidents, every)
    statements: list[Statement] = [
        (
            f"{start}-[e:MENTIONS]->(b:{label}) WHERE e.origin = $origin DELETE e",
            {**params, "origin": origin},
        )
        for label in ("Service", "Component")
    ]
    for label, nodes, full in _mention_rows(rows, origin):
        node_cypher = node_merge(engine, NODE_BY_LABEL[label])
        statements += [(node_cypher, {"rows": chunk}) for chunk in _chunks(nodes, ROWS_PER_STATEMENT)]
        cypher = rel_merge(engine, REL_BY_TYPE["MENTIONS"], "Incident", label)
        statements += [(cypher, {"rows": chunk}) for chunk in _chunks(full, ROWS_PER_STATEMENT)]
    return statements


def _mention_rows(
    rows: Sequence[dict[str, Any]], origin: str
) -> list[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]]:
    """(label, the Service or Component nodes to merge, the MENTIONS rows to them) of each label with rows."""
    out = []
    for kind, label in (("service", "Service"), ("component", "Component")):
        mine = [r for r in rows if r["kind"] == kind]
        if not mine:
            continue
        nodes = list(
            {
                r["name"]: (
                    {"name": r["name"], "kind": r.get("component_kind")} if kind == "component" else {"name": r["name"]}
                )
                for r in mine
            }.values()
        )
        full = [
            {
                "src": r["incident"],
                "dst": r["name"],
                "evidence": r["evidence"],
                "learned": bool(r["learned"]),
                "origin": origin,
            }
            for r in mine
        ]
        out.append((label, nodes, full))
    return out


def replace_mentions_and_related(
    engine: Engine,
    mentioned: Sequence[str],
    mentions: Sequence[dict[str, Any]],
    related: Sequence[str],
    links: Sequence[dict[str, Any]],
    every: tuple[bool, bool] = (False, False),
) -> None:
    """replace_mentions(mentioned, mentions) and replace_related(related, links): in one transaction,
    or on a server a group of incidents at a time (INCIDENTS_PER_TRANSACTION).
    `every`: whether `mentioned`, `related` are every incident in the graph (a first ingest's hook),
    which only an engine whose snapshot no other writer moves (Engine.pinned_snapshot) can rely on:
    then their deletions and reads select no keys.

    Where no other writer's write can land between a read and this connection's write
    (Engine.pinned_snapshot), a link that no surviving link already stands for is inserted in bulk
    (Engine.bulk_write: a COPY on Ladybug, where MERGE of the ~50,000 RELATED_TO and ~10,000
    MENTIONS rows of 10,000 incidents took ~4 CPU s, the COPY ~1); the others are merged as before,
    so the graph written is the same."""
    if not engine.pinned_snapshot:
        for m_keys, m_rows, r_keys, r_rows in _incident_groups(mentioned, mentions, related, links):
            statements = mentions_statements(engine, m_keys, m_rows) if m_keys or m_rows else []
            statements += related_statements(engine, r_keys, r_rows) if r_keys or r_rows else []
            engine.write(statements)
        return
    # The deletions first (the statements without rows), then the shared nodes the mentions name.
    every_mentioned, every_related = every
    before = mentions_statements(engine, mentioned, [], every=every_mentioned) + related_statements(
        engine, related, [], every=every_related
    )
    inserts: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    after: list[Statement] = []
    spread = [
        (label, nodes, full, "MENTIONS", mentioned, every_mentioned)
        for label, nodes, full in _mention_rows(mentions, TEXT_ORIGIN)
    ]
    spread.append(("Incident", [], _related_rows(links, SIMILARITY_ORIGIN), "RELATED_TO", related, every_related))
    for label, nodes, full, rtype, incidents, all_of_them in spread:
        replaced = set(incidents)
        before += [
            (node_merge(engine, NODE_BY_LABEL[label]), {"rows": chunk}) for chunk in _chunks(nodes, ROWS_PER_STATEMENT)
        ]
        origin = TEXT_ORIGIN if rtype == "MENTIONS" else SIMILARITY_ORIGIN
        taken = _surviving_links(engine, rtype, label, incidents, origin, all_of_them)
        new: list[dict[str, Any]] = []
        merged: list[dict[str, Any]] = []
        for row in full:
            pair = (row["src"], row["dst"])
            # A link from an incident whose links of this origin are not all deleted first, or to a
            # node a surviving link (another origin's) or an earlier row already joins: merged.
            (merged if pair in taken or row["src"] not in replaced else new).append(row)
            taken.add(pair)
        if new:
            inserts[(rtype, "Incident", label)] = new
        cypher = rel_merge(engine, REL_BY_TYPE[rtype], "Incident", label)
        after += [(cypher, {"rows": chunk}) for chunk in _chunks(merged, ROWS_PER_STATEMENT)]
    engine.bulk_write(before, {}, inserts, after)


INCIDENTS_PER_TRANSACTION = 2000
"""Where each write is a server's transaction (not Engine.pinned_snapshot), the links are replaced this
many incidents at a time: one transaction of the links of 100,000 incidents (~600,000 rows) overflowed
Neo4j's transaction memory (716.8 MiB of a 1 GB heap). Each incident's links are replaced whole in
one transaction, so a reader or a crash between two sees an incident's links all old or all new."""

Group = tuple[list[str], list[dict[str, Any]], list[str], list[dict[str, Any]]]


def _incident_groups(
    mentioned: Sequence[str],
    mentions: Sequence[dict[str, Any]],
    related: Sequence[str],
    links: Sequence[dict[str, Any]],
    size: int | None = None,
) -> list[Group]:
    """(mentioned keys, their mention rows, related keys, their link rows) of each transaction: at most
    `size` incidents of each list; a row from an incident not replaced (nothing deletes its links)
    goes with the first."""
    size = size or INCIDENTS_PER_TRANSACTION
    m_keys, r_keys = list(dict.fromkeys(mentioned)), list(dict.fromkeys(related))
    if max(len(m_keys), len(r_keys)) <= size:
        return [(m_keys, list(mentions), r_keys, list(links))]
    m_group = {k: i // size for i, k in enumerate(m_keys)}
    r_group = {k: i // size for i, k in enumerate(r_keys)}
    count = max(len(m_keys), len(r_keys)) // size + 1
    groups: list[Group] = [
        (m_keys[i * size : (i + 1) * size], [], r_keys[i * size : (i + 1) * size], []) for i in range(count)
    ]
    for row in mentions:
        groups[m_group.get(row["incident"], 0)][1].append(row)
    for row in links:
        groups[r_group.get(row["src"], 0)][3].append(row)
    return [g for g in groups if any(g)]


def _surviving_links(
    engine: Engine, rtype: str, label: str, incidents: Sequence[str], origin: str, every: bool = False
) -> set[tuple[str, str]]:
    """(incident, node key) of the `rtype` links from `incidents` (`every`: every incident) to `label`
    nodes that the replacement keeps (of another origin, or none)."""
    if not incidents:
        return set()
    key = NODE_BY_LABEL[label].key
    start, params = _from(incidents, every)
    _, rows = engine.read_rows(
        f"{start}-[e:{rtype}]->(b:{label}) WHERE e.origin IS NULL OR e.origin <> $origin RETURN a.key, b.{key}",
        {**params, "origin": origin},
    )
    return {(str(a), str(b)) for a, b in rows}


LEARNED_ORIGIN = "learned"


def add_themes(
    engine: Engine, themes: Sequence[dict[str, Any]], links: Sequence[dict[str, Any]], origin: str = LEARNED_ORIGIN
) -> None:
    """Merge Theme nodes ({slug, name, description}) and write INSTANCE_OF links ({factor, theme,
    confidence}) of `origin`: in one transaction, or on a server the nodes with the first
    THEME_LINKS_PER_TRANSACTION links, then the rest that many a transaction."""
    nodes: list[Statement] = [
        (node_merge(engine, NODE_BY_LABEL["Theme"]), {"rows": chunk})
        for chunk in _chunks(list(themes), ROWS_PER_STATEMENT)
    ]
    _write_theme_links(engine, nodes, links, origin)
