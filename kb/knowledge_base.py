"""The facade: a knowledge base on one engine, with ingest, queries, stats and the tools' writes.

Everything above this module (analysis, lint, charts, report, integrations, cli) reaches the
graph through a KnowledgeBase, never through its engine. The after-ingest hooks (e.g. the
similar-incident check of kb.analysis) are handed in by whoever connects: `kb.connect()` (the
public API) wires the default ones, so this module never imports the layers above it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.engines import DatabaseMissing, Engine, EngineError, EngineUnavailable, open_engine, unopened
from kb.engines.base import Params, Statement
from kb.graph import catalogue, change_log, counts_file, enrich, loop_writes, writer
from kb.graph.rows import PacketRows
from kb.model.schema import NODES, RELS

if TYPE_CHECKING:  # pandas and the packet models load where a frame or a packet is made: not to open, not for stats
    import pandas as pd

    from kb.model import EventPacket
    from kb.packets import PacketError

DEMO_SOURCE = "demo"
"""The provenance source of the demo generator's packets."""

AfterIngest = Callable[["KnowledgeBase", list[str]], None]
_COUNT_NAMES = [("node", n.label) for n in NODES] + [("relationship", r.type) for r in RELS]


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

    def __init__(self, engine: Engine, hooks: Sequence[AfterIngest] = ()) -> None:
        self.engine = engine
        self.after_ingest: list[AfterIngest] = list(hooks)
        """Hooks run with the keys of freshly ingested incidents (e.g. the similar-incident check)."""
        self._noting_changes = False

    # -- lifecycle -------------------------------------------------------------------------
    def init_schema(self) -> None:
        self.engine.apply_schema(NODES, RELS)

    def close(self) -> None:
        if not self.engine.read_only:
            self._keep_counts()
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
        return sum(count for _, _, count in self.counts()) == 0

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"KnowledgeBase({self.engine.description})"

    @property
    def description(self) -> str:
        """Which engine and where, for messages ("ladybug (embedded) at ~/.local/...")."""
        return self.engine.description

    @property
    def dialect(self) -> str:
        """The engine's name, which is also its Cypher dialect ("ladybug" or "neo4j")."""
        return self.engine.name

    # -- queries ---------------------------------------------------------------------------
    def query(self, name: str, **params: Any) -> pd.DataFrame:
        """Run the named catalogue query (cypher/NAME.cypher) and return a DataFrame."""
        unrecorded_read()
        return self._read(name, params)

    def _read(self, name: str, params: Mapping[str, Any]) -> pd.DataFrame:
        return self.engine.read(catalogue.query_text(name, self.engine.name), dict(params))

    def query_every(self, name: str, **params: Any) -> pd.DataFrame:
        """`query` over every incident, without the query's `WHERE x IN $keys` line: the same rows as
        passing every incident's key, without an IN over them all (several times the read on Ladybug)."""
        unrecorded_read()
        return self.engine.read(self._query_text(name, every_incident=True), params)

    def query_rows(self, name: str, every_incident: bool = False, **params: Any) -> list[dict[str, Any]]:
        """`query` as rows of plain Python values (timestamps as UTC datetimes, null as None), without
        a DataFrame. `every_incident`: over every incident, without the query's `$keys` filter."""
        unrecorded_read()
        return self.engine.read_records(self._query_text(name, every_incident), params)

    def query_rows_many(
        self, names: Sequence[str], every_incident: bool = False, **params: Any
    ) -> dict[str, list[dict[str, Any]]]:
        """`query_rows` of each named query with the same parameters, by name: read side by side
        where the engine can (Engine.read_rows_many)."""
        unrecorded_read()
        texts = [self._query_text(name, every_incident) for name in names]
        # (an answer's rows are made dicts as it comes: no more of them held at once than before)
        answers = self.engine.read_records_many([(text, params) for text in texts])
        return dict(zip(names, answers, strict=True))

    def _query_text(self, name: str, every_incident: bool) -> str:
        """The named query's text; `every_incident`: without its `WHERE x IN $keys` line."""
        if not every_incident:
            return catalogue.query_text(name, self.engine.name)
        text = catalogue.query_text_every(name, self.engine.name)
        if text is None:
            raise catalogue.UnknownQuery(f"query {name!r} has no `WHERE x IN $keys` line to run without")
        return text

    def cypher(self, text: str, **params: Any) -> pd.DataFrame:
        """Run an ad-hoc read query (for notebooks); prefer named queries in code."""
        unrecorded_read()
        return self.engine.read(text, params)

    def write(self, statements: Sequence[Statement]) -> None:
        """Run (cypher, params) write statements in one transaction: all of them or none."""
        self.engine.write(statements)

    def _count(self, cypher: str) -> int:
        unrecorded_read()
        return int(self.engine.read_rows(cypher)[1][0][0])

    def counts(self) -> list[tuple[str, str, int]]:
        """(kind, name, count) of nodes per label and relationships per type, without pandas:
        what `kb stats` prints (it must start and answer fast). From the counts file a writer
        saved for this very content when there is one (kb.graph.counts_file), else counted."""
        stored = counts_file.load(self.cache_path(counts_file.NAME), self.snapshot(), _COUNT_NAMES)
        return stored if stored is not None else self._counted()

    def _counted(self) -> list[tuple[str, str, int]]:
        nodes = [("node", n.label, self._count(f"MATCH (n:{n.label}) RETURN count(n)")) for n in NODES]
        rels = [("relationship", r.type, self._count(f"MATCH ()-[e:{r.type}]->() RETURN count(e)")) for r in RELS]
        return nodes + rels

    def _keep_counts(self) -> None:
        """A writer leaves the counts of what it wrote for `kb stats` (nothing when they are saved already)."""
        path, snapshot = self.cache_path(counts_file.NAME), self.snapshot()
        if path is None or snapshot is None or counts_file.load(path, snapshot, _COUNT_NAMES) is not None:
            return
        with contextlib.suppress(EngineError):  # the connection is failing: closing it must still work
            counted = self._counted()
            if self.snapshot() == snapshot:  # no other client wrote while counting (a server)
                counts_file.save(path, snapshot, counted)

    def stats(self) -> pd.DataFrame:
        """Count of nodes per label and relationships per type: columns kind, name, count."""
        import pandas as pd

        return pd.DataFrame(self.counts(), columns=["kind", "name", "count"])

    @property
    def read_only(self) -> bool:
        return self.engine.read_only

    def snapshot(self) -> str | None:
        """An id of the content this connection sees, changed by every write (None: unknown);
        what caches derived from the graph are keyed by."""
        return self.engine.snapshot()

    @property
    def pinned_snapshot(self) -> bool:
        """Whether no other writer's write can show between this connection's own (kb.engines.base)."""
        return self.engine.pinned_snapshot

    def cache_path(self, name: str) -> Path | None:
        """Where a cache derived from this database may be kept (beside an embedded one; None: nowhere)."""
        return self.engine.cache_path(name)

    def live_snapshot(self) -> str | None:
        """The id of the database's content now (a reader's `snapshot` stays at what it opened)."""
        return self.engine.live_snapshot()

    def incident_count(self) -> int:
        return self._count("MATCH (i:Incident) RETURN count(i)")

    # -- ingest ----------------------------------------------------------------------------
    def ingest_packets(
        self,
        packets: Sequence[EventPacket | PacketRows],
        on_batch: Callable[[int], Any] | None = None,
        run_hooks: bool = True,
        on_refused: writer.OnRefused | None = None,
    ) -> int:
        """Write validated packets (or their rows); returns rows written (new incidents use the engine's bulk path).

        A packet the engine refuses does not stop the others: it goes to `on_refused` with
        the engine's error, or (without it) raises writer.PacketsNotWritten after the rest."""
        if not packets:
            return 0
        with self._changes_noted({p.key for p in packets}, run_hooks):
            return self._ingest_packets(packets, on_batch, run_hooks, on_refused)

    def _ingest_packets(
        self,
        packets: Sequence[EventPacket | PacketRows],
        on_batch: Callable[[int], Any] | None,
        run_hooks: bool,
        on_refused: writer.OnRefused | None,
    ) -> int:
        refused: list[tuple[writer.Writable, EngineError]] = []
        rows = writer.write_packets(
            self.engine, packets, on_batch=on_batch, on_refused=lambda p, e: refused.append((p, e))
        )
        gone = {p.key for p, _ in refused}
        if run_hooks:
            self._run_hooks([p.key for p in packets if p.key not in gone])
        if refused and on_refused is None:
            raise writer.PacketsNotWritten(refused)
        for packet, error in refused:
            assert on_refused is not None
            on_refused(packet, error)
        return rows

    def ingest_paths(
        self,
        paths: Iterable[str | Path],
        on_file: Callable[[Path], Any] | None = None,
        on_batch: Callable[[int], Any] | None = None,
    ) -> IngestReport:
        """Validate every file; write only the accepted ones; report the rejected (also a file
        whose packet the engine refused, with the engine's error).

        Files go through in chunks of the engine's batch (read into rows on every core, then
        written in one transaction), so memory holds one chunk's rows, not the whole run's; the
        after-ingest hooks run once, on everything accepted."""
        from kb.packets import PacketError, PacketProblem, packet_files

        started = time.perf_counter()
        report = IngestReport()
        seen: dict[str, Path] = {}

        def refused(packet: writer.Writable, error: EngineError) -> None:
            path = seen[packet.key]
            report.accepted.remove(path)
            report.rejected.append(
                PacketError(
                    path,
                    [
                        PacketProblem(
                            path, "(whole packet)", f"a packet the database can store; {writer.first_line(error)}"
                        )
                    ],
                )
            )

        files = list(packet_files(paths))
        with self._changes_noted(seen.keys(), True):
            self._ingest_files(files, report, seen, refused, on_file, on_batch)
        report.seconds = time.perf_counter() - started
        return report

    def _ingest_files(
        self,
        files: list[Path],
        report: IngestReport,
        seen: dict[str, Path],
        refused: writer.OnRefused,
        on_file: Callable[[Path], Any] | None,
        on_batch: Callable[[int], Any] | None,
    ) -> None:
        from kb.gc_pause import collector_paused
        from kb.graph.parallel_read import read_packets
        from kb.packets import PacketError, PacketProblem

        written: list[str] = []
        stored = self.incident_count()  # the engine's batch may grow with the graph (packets_per_transaction)
        stage = self._stage(stored)
        staged: list[list[Path]] = []  # the accepted files of each staged chunk
        staged_rows = 0

        def flush() -> None:
            """Write the staged chunks; if the engine refuses them (nothing written), read their
            files again and write them chunk by chunk, which finds and reports the packets it refuses."""
            nonlocal staged_rows
            if stage is None or not stage.packets:
                return
            chunks, counted = staged[:], staged_rows
            staged.clear()
            staged_rows = 0
            try:
                stage.flush()
            except EngineUnavailable:
                raise
            except EngineError:
                report.rows -= counted
                for chunk_files in chunks:
                    again = self._read_again(chunk_files, seen, report)
                    report.rows += self.ingest_packets(again, on_batch=on_batch, on_refused=refused, run_hooks=False)
                return
            if on_batch:
                for chunk_files in chunks:
                    on_batch(len(chunk_files))

        # One pool of readers for the whole run, ahead of the writes; they pack what the stage holds packed.
        reads = read_packets(files, self.engine.packer if stage is not None else None)
        # closing: the readers end here at the latest, not when the generator is collected after the
        # hooks (~100 MB each). No cyclic collection meanwhile: each threshold crossed rescanned a heap
        # of ~200,000 acyclic row dicts (~12% of this process's CPU); the hooks run with it again.
        with collector_paused(), contextlib.closing(reads):
            while True:
                chunk = self.engine.packets_per_transaction(stored + len(written))
                packets: list[PacketRows] = []
                read_now = 0
                for path, read in islice(reads, chunk):
                    read_now += 1
                    if isinstance(read, PacketRows) and read.key in seen:
                        problem = PacketProblem(
                            path, "incident.id", f"an id not used by another file of this run ({seen[read.key]})"
                        )
                        read = PacketError(path, [problem])
                    if isinstance(read, PacketError):
                        report.rejected.append(read)
                    else:
                        seen[read.key] = path
                        packets.append(read)
                        report.accepted.append(path)
                    if on_file:
                        on_file(path)
                if not read_now:  # every file read
                    break
                # What the graph holds now: the stored incidents and those written, less the ones staged.
                limit = self.engine.staged_packets(stored + len(written) - stage.packets) if stage is not None else 0
                if stage is not None and stage.packets + len(packets) > limit:
                    flush()  # a transaction carries at most `limit` packets
                counted = stage.add(packets) if stage is not None and packets else None
                if counted is not None:
                    report.rows += counted
                    staged_rows += counted
                    staged.append([seen[p.key] for p in packets])
                elif packets:
                    flush()  # what was staged first, so shared nodes are merged in the files' order
                    report.rows += self.ingest_packets(packets, on_batch=on_batch, on_refused=refused, run_hooks=False)
                written += [p.key for p in packets]
                packets.clear()  # written or packed: their rows are not held through a write or the hooks
                if stage is not None and stage.packets >= limit:
                    flush()
            flush()
        accepted = set(report.accepted)
        report.incidents = [key for key in written if seen[key] in accepted]
        self._run_hooks(report.incidents)

    @contextlib.contextmanager
    def _changes_noted(self, keys: Iterable[str], run_hooks: bool) -> Iterator[None]:
        """Note in the change log (kb.graph.change_log) that the block, the outermost ingest, wrote the
        packets of `keys` (read when it ends: a run adds them as it reads files) and nothing else of any
        packet: only when it succeeded, no other writer can interleave, and every hook it ran is known
        to write no packet's data (`packet_data_unchanged`)."""
        if self._noting_changes:
            yield
            return
        before = self.snapshot() if self.pinned_snapshot else None
        self._noting_changes = True
        try:
            yield
        finally:
            self._noting_changes = False
        if before is None:
            return
        after = self.snapshot()
        known_hooks = not run_hooks or all(getattr(h, "packet_data_unchanged", False) for h in self.after_ingest)
        path = self.cache_path(change_log.FILE)
        if after is not None and after != before and known_hooks and path is not None:
            change_log.record(path, before, after, keys)

    def _stage(self, stored: int) -> writer.StagedInserts | None:
        """Where an ingest holds new packets' rows packed until one transaction writes them, if the
        engine packs rows."""
        if self.engine.staged_packets_per_transaction <= 0:
            return None
        # Incidents stored before the run are looked up chunk by chunk, by key (StagedInserts.add),
        # not all read here: at 100,000 incidents that read was a frame of every key.
        return writer.StagedInserts(self.engine, check_stored=stored > 0)

    @staticmethod
    def _read_again(files: list[Path], seen: dict[str, Path], report: IngestReport) -> list[PacketRows]:
        """The rows of accepted files read again (after the engine refused their staged write); a file
        that no longer reads, or now names another incident, moves to the rejected ones."""
        from kb.graph.parallel_read import read_packets
        from kb.packets import PacketError, PacketProblem

        keys = {path: key for key, path in seen.items()}
        out: list[PacketRows] = []
        with contextlib.closing(read_packets(files)) as reads:
            for path, read in reads:
                if isinstance(read, PacketRows) and read.key != keys[path]:
                    problem = f"the incident id it had when this run read it first ({keys[path]})"
                    read = PacketError(path, [PacketProblem(path, "incident.id", problem)])
                if isinstance(read, PacketError):
                    report.accepted.remove(path)
                    report.rejected.append(read)
                else:
                    out.append(read)
        return out

    def _run_hooks(self, keys: list[str]) -> None:
        if not self.after_ingest:
            return
        # The hooks read the same catalogue queries again and again (the similarity check, then the
        # kept answers): each answer once for each content (SnapshotReads).
        reads = self if isinstance(self, SnapshotReads) else SnapshotReads(self)
        for hook in self.after_ingest:
            hook(reads, keys)

    # -- the tools' writes (each carries its origin; a packet re-ingest keeps them) ---------
    def link_themes(self, rows: Sequence[dict[str, Any]], origin: str = enrich.SUGGESTED_ORIGIN) -> None:
        """INSTANCE_OF edges from rows of {factor, theme, confidence}, in one transaction (on a server
        at most kb.graph.enrich.THEME_LINKS_PER_TRANSACTION a transaction)."""
        enrich.link_themes(self.engine, rows, origin)

    def replace_mentions(
        self, incidents: Sequence[str], rows: Sequence[dict[str, Any]], origin: str = enrich.TEXT_ORIGIN
    ) -> None:
        """Replace the MENTIONS edges of `origin` from `incidents` with rows {incident, kind, name,
        component_kind, evidence, learned}."""
        enrich.replace_mentions(self.engine, incidents, rows, origin)

    def add_themes(
        self, themes: Sequence[dict[str, Any]], links: Sequence[dict[str, Any]], origin: str = enrich.LEARNED_ORIGIN
    ) -> None:
        """Merge Theme nodes {slug, name, description} and their INSTANCE_OF links {factor, theme,
        confidence} of `origin`, in one transaction (on a server the nodes and links in transactions of at
        most kb.graph.enrich.THEME_LINKS_PER_TRANSACTION links)."""
        enrich.add_themes(self.engine, themes, links, origin)

    def replace_related(
        self, incidents: Sequence[str], rows: Sequence[dict[str, Any]], origin: str = enrich.SIMILARITY_ORIGIN
    ) -> None:
        """Replace the RELATED_TO edges of `origin` from `incidents` with rows {src, dst, score, basis}."""
        enrich.replace_related(self.engine, incidents, rows, origin)

    def replace_mentions_and_related(
        self,
        mentioned: Sequence[str],
        mentions: Sequence[dict[str, Any]],
        related: Sequence[str],
        links: Sequence[dict[str, Any]],
        every: tuple[bool, bool] = (False, False),
    ) -> None:
        """replace_mentions(mentioned, mentions) and replace_related(related, links): on the embedded
        engine both or neither, in one transaction (each write copies the database: one copy, not two);
        on a server a group of incidents per transaction, each incident's links replaced whole
        (kb.graph.enrich.INCIDENTS_PER_TRANSACTION: its transaction memory is bounded).
        `every`: whether `mentioned`, `related` are every incident (kb.graph.enrich)."""
        enrich.replace_mentions_and_related(self.engine, mentioned, mentions, related, links, every)

    def record_work_item(self, finding: str, item: Mapping[str, Any], origin: str) -> None:
        """One WorkItem and its TRACKED_BY edge from `finding`, both or neither."""
        loop_writes.record_work_item(self.engine, finding, item, origin)

    def update_work_items(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Set status, resolution and closed_at of existing work items by key."""
        loop_writes.update_work_items(self.engine, rows)

    def replace_roadmap_links(self, items: Sequence[Mapping[str, Any]], links: Sequence[tuple[str, str]]) -> None:
        """Merge roadmap items; replace their imported MOTIVATED_BY edges with (item, finding) links."""
        loop_writes.replace_roadmap_links(self.engine, items, links)

    def record_objectives(self, objectives: Sequence[Mapping[str, Any]], links: Sequence[tuple[str, str]]) -> None:
        """Merge OKR drafts and PROPOSED_AS edges from (finding, objective) pairs."""
        loop_writes.record_objectives(self.engine, objectives, links)


class CachedReads(KnowledgeBase):
    """The same knowledge base, answering each named query (with its parameters) once: for a reader
    that asks the same questions many times (a quarterly report: 157 queries, 60 distinct). It sees
    the graph as of each query's first answer; a write through `write` forgets every answer."""

    def __init__(self, base: KnowledgeBase) -> None:
        super().__init__(base.engine, base.after_ingest)
        self._answers: dict[tuple[str, str], pd.DataFrame] = {}
        self._derived: dict[Any, Any] = {}
        self._begun: list[tuple[list[tuple[str, str]], Iterator[pd.DataFrame]]] = []
        """Reads `begin_prefetch` handed to the engine: the keys of their answers, and the answers."""

    def query(self, name: str, **params: Any) -> pd.DataFrame:
        key = self._key(name, False, params)
        self._take_begun()
        if key not in self._answers:
            self._answers[key] = super().query(name, **params)
        return self._answers[key].copy()  # callers add columns to what they get

    def query_every(self, name: str, **params: Any) -> pd.DataFrame:
        key = self._key(name, True, params)
        self._take_begun()
        if key not in self._answers:
            self._answers[key] = super().query_every(name, **params)
        return self._answers[key].copy()

    def prefetch(self, names: Sequence[str], every_incident: Sequence[str] = ()) -> None:
        """Read the answers, without parameters, of `names` (as `query` reads them) and of
        `every_incident` (as `query_every` does) that are not held yet, side by side where the
        engine can (Engine.read_many): a server plans and runs one while this process makes the
        frame of another, where asking one after the other waited for each in turn."""
        self.begin_prefetch(names, every_incident)
        self._take_begun()

    def begin_prefetch(self, names: Sequence[str], every_incident: Sequence[str] = ()) -> None:
        """`prefetch`, with the answers taken when first needed (by `query`, `query_every` or
        `prefetch`): a server begins them now where its engine begins reads when asked
        (Engine.read_many), while this process imports what computes on them; elsewhere they are
        read when taken, as `prefetch` reads them."""
        wanted = [(name, False) for name in names] + [(name, True) for name in every_incident]
        begun = {key for keys, _ in self._begun for key in keys}
        missing = [
            (name, every)
            for name, every in wanted
            if self._key(name, every, {}) not in self._answers and self._key(name, every, {}) not in begun
        ]
        if not missing:
            return
        unrecorded_read()
        texts: list[tuple[str, Params | None]] = [(self._query_text(name, every), {}) for name, every in missing]
        keys = [self._key(name, every, {}) for name, every in missing]
        self._begun.append((keys, self.engine.read_many(texts)))

    def _take_begun(self) -> None:
        """Hold the answers of the reads begun (in the order they were asked for)."""
        while self._begun:
            keys, answers = self._begun.pop(0)
            for key, answer in zip(keys, answers, strict=True):
                self._answers[key] = answer

    @staticmethod
    def _key(name: str, every_incident: bool, params: Mapping[str, Any]) -> tuple[str, str]:
        return (("every:" if every_incident else "") + name, repr(sorted(params.items())))

    def remember(self, key: Any, compute: Callable[[], Any]) -> Any:
        """What `compute()` returned the first time `key` was asked for (kb.analysis.reuse.once:
        analyses derived from these answers, e.g. the repeats that three report sections need)."""
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]

    def write(self, statements: Sequence[Statement]) -> None:
        self._answers.clear()
        self._derived.clear()
        self._begun.clear()  # begun before the write: not the graph after it
        super().write(statements)

    def close(self) -> None:
        """The connection belongs to the knowledge base this one reads through."""


class SnapshotReads(KnowledgeBase):
    """The same knowledge base, answering each named query once for each content it sees: for the
    after-ingest hooks and the answers kept after them, which read the same ~ten queries up to four
    times. An answer is held with the snapshot id it was read at (kb.engines: every write changes
    it) and given again only while the snapshot is unchanged, so a write through any connection
    (a server's other clients too) is never answered from before it. Without a snapshot id
    (in-memory Ladybug) every query is read. Only the answers of the latest snapshot are held."""

    def __init__(self, base: KnowledgeBase) -> None:
        super().__init__(base.engine, base.after_ingest)
        self._snapshot: str | None = None
        self._answers: dict[str, pd.DataFrame] = {}

    @staticmethod
    def key(name: str, params: Mapping[str, Any]) -> str:
        """An answer's name (kb.analysis.similarity_store.RecordingQueries names its answers alike)."""
        return name + repr(sorted(params.items()))

    def query(self, name: str, **params: Any) -> pd.DataFrame:
        snapshot = self.snapshot()
        if snapshot is None:
            return super().query(name, **params)
        for log in _READ_LOGS:
            log.inputs.setdefault(self.key(name, params), (name, dict(params)))
        if snapshot != self._snapshot:
            self._snapshot, self._answers = snapshot, {}
        key = self.key(name, params)
        held = self._answers.get(key)
        if held is None:
            held = self._read(name, params)
            # Held only if no write showed while reading (a server's reads see other clients' writes).
            if self.pinned_snapshot or self.snapshot() == snapshot:
                self._answers[key] = held
            else:
                return held
        return held.copy()  # callers add columns to what they get

    def adopt(self, answers: Mapping[str, pd.DataFrame]) -> None:
        """Hold `answers` (by `key`) for the current snapshot: a writer's reads from before its own
        write that the write did not change. Only where no other writer's write can show
        (Engine.pinned_snapshot); elsewhere nothing is held."""
        snapshot = self.snapshot()
        if snapshot is None or not self.pinned_snapshot:
            return
        if snapshot != self._snapshot:
            self._snapshot, self._answers = snapshot, {}
        self._answers.update(answers)

    def close(self) -> None:
        """The connection belongs to the knowledge base this one reads through."""


@dataclass
class ReadLog:
    """The named queries a computation read (`recording_reads`): key (SnapshotReads.key) -> (name,
    params). `complete` is False once it read anything else (an ad-hoc or unkept read, a file whose
    inputs are unknown): then its answer cannot be said to follow from these queries alone."""

    inputs: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    complete: bool = True


_READ_LOGS: list[ReadLog] = []


@contextlib.contextmanager
def recording_reads() -> Iterator[ReadLog]:
    """Log every named query answered through a SnapshotReads while the block runs (nested logs
    each get every read): what an answer kept beside the database was computed from."""
    log = ReadLog()
    _READ_LOGS.append(log)
    try:
        yield log
    finally:
        _READ_LOGS.remove(log)


def note_reads(inputs: Iterable[tuple[str, Mapping[str, Any]]] | None) -> None:
    """Tell the running logs that an answer was taken from a file computed from these queries' answers
    (kb.analysis.answer_store), as if they were read; None: from inputs nobody knows."""
    for log in _READ_LOGS:
        if inputs is None:
            log.complete = False
        else:
            for name, params in inputs:
                log.inputs.setdefault(SnapshotReads.key(name, params), (name, dict(params)))


def unrecorded_read() -> None:
    """A read no log can name (not through SnapshotReads): the running logs are incomplete."""
    for log in _READ_LOGS:
        log.complete = False


def saved_counts(engine: str | None = None, db: str | Path | None = None) -> tuple[str, counts_file.Counts] | None:
    """(description, counts) of the database `connect(engine, db, read_only=True)` would open, from
    the counts file a writer saved for its current content, without opening it: `kb stats` then
    loads no engine. None when there is no such file for that content (open it and count)."""
    peek = unopened(engine, db)
    if peek is None:
        return None
    counts = counts_file.load(peek.cache_path(counts_file.NAME), peek.snapshot, _COUNT_NAMES)
    return None if counts is None else (peek.description, counts)


def connect(
    engine: str | None = None,
    db: str | Path | None = None,
    init: bool = True,
    hooks: Sequence[AfterIngest] = (),
    read_only: bool = False,
    create: bool = True,
) -> KnowledgeBase:
    """Open the knowledge base: Neo4j if NEO4J_URI is set (or engine="neo4j"), else embedded Ladybug.

    `hooks` run after each ingest with the fresh incidents' keys. This one wires none;
    `kb.connect()` (the public API) wires the similar-incident check.

    `read_only=True` is for readers (notebooks, reports, queries): the embedded database is opened
    without its write lock, so any number of readers run beside each other and beside one writer.
    A database that does not exist yet is created (with its schema) first, unless `create=False`:
    then DatabaseMissing is raised (the CLI's readers: a mistyped --db must not answer from a new,
    empty database)."""
    if read_only:
        try:
            return KnowledgeBase(open_engine(engine, db, read_only=True), hooks)
        except DatabaseMissing:
            if not create:
                raise
            connect(engine, db, init=True).close()
            return KnowledgeBase(open_engine(engine, db, read_only=True), hooks)
    kbase = KnowledgeBase(open_engine(engine, db), hooks)
    if init:
        kbase.init_schema()
    return kbase
