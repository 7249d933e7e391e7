"""incident-kb: post-incident reviews as a learning loop, in one graph.

The Python API for analysts (each documented in the README's "Python API" section)::

    import kb
    with kb.connect() as kbase:              # Neo4j if NEO4J_URI is set, else embedded Ladybug
        kb.load_demo(kbase)                  # or kbase.ingest_paths(["packets/"])
        kb.clusters(kbase)                   # DataFrame: recurring clusters, best first
        kb.similar(kbase, "INC-2025-001")    # DataFrame: the most similar earlier incidents
        kb.repeats(kbase)                    # DataFrame: repeat incidents and the findings they beat
        kb.metrics(kbase)                    # DataFrame: loop metrics per quarter
        kb.gate(kbase)                       # DataFrame: integration gate per incident
        kb.causal_web(kbase, "INC-2025-001") # networkx DiGraph of one incident's causal web
        kb.read_packets(kbase, ["INC-2025-001"])  # Event Packets rebuilt from the graph
        kb.charts.loop_trends_figure(kb.metrics(kbase))  # plotly figures (kb.charts)

Names resolve on first use (module __getattr__), so `import kb` loads none of the
analysis, chart or engine modules.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kb import charts
    from kb.api import (
        causal_web,
        clusters,
        connect,
        gate,
        load_demo,
        metrics,
        read_packet,
        read_packets,
        repeats,
        similar,
    )
    from kb.knowledge_base import IngestReport, KnowledgeBase
    from kb.model import EventPacket

__all__ = [
    "EventPacket",
    "IngestReport",
    "KnowledgeBase",
    "causal_web",
    "charts",
    "clusters",
    "connect",
    "gate",
    "load_demo",
    "metrics",
    "read_packet",
    "read_packets",
    "repeats",
    "similar",
]
__version__ = "0.1.0"

# name -> the module that defines it; imported when the name is first asked for.
_LAZY: dict[str, str] = {
    **dict.fromkeys(
        (
            "connect",
            "load_demo",
            "read_packet",
            "read_packets",
            "clusters",
            "similar",
            "repeats",
            "metrics",
            "gate",
            "causal_web",
        ),
        "kb.api",
    ),
    "KnowledgeBase": "kb.knowledge_base",
    "IngestReport": "kb.knowledge_base",
    "EventPacket": "kb.model",
}


def __getattr__(name: str) -> Any:
    if name == "charts":
        return importlib.import_module("kb.charts")
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later lookups skip __getattr__
        return value
    raise AttributeError(f"module 'kb' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
