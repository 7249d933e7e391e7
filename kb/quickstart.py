"""A knowledge base that is never empty: for notebooks, `kb report` and first-time users.

`open_kb()` opens the configured knowledge base (Neo4j when NEO4J_URI is set, else the
embedded database at KB_DB or the default path) and, when it holds no incident,
loads the deterministic demo corpus into it: packets, then the roadmap (including the
items no finding motivates, which only a roadmap import brings in).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from kb.analysis.hooks import DEFAULT_HOOKS
from kb.knowledge_base import KnowledgeBase, connect

if TYPE_CHECKING:
    from kb.demo import DemoCorpus

DEMO_INCIDENTS = 320
DEMO_SEED = 7


def load_demo(kbase: KnowledgeBase, incidents: int = DEMO_INCIDENTS, seed: int = DEMO_SEED,
              out: Path | None = None) -> DemoCorpus:
    """Generate the demo corpus and load it (packets and the whole roadmap).

    With `out`, the corpus is also written there (packets/, roadmap.yaml, truth.json)."""
    from kb.demo import generate_corpus, write_corpus  # lazy: only a fresh database needs the generator
    from kb.demo.output import write_roadmap
    from kb.roadmap import import_roadmap

    corpus = generate_corpus(n_incidents=incidents, seed=seed)
    kbase.ingest_packets(corpus.packets)
    if out is not None:
        write_corpus(corpus, out)
        import_roadmap(kbase, out / "roadmap.yaml")
        return corpus
    # The roadmap reaches the graph through its importer, which reads a file; nothing else is written.
    with tempfile.TemporaryDirectory(prefix="kb-demo-") as tmp:
        import_roadmap(kbase, write_roadmap(corpus, Path(tmp) / "roadmap.yaml"))
    return corpus


def open_kb(engine: str | None = None, db: str | Path | None = None, *, demo_if_empty: bool = True,
            incidents: int = DEMO_INCIDENTS, seed: int = DEMO_SEED) -> KnowledgeBase:
    """`kb.connect()`, plus the demo corpus when the knowledge base is empty (and `demo_if_empty`)."""
    kbase = connect(engine=engine, db=db, hooks=DEFAULT_HOOKS)
    if demo_if_empty and kbase.incident_count() == 0:
        load_demo(kbase, incidents=incidents, seed=seed)
    return kbase
