"""The rows a packet becomes: built from per-label templates (kb.graph.rows), they must be what
looking up each schema property gave: every property of the schema in its order, null where the
packet says nothing, and nothing the schema lacks."""

from __future__ import annotations

from typing import Any

import pytest

from kb.demo import generate_corpus
from kb.graph import rows as rows_module
from kb.graph.rows import GraphRows, packet_rows
from kb.model import EventPacket
from kb.model.schema import NODE_BY_LABEL, PACKET_ORIGIN, REL_BY_TYPE
from kb.packets import read_packet


class _LookupRows(GraphRows):
    """The former row builder: each schema property looked up by name in what the caller gave."""

    def node(self, label: str, **props: Any) -> None:
        self.nodes[label].append({name: props.get(name) for name in NODE_BY_LABEL[label].all_props})

    def rel(self, rtype: str, src: tuple[str, str], dst: tuple[str, str], **props: Any) -> None:
        spec = REL_BY_TYPE[rtype]
        row: dict[str, Any] = {"src": src[1], "dst": dst[1]}
        for name in spec.all_props:
            row[name] = props.get(name)
        if spec.enriched:
            row["origin"] = PACKET_ORIGIN
        self.rels[(rtype, src[0], dst[0])].append(row)


def _packets() -> list[EventPacket]:
    return [read_packet("examples/packets/INC-2025-001.yaml"), *generate_corpus(n_incidents=60, seed=5).packets]


def _as_lists(g: GraphRows) -> tuple[dict[str, list[list[tuple[str, Any]]]], dict[Any, list[list[tuple[str, Any]]]]]:
    # Items in order: equal dicts with another key order would still differ here (COPY reads by position).
    return (
        {label: [list(r.items()) for r in rows] for label, rows in g.nodes.items()},
        {key: [list(r.items()) for r in rows] for key, rows in g.rels.items()},
    )


@pytest.mark.parametrize("packet", _packets(), ids=lambda p: p.key)
def test_rows_are_what_looking_up_each_property_gave(packet: EventPacket, monkeypatch: pytest.MonkeyPatch) -> None:
    built = packet_rows(packet)
    monkeypatch.setattr(rows_module, "GraphRows", _LookupRows)
    reference = packet_rows(packet)
    assert _as_lists(built) == _as_lists(reference)
    assert built.incidents == reference.incidents == [packet.key]


def test_rows_are_fresh_copies() -> None:
    # A row filled in later (deduplicated() merges shared nodes) must not change the template.
    packet = _packets()[0]
    first = packet_rows(packet)
    for rows in [*first.nodes.values(), *first.rels.values()]:
        for row in rows:
            for name in row:
                row[name] = "changed"
    assert _as_lists(packet_rows(packet)) == _as_lists(packet_rows(packet.model_copy(deep=True)))
    assert all(v != "changed" for rows in packet_rows(packet).nodes.values() for r in rows for v in r.values())
