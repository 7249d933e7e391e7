"""The public entry point: a knowledge base on one engine, with ingest, queries and stats."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.engines import DatabaseMissing, Engine, open_engine
from kb.graph import catalogue
from kb.graph.schema import NODES, RELS

if TYPE_CHECKING:  # pandas and the packet models load with the first query or ingest, not with `import kb`
    import pandas as pd

    from kb.model import EventPacket
    from kb.packets import PacketError

DEMO_SOURCE = "demo"
"""The provenance source of the demo generator's packets."""

AfterIngest = Callable[["KnowledgeBase", list[str]], None]


@dataclass
class IngestReport:
    accepted: list[Path] = field(default_factory=list)
    rejected: list[PacketError] = field(default_factory=list)
    incidents: list[str] = field(default_factory=list)
    rows: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.rejected


class KnowledgeBase:
    """A graph of incidents on one engine. Use `kb.connect()` to get one."""

    after_ingest: list[AfterIngest] = []
    """Hooks run with the keys of freshly ingested incidents (e.g. the similar-incident check)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- lifecycle -------------------------------------------------------------------------
    def init_schema(self) -> None:
        self.engine.apply_schema(NODES, RELS)

    def close(self) -> None:
        self.engine.close()

    def reset(self) -> None:
        """Delete every node and relationship (the schema stays). Callers check `holds_only_demo_data` first."""
        self.engine.reset()

    def incident_sources(self) -> dict[str, int]:
        """Incidents per provenance source (manual, markdown, pagerduty, demo, ...)."""
        df = self.query("incident_sources")
        return {str(s): int(n) for s, n in zip(df["source"], df["incidents"], strict=True)}

    def holds_only_demo_data(self) -> bool:
        """True when resetting loses nothing a user made: every incident came from the demo generator,
        and a database without incidents holds nothing else either (e.g. an imported roadmap)."""
        sources = self.incident_sources()
        if sources:
            return set(sources) == {DEMO_SOURCE}
        return int(self.stats()["count"].sum()) == 0

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"KnowledgeBase({self.engine.description})"

    # -- queries ---------------------------------------------------------------------------
    def query(self, name: str, **params: Any) -> pd.DataFrame:
        """Run the named catalogue query (cypher/NAME.cypher) and return a DataFrame."""
        return self.engine.read(catalogue.query_text(name, self.engine.name), params)

    def cypher(self, text: str, **params: Any) -> pd.DataFrame:
        """Run an ad-hoc read query (for notebooks); prefer named queries in code."""
        return self.engine.read(text, params)

    def stats(self) -> pd.DataFrame:
        """Count of nodes per label and relationships per type."""
        import pandas as pd

        records = []
        for n in NODES:
            c = self.engine.read(f"MATCH (n:{n.label}) RETURN count(n) AS c")["c"].iloc[0]
            records.append({"kind": "node", "name": n.label, "count": int(c)})
        for r in RELS:
            c = self.engine.read(f"MATCH ()-[e:{r.type}]->() RETURN count(e) AS c")["c"].iloc[0]
            records.append({"kind": "relationship", "name": r.type, "count": int(c)})
        return pd.DataFrame(records)

    def incident_count(self) -> int:
        return int(self.engine.read("MATCH (i:Incident) RETURN count(i) AS c")["c"].iloc[0])

    # -- ingest ----------------------------------------------------------------------------
    def ingest_packets(self, packets: Sequence[EventPacket],
                       on_batch: Callable[[int], Any] | None = None,
                       run_hooks: bool = True) -> int:
        """Write validated packets; returns rows written (new incidents use the engine's bulk path)."""
        from kb.graph import writer

        if not packets:
            return 0
        rows = writer.write_packets(self.engine, packets, on_batch=on_batch)
        if run_hooks:
            keys = [p.key for p in packets]
            for hook in self.after_ingest:
                hook(self, keys)
        return rows

    def ingest_paths(self, paths: Iterable[str | Path],
                     on_file: Callable[[Path], Any] | None = None,
                     on_batch: Callable[[int], Any] | None = None) -> IngestReport:
        """Validate every file first; write only the accepted ones; report the rejected."""
        from kb.packets import PacketError, PacketProblem, packet_files, read_packet

        started = time.perf_counter()
        report = IngestReport()
        packets: list[EventPacket] = []
        seen: dict[str, Path] = {}
        for path in packet_files(paths):
            try:
                packet = read_packet(path)
                if packet.key in seen:
                    raise PacketError(path, [PacketProblem(
                        path, "incident.id", f"an id not used by another file of this run ({seen[packet.key]})")])
            except PacketError as exc:
                report.rejected.append(exc)
            else:
                seen[packet.key] = path
                packets.append(packet)
                report.accepted.append(path)
            if on_file:
                on_file(path)
        report.rows = self.ingest_packets(packets, on_batch=on_batch)
        report.incidents = [p.key for p in packets]
        report.seconds = time.perf_counter() - started
        return report


def _related_check(kbase: KnowledgeBase, keys: list[str]) -> None:
    """Check each fresh incident against earlier ones; store the best as RELATED_TO edges."""
    from kb.analysis.similarity import record_related  # lazy: analysis sits above this module

    record_related(kbase, keys)


KnowledgeBase.after_ingest.append(_related_check)


def connect(engine: str | None = None, db: str | Path | None = None, init: bool = True,
            read_only: bool = False) -> KnowledgeBase:
    """Open the knowledge base: Neo4j if NEO4J_URI is set (or engine="neo4j"), else embedded Ladybug.

    `read_only=True` is for readers (notebooks, reports, queries): the embedded database is opened
    without its write lock, so any number of readers run beside each other and beside one writer.
    A database that does not exist yet is created (with its schema) first."""
    if read_only:
        try:
            return KnowledgeBase(open_engine(engine, db, read_only=True))
        except DatabaseMissing:
            connect(engine, db, init=True).close()
            return KnowledgeBase(open_engine(engine, db, read_only=True))
    kbase = KnowledgeBase(open_engine(engine, db))
    if init:
        kbase.init_schema()
    return kbase
