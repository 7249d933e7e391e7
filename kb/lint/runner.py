"""Running the rules over packets, or over incidents read back from the graph."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kb.gc_pause import collector_paused
from kb.graph import change_log
from kb.graph.reader import (
    PARTS,
    SHARED_PARTS,
    Parts,
    canonical_incident,
    packet_data,
    read_packet_rows,
    read_packets,
    read_parts,
)
from kb.lint.config import LintConfig, RuleSettings
from kb.lint.graveyard import Untracked, untracked_candidates, untracked_hit
from kb.lint.kept import Computed, IncidentLint, Previous, file_name, kept, load
from kb.lint.model import Level, LintContext, LintFinding
from kb.lint.registry import RULES, Rule
from kb.lint.where import texts
from kb.model import EventPacket

if TYPE_CHECKING:  # pandas loads where a frame is made: printing kept results needs none
    import pandas as pd

    from kb.engines import Unopened
    from kb.knowledge_base import KnowledgeBase
    from kb.lint.workers import LintWorkers, Setup

UNTRACKED = "untracked-finding"
"""The one rule that depends on today: its hits are made from what a run keeps (kb.lint.kept)."""

COLUMNS = ["incident", "level", "rule", "location", "message", "evidence", "fix"]


@dataclass
class LintReport:
    findings: list[LintFinding] = field(default_factory=list)
    incidents: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(f.level is Level.ERROR for f in self.findings)

    @property
    def exit_code(self) -> int:
        """1 when an error-level rule fired (a CI gate fails), else 0."""
        return 1 if self.errors else 0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.findings:
            out[f.rule] = out.get(f.rule, 0) + 1
        return dict(sorted(out.items()))

    def frame(self) -> pd.DataFrame:
        import pandas as pd  # noqa: PLC0415 (loaded where used)

        return pd.DataFrame([{c: f.as_dict()[c] for c in COLUMNS} for f in self.findings], columns=COLUMNS)


def lint_packet(
    packet: EventPacket, config: LintConfig | None = None, context: LintContext | None = None
) -> list[LintFinding]:
    """Every enabled rule on one packet, most severe first."""
    cfg = config or LintConfig()
    ctx = context or LintContext()
    plan = _plan(cfg)
    return _findings(_lint_one(packet, cfg, plan, ctx), plan, ctx.now)


def _plan(cfg: LintConfig) -> list[tuple[Rule, RuleSettings]]:
    """Each rule with its settings, worked out once for a whole run."""
    return [(rule, cfg.settings(rule)) for rule in RULES.values()]


def _lint_one(
    packet: EventPacket, cfg: LintConfig, plan: list[tuple[Rule, RuleSettings]], ctx: LintContext
) -> IncidentLint:
    """The packet's findings of every rule but untracked-finding, and what that rule ages (`_findings`)."""
    out: list[LintFinding] = []
    untracked: tuple[Untracked, ...] = ()
    scaled = cfg.policy.for_severity(packet.incident.severity)  # process scaled to severity
    for rule, settings in plan:
        if settings.enabled and scaled.applies(rule.id):
            if rule.id == UNTRACKED:
                untracked = tuple(untracked_candidates(packet))
                continue
            options = settings.options
            if "required" in options and rule.id == "incomplete-packet":
                options = {**options, "required": [p for p in options["required"] if p in scaled.sections]}
            out.extend(rule.run(packet, ctx, options, settings.level))
    return IncidentLint(packet.key, tuple(out), untracked)


def _findings(entry: IncidentLint, plan: list[tuple[Rule, RuleSettings]], now: datetime) -> list[LintFinding]:
    """An incident's findings as of `now`, most severe first (untracked-finding's hits aged today)."""
    out = list(entry.findings)
    if entry.untracked:
        rule, settings = next((r, s) for r, s in plan if r.id == UNTRACKED)
        days = int({**rule.options, **settings.options}["days"])
        for candidate in entry.untracked:
            h = untracked_hit(candidate, now, days)
            if h is not None:
                # (the rule's hits carry no level of their own: the configured one applies)
                out.append(LintFinding(UNTRACKED, settings.level, entry.key, h.location, h.evidence, h.message, h.fix))
    out.sort(key=_order)
    return out


_RANK = {lv: lv.rank for lv in Level}


def _order(f: LintFinding) -> tuple[int, str, str]:
    return (_RANK[f.level], f.rule, f.location)


def _report(entries: Iterable[IncidentLint], plan: list[tuple[Rule, RuleSettings]], now: datetime) -> LintReport:
    report = LintReport()
    for e in entries:
        report.incidents.append(e.key)
        report.findings.extend(_findings(e, plan, now))
    return report


def lint_packets(
    packets: Iterable[EventPacket], config: LintConfig | None = None, context: LintContext | None = None
) -> LintReport:
    cfg = config or LintConfig()
    ctx = context or LintContext()
    plan = _plan(cfg)
    return _report((_lint_one(p, cfg, plan, ctx) for p in packets), plan, ctx.now)


def _related_rows(kbase: KnowledgeBase, name: str, keys: Sequence[str] | None) -> list[dict[str, Any]]:
    """The query's rows for the given incidents (None: every incident, without a filter on 10,000 keys)."""
    if keys is None:
        return kbase.query_rows(name, every_incident=True)
    return kbase.query_rows(name, keys=list(keys))


def related_links(kbase: KnowledgeBase, keys: Sequence[str] | None) -> dict[str, int]:
    return {str(r["incident"]): int(r["related"]) for r in _related_rows(kbase, "review_related_links", keys)}


def related_earlier(kbase: KnowledgeBase, keys: Sequence[str] | None) -> dict[str, tuple[str, ...]]:
    return {
        str(r["incident"]): tuple(sorted(str(x) for x in r["related"]))
        for r in _related_rows(kbase, "review_related_earlier", keys)
    }


@dataclass(frozen=True)
class FollowUpFacts:
    """What the follow-up check (`without_follow_ups`) reads of a packet: its names' source, its
    start and its prose when that holds a name of an incident it is related to (else None: it
    follows none of them up), found where the packet was validated."""

    key: str
    file: str | None
    started_at: datetime
    text: str | None


def follow_up_facts(packet: EventPacket, names: frozenset[str]) -> FollowUpFacts:
    """`names`: those of the incidents `packet` is a related earlier one of (`cited_names`)."""
    text = None
    if names:
        joined = "\n".join(t for _, t, _ in texts(packet))
        lower = joined.lower()
        # A follow-up cites the report by one of its names, each a whole token of the text:
        # a text holding none of them as a substring cannot (the common case, tested first).
        text = joined if any(n in lower for n in names) else None
    return FollowUpFacts(packet.key, packet.provenance.file, packet.incident.started_at, text)


def cited_names(related: dict[str, tuple[str, ...]], files: dict[str, Any]) -> dict[str, frozenset[str]]:
    """For each incident related to one in `related` that `files` (source file by key) holds, the
    names it would cite one of those by if it followed it up."""
    from kb.analysis.repeat_evidence import _names  # noqa: PLC0415 (kb check on one packet skips it)

    out: dict[str, set[str]] = {}
    for key, rel in related.items():
        if key in files:
            names = _names(key, files[key])
            for r in rel:
                out.setdefault(r, set()).update(names)
    return {r: frozenset(n) for r, n in out.items()}


def without_follow_ups(
    packets: Sequence[EventPacket], related: dict[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]]:
    """`related` without the documents that follow up the incident itself (an addendum or deeper
    dive dated to the incident's day sorts "earlier" but is no earlier incident to compare with).
    `packets` holds the incidents and their related ones."""
    names = cited_names(related, {p.key: p.provenance.file for p in packets})
    facts = {p.key: follow_up_facts(p, names.get(p.key, frozenset())) for p in packets}
    return facts_without_follow_ups(facts, related)


def facts_without_follow_ups(
    facts: dict[str, FollowUpFacts], related: dict[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]]:
    """`without_follow_ups` from the packets' `follow_up_facts` (with the names `cited_names` gives)."""
    from kb.analysis.repeat_evidence import _names, follows_up  # noqa: PLC0415 (kb check on one packet skips it)

    lowered: dict[str, str] = {}  # a related packet's text in lower case, made once
    out: dict[str, tuple[str, ...]] = {}
    for key, rel in related.items():
        me = facts.get(key)
        names = _names(key, me.file) if me is not None else set()
        keep = []
        for r in rel:
            other = facts.get(r)
            if me is not None and other is not None and other.text is not None:
                text = other.text
                if r not in lowered:
                    lowered[r] = text.lower()
                if any(n in lowered[r] for n in names) and follows_up(
                    text, other.started_at, key, me.file, me.started_at
                ):
                    continue
            keep.append(r)
        out[key] = tuple(keep)
    return out


def lint_graph(
    kbase: KnowledgeBase,
    keys: Sequence[str] | None = None,
    config: LintConfig | None = None,
    now: datetime | None = None,
) -> LintReport:
    """Lint incidents in the graph (all of them when `keys` is None) with a fixed number of queries.
    Every incident's results are kept for the content and settings (kb.lint.kept) and read back
    while the graph is unchanged."""
    cfg = config or LintConfig()
    when = now or datetime.now(UTC)
    plan = _plan(cfg)
    with collector_paused():
        if keys is None:
            entries = kept(kbase, _settings(cfg), lambda before: lint_every(kbase, cfg, plan, when, before))
        else:
            entries = _lint_graph(kbase, keys, cfg, plan, when)
        return _report(entries, plan, when)


def lint_kept(
    peek: Unopened | None, config: LintConfig | None = None, now: datetime | None = None
) -> LintReport | None:
    """`lint_graph` of every incident from what was kept for the content `peek` names, read without
    opening the database (kb.engines.unopened); None when nothing is kept for it."""
    if peek is None:
        return None
    cfg = config or LintConfig()
    entries = load(peek.cache_path(file_name(_settings(cfg))), peek.snapshot)
    if entries is None:
        return None
    with collector_paused():
        return _report(entries, _plan(cfg), now or datetime.now(UTC))


def _settings(cfg: LintConfig) -> dict[str, Any]:
    """What of the settings decides the results: the overrides and the severity policy."""
    return {"overrides": cfg.overrides, "policy": repr(cfg.policy)}


def lint_every(
    kbase: KnowledgeBase,
    cfg: LintConfig,
    plan: list[tuple[Rule, RuleSettings]],
    now: datetime,
    before: Previous | None,
) -> Computed:
    """Every incident's lint, and the ids its reviews could cite. Results `before` are reused for an
    incident whose inputs are unchanged: its packet as read from the graph, its RELATED_TO links, its
    related earlier incidents and their packets (whether one follows it up reads both), and the ids
    its text could cite (one added or gone since is looked for in the packet). Only the other
    incidents' packets are validated and linted: at 10,000 incidents, most of the cost.

    Two steps: `_digest_step` reads the rows and tells which results still hold, `_lint_step` lints
    the rest (in the workers of kb.lint.workers when there are many)."""
    from kb.lint import workers  # noqa: PLC0415 (it imports this module)

    known = [str(r["incident"]) for r in kbase.query_rows("incidents")]  # (rows: no pandas to load)
    cited = frozenset(known)
    links = related_links(kbase, None)
    setup = workers.Setup(cfg, now, links, cited)
    # With nothing kept, every incident is linted: the workers start now and are fed the rows as
    # soon as they are read, validating them while this process digests them.
    pool = workers.LintWorkers(setup) if before is None and len(known) >= workers.PARALLEL_MIN_PACKETS else None
    try:
        step = _digest_step(kbase, before, cited, related_earlier(kbase, None), links, pool)
        if pool is None and len(step.incidents) >= workers.PARALLEL_MIN_PACKETS:
            pool = workers.LintWorkers(setup)
            pool.feed(step.incidents, step.part, frozenset(step.todo))
        entries = step.kept
        for key, done in _lint_step(step, cfg, plan, setup, pool).items():
            entries[key] = IncidentLint(done.key, done.findings, done.untracked, step.inputs[key], step.own[key])
        return [entries[key] for key in step.order], cited
    finally:
        if pool is not None:
            pool.stop()


@dataclass
class _Digested:
    """What `_digest_step` found: every incident (in `packet_incidents` order) with its digests, the
    results kept from before that still hold, the incidents to lint again and the rows to lint them
    from (theirs and their related earlier incidents')."""

    order: list[str]
    own: dict[str, str]
    inputs: dict[str, str]
    kept: dict[str, IncidentLint]
    todo: list[str]
    related: dict[str, tuple[str, ...]]
    incidents: list[dict[str, Any]]
    part: Parts


def _digest_step(
    kbase: KnowledgeBase,
    before: Previous | None,
    cited: frozenset[str],
    related: dict[str, tuple[str, ...]],
    links: dict[str, int],
    pool: LintWorkers | None,
) -> _Digested:
    """Read the rows, digest each incident's lint inputs and keep `before`'s results where they match.

    When the change log (kb.graph.change_log) names every packet written since `before`'s content and
    no incident came or went, only those packets' own rows are read (the rest keep their digest) and
    the parts shared nodes give are read for every incident. The `pool`, if any, is fed every row read."""
    # An id added or removed since `before` changes the lint of a packet only if its text names it.
    moved = None if before is None else sorted(cited ^ before.known)
    if moved is not None and len(moved) > _MOVED_LOOKED_FOR:
        moved = None  # (a few ids are looked for in each packet; more: lint everything again)
    written = (
        _written_since(kbase, before) if moved == [] and before is not None and set(before.entries) == cited else None
    )
    if written is None:
        incidents = kbase.query_rows("packet_incidents", every_incident=True)
        part = read_parts(kbase, None, PARTS)
    else:  # (the same incidents as `before`'s: its order is packet_incidents')
        incidents = kbase.query_rows("packet_incidents", keys=sorted(written))
        part = {**read_parts(kbase, sorted(written), OWN_PARTS), **read_parts(kbase, None, SHARED_PARTS)}
    for inc in incidents:
        canonical_incident(inc)
    kept_own = {} if written is None or before is None else {k: e.own for k, e in before.entries.items()}
    own, content, mentions = _content_digests(incidents, part, kept_own, [m.encode() for m in moved or ()], pool)
    entries: dict[str, IncidentLint] = {}
    inputs: dict[str, str] = {}
    for key in content:
        rel = related.get(key)
        parts = [content[key], links.get(key), rel, [content.get(r) for r in rel or ()]]
        inputs[key] = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
        old = before.entries.get(key) if before is not None and moved is not None else None
        if old is not None and old.inputs == inputs[key] and key not in mentions:
            entries[key] = old if old.own == own[key] else replace(old, own=own[key])
    todo = [key for key in content if key not in entries]
    # The packets to lint, and those of their related incidents: a follow-up check reads both.
    wanted = set(todo) | {r for key in todo for r in related.get(key, ())}
    if written is None:
        incidents = [i for i in incidents if i["incident"] in wanted]
    else:
        incidents, part = read_packet_rows(kbase, sorted(wanted))
    return _Digested(list(content), own, inputs, entries, todo, related, incidents, part)


OWN_PARTS = tuple(n for n in PARTS if n not in SHARED_PARTS)
"""The parts `pack` holds (those of the incident's own nodes), in that order."""


def pack(incident: dict[str, Any], part: Parts) -> bytes:
    """The incident's `packet_incidents` row and its own parts' rows, pickled: what its own digest
    is made of, and what the lint workers are sent of it (kb.lint.workers.unpack)."""
    key = incident["incident"]
    return pickle.dumps([incident, [part[n].get(key) for n in OWN_PARTS]], protocol=5)


def _content_digests(
    incidents: list[dict[str, Any]], part: Parts, own: dict[str, str], moved: list[bytes], pool: LintWorkers | None
) -> tuple[dict[str, str], dict[str, str], set[str]]:
    """Each incident's own digest (its rows but the shared parts; `own` holds those of incidents not
    read, and is filled), its content digest (own and shared parts), and the incidents whose rows
    name one of the `moved` ids. The `pool`, if any, is fed each packet as its rows are pickled."""
    from kb.lint.workers import PACKETS_PER_TASK  # noqa: PLC0415 (it imports this module)

    mentions: set[str] = set()
    shared_part = {n: part[n] for n in SHARED_PARTS}
    for first in range(0, len(incidents), PACKETS_PER_TASK):
        chunk = incidents[first : first + PACKETS_PER_TASK]
        packed = [pack(inc, part) for inc in chunk]
        if pool is not None:
            pool.feed_packed(chunk, packed, shared_part)
        for inc, raw in zip(chunk, packed, strict=True):
            key = inc["incident"]
            own[key] = _digest(raw)
            if moved and any(w in raw for w in moved):
                mentions.add(key)
    content = {}
    for key, mine in own.items():
        shared = [part[n].get(key) for n in SHARED_PARTS]
        content[key] = _digest(pickle.dumps([mine, shared], protocol=5))
        if moved and any(w in repr(shared).encode() for w in moved):
            mentions.add(key)
    return own, content, mentions


def _lint_step(
    step: _Digested,
    cfg: LintConfig,
    plan: list[tuple[Rule, RuleSettings]],
    setup: Setup,
    pool: LintWorkers | None,
) -> dict[str, IncidentLint]:
    """The lint of `step.todo` by key: by the `pool` when it answers, else in this process (then the
    rows are dropped from `step` as the packets are built)."""
    todo = frozenset(step.todo)
    earlier = {k: step.related[k] for k in step.todo if k in step.related}
    linted = pool.lint(todo, earlier) if pool is not None else None
    if linted is not None:
        return linted
    data = packet_data(step.incidents, step.part)
    step.incidents, step.part = [], {}  # (the rows: not held while the packets are validated, as before)
    read = _validated(data)
    context = LintContext(
        now=setup.now,
        related_links=setup.related_links,
        known_incidents=setup.known_incidents,
        related_earlier=without_follow_ups(read, earlier),
    )
    return {p.key: _lint_one(p, cfg, plan, context) for p in read if p.key in todo}


def _validated(data: list[dict[str, Any]]) -> list[EventPacket]:
    """The packets of `data`, in its order, each packet's plain data dropped once it is validated (not
    all held until the last is: at 10,000 incidents the first call's peak is here). Empties `data`."""
    data.reverse()
    read = []
    while data:
        read.append(EventPacket.model_validate(data.pop()))
    return read


_MOVED_LOOKED_FOR = 64
"""At most this many incident ids added or removed since the kept results are looked for in each packet."""


def _digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def _written_since(kbase: KnowledgeBase, before: Previous | None) -> set[str] | None:
    """The keys of the packets ingested since `before`'s content, when the change log knows them all
    and `before` kept each incident's own digest; else None (everything is read)."""
    if not kbase.pinned_snapshot:
        return None  # (only such a connection notes its ingests: a server's log is never written)
    snapshot, path = kbase.snapshot(), kbase.cache_path(change_log.FILE)
    if before is None or before.snapshot is None or snapshot is None or path is None:
        return None
    if not all(e.own for e in before.entries.values()):
        return None
    return change_log.changed_since(path, before.snapshot, snapshot)


def _lint_graph(
    kbase: KnowledgeBase,
    keys: Sequence[str] | None,
    cfg: LintConfig,
    plan: list[tuple[Rule, RuleSettings]],
    now: datetime,
) -> list[IncidentLint]:
    known = [str(r["incident"]) for r in kbase.query_rows("incidents")]  # (rows: no pandas to load)
    every = keys is None  # then each part is read without a filter on every key
    if keys is None:
        keys = known
    related = related_earlier(kbase, None if every else keys)
    # The related incidents are read in the same batch: whether one is a follow-up needs its text.
    wanted = set(keys)
    others = sorted({r for v in related.values() for r in v} - wanted)
    read = read_packets(kbase, None if every else [*keys, *others])
    packets = [p for p in read if p.key in wanted]
    context = LintContext(
        now=now,
        related_links=related_links(kbase, None if every else keys),
        known_incidents=frozenset(known),
        related_earlier=without_follow_ups(read, related),
    )
    return [_lint_one(p, cfg, plan, context) for p in packets]
