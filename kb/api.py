"""The public Python API for analysts: what `import kb` offers (see kb.__all__ and the README).

Each function takes a KnowledgeBase from `kb.connect()` and returns a pandas DataFrame,
a networkx graph or Event Packets. The modules behind them are loaded on first use, so
`import kb` stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from kb.analysis.hooks import DEFAULT_HOOKS
from kb.knowledge_base import AfterIngest, KnowledgeBase
from kb.knowledge_base import connect as _connect

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

    from kb.model import EventPacket

# The analysis, chart, reader and packet modules are imported inside each function: `kb.connect()`
# (and every CLI command through it) must not pay for pandas, pydantic, scipy or plotly it does not use.


def connect(
    engine: str | None = None,
    db: str | Path | None = None,
    init: bool = True,
    hooks: Sequence[AfterIngest] | None = None,
    read_only: bool = False,
    create: bool = True,
) -> KnowledgeBase:
    """Open the knowledge base: Neo4j when NEO4J_URI is set (or engine="neo4j"), else the
    embedded Ladybug database at `db` (default $KB_DB or ~/.local/share/incident-kb).

    Every ingest then runs the similar-incident check (RELATED_TO edges to earlier
    incidents); pass `hooks=()` to run none, or your own callables `(kbase, keys)`.
    Use it as a context manager, or call `.close()`. `read_only=True` (notebooks, reports) opens
    the embedded database without its write lock, beside any other reader or writer; a database
    that does not exist yet is then created first, or with `create=False` refused
    (kb.engines.DatabaseMissing).
    """
    return _connect(
        engine=engine,
        db=db,
        init=init,
        hooks=DEFAULT_HOOKS if hooks is None else hooks,
        read_only=read_only,
        create=create,
    )


def load_demo(kbase: KnowledgeBase, incidents: int = 320, seed: int = 7) -> int:
    """Generate the deterministic demo corpus (the same seed gives the same incidents) and load it,
    roadmap included; returns the number of incidents loaded."""
    from kb.quickstart import load_demo as _load_demo

    return len(_load_demo(kbase, incidents=incidents, seed=seed).packets)


def read_packet(path: str | Path) -> EventPacket:
    """One Event Packet file (YAML or JSON), validated; raises kb.packets.PacketError naming the
    file, the field and what was expected."""
    from kb.packets import read_packet as _read_packet

    return _read_packet(path)


def read_packets(kbase: KnowledgeBase, incidents: Sequence[str]) -> list[EventPacket]:
    """The Event Packets of the given incident keys, rebuilt from the graph (unknown keys are skipped)."""
    from kb.graph.reader import read_packets as _read_packets

    return _read_packets(kbase, incidents)


def clusters(kbase: KnowledgeBase, **options: Any) -> pd.DataFrame:
    """Recurring clusters of themes, defeated barriers and services across all incidents, best first.

    Columns: cluster, name, themes, barriers, services, support, lift, spread_services,
    spread_teams, first_seen, last_seen, recent, previous, trend, score, findings,
    findings_agreed, work_items, work_items_done, addressed, incidents. Options as for
    kb.analysis.clusters.find_clusters (min_lift, alpha, resolution, window_days, ...).
    """
    from kb.analysis.clusters import find_clusters

    return find_clusters(kbase, **options).clusters


def similar(kbase: KnowledgeBase, incident: str, k: int = 5, earlier_only: bool = True) -> pd.DataFrame:
    """The k incidents most similar to `incident` (text and shared themes/barriers/services),
    each with its score and the reason; by default only incidents that started earlier."""
    from kb.analysis.similarity import similar_incidents

    return similar_incidents(kbase, incident, k=k, earlier_only=earlier_only)


def repeats(kbase: KnowledgeBase, *, all_earlier: bool = False, through_factors: bool = False) -> pd.DataFrame:
    """Repeat incidents: the same theme or defeated barrier again after an agreed finding addressed it.

    One row per (incident, theme/barrier, earlier finding). Columns: incident, started_at,
    earlier_incident, finding, via_kind, via.
    """
    from kb.analysis.repeats import find_repeats

    return find_repeats(kbase, all_earlier=all_earlier, through_factors=through_factors)


def metrics(
    kbase: KnowledgeBase, by: Literal["quarter", "month"] = "quarter", as_of: datetime | None = None
) -> pd.DataFrame:
    """The learning-loop metrics per quarter (or month), and overall in the last row (period "all")."""
    from kb.analysis.metrics import loop_metrics

    return loop_metrics(kbase, by=by, as_of=as_of)


def gate(kbase: KnowledgeBase, incidents: Sequence[str] | None = None) -> pd.DataFrame:
    """The integration gate per incident: complete or open, finding counts, and why it is open.

    Columns: incident, started_at, findings, agreed, unsettled, status, reason.
    """
    from kb.analysis.gate import gate_status

    return gate_status(kbase, incidents)


def causal_web(kbase: KnowledgeBase, incident: str, analysis: str | None = None) -> nx.DiGraph:
    """One incident's causal web as a networkx DiGraph, read from the graph.

    Nodes "impact", "factor:ID", "barrier:SLUG", "finding:ID" with attributes kind, label,
    category/status; edge attribute kind: influence, defeated, guards, addresses.
    kb.charts.causal_web draws it. Raises KeyError for an unknown incident.
    """
    from kb.charts.causal_web import web_graph

    packets = read_packets(kbase, [incident])
    if not packets:
        raise KeyError(f"no incident {incident!r} in {kbase.description}")
    return web_graph(packets[0], analysis)
