"""Validating and linting packets on every core: the first `kb check --all` at 10,000 incidents
spent most of its time making pydantic packets and running the rules on them, one at a time.

The reading process sends the workers (kb.workers, `python -m kb.lint.workers`) the rows of the
packets as soon as they are read, in the background (each worker builds, validates and keeps its
share of the packets while the reader digests the rows), then asks every worker for what the
follow-up check reads of them (`FollowUpFacts`: a related packet may be another worker's), works
out each incident's related earlier ones, and has the workers lint their packets with them. A
worker that dies, or cannot be started, costs time, not results: the caller lints in its own
process (`LintWorkers.lint` answers None). So does one that stops answering: past a deadline
(`answer_deadline`) the workers are killed.
"""

from __future__ import annotations

import gc
import pickle
import queue
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from kb import workers as pipes
from kb.graph.reader import Parts, packet_data
from kb.lint.config import LintConfig
from kb.lint.graveyard import reads_related_earlier
from kb.lint.kept import IncidentLint
from kb.lint.model import LintContext
from kb.lint.runner import (
    OWN_PARTS,
    FollowUpFacts,
    _lint_one,
    _plan,
    _validated,
    cited_names,
    facts_without_follow_ups,
    follow_up_facts,
)

PARALLEL_MIN_PACKETS = 2000
"""Below this many packets to lint, one process is faster than starting workers (~0.4 CPU s each)."""
PACKETS_PER_TASK = 200
DEADLINE_SECONDS = 60.0
DEADLINE_SECONDS_PER_PACKET = 0.02
"""The workers' time to answer (`answer_deadline`): ~20 times what a loaded machine needs (about 1 ms
of CPU a packet, in each of two workers), so only a worker that stopped answering reaches it."""


def answer_deadline(packets: int) -> float:
    """Seconds the workers have, from `LintWorkers.lint`'s call, to lint `packets` packets and answer."""
    return DEADLINE_SECONDS + DEADLINE_SECONDS_PER_PACKET * packets


@dataclass(frozen=True)
class Setup:
    """What every worker is told first: the settings and the facts beyond one packet."""

    config: LintConfig
    now: datetime
    related_links: dict[str, int]
    known_incidents: frozenset[str]


class LintWorkers:
    """Workers that build, validate and keep the packets they are fed (`feed`), then lint some of
    them (`lint`). Stop them when done (`stop`); a failed worker makes `lint` answer None."""

    def __init__(self, setup: Setup) -> None:
        self.workers = [w for w in (pipes.start("kb.lint.workers") for _ in range(pipes.cores())) if w]
        self.fed: set[str] = set()
        self.incidents: list[dict[str, Any]] = []
        self.failed = not self.workers
        self._tell_all(setup)
        # Messages to the workers, sent in turn in the background (`_feed`) until None: the caller
        # goes on (a write to a busy worker's pipe waits without holding the GIL).
        self._outbox: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        self.feeding = threading.Thread(target=self._feed, daemon=True)
        self.feeding.start()

    def feed(self, incidents: Sequence[dict[str, Any]], part: Parts, todo: frozenset[str] | None = None) -> None:
        """Send the rows of these packets (`packet_data`'s input) to the workers, in the background.
        The workers lint at once those of the `todo` packets (None: all) whose lint reads no related
        earlier incident (`reads_related_earlier`)."""
        for first in range(0, len(incidents), PACKETS_PER_TASK):
            chunk = list(incidents[first : first + PACKETS_PER_TASK])
            keys = [inc["incident"] for inc in chunk]
            rows = {name: {k: by_key[k] for k in keys if k in by_key} for name, by_key in part.items()}
            self._post(chunk, ("rows", chunk, rows, frozenset(keys) if todo is None else todo.intersection(keys)))

    def feed_packed(self, incidents: Sequence[dict[str, Any]], packed: list[bytes], shared: Parts) -> None:
        """`feed` of these packets (all linted), each given as the pickle of its row and its own parts'
        rows (`pack`: the bytes a caller digested), and with the `shared` parts' rows of them."""
        chunk = list(incidents)
        keys = [inc["incident"] for inc in chunk]
        rows = {name: {k: by_key[k] for k in keys if k in by_key} for name, by_key in shared.items()}
        self._post(chunk, ("packed", packed, rows, frozenset(keys)))

    def _post(self, incidents: list[dict[str, Any]], message: tuple[Any, ...]) -> None:
        self.fed.update(inc["incident"] for inc in incidents)
        self.incidents.extend(incidents)  # (their source files name them: `cited_names`)
        self._outbox.put(message)

    def _feed(self) -> None:
        n = 0
        while (message := self._outbox.get()) is not None:
            if self.failed:
                continue  # (drained: nobody reads what a failed worker would be sent)
            try:
                pipes.send(self._input(n % len(self.workers)), message)
            except pipes.Failed:
                self.failed = True
            n += 1

    def _fed_all(self) -> None:
        """Wait until every message posted was sent (or a worker failed)."""
        if self.feeding.is_alive():
            self._outbox.put(None)
            self.feeding.join()

    def lint(self, todo: frozenset[str], related: dict[str, tuple[str, ...]]) -> dict[str, IncidentLint] | None:
        """The lint of the `todo` packets (each fed) by key, with the related earlier incidents
        `related` less their follow-ups (`facts_without_follow_ups`); None when a worker failed or
        did not answer by the deadline (the workers are killed then: a read or write to one fails)."""
        watchdog = threading.Timer(answer_deadline(len(self.fed)), self._kill)
        watchdog.daemon = True
        watchdog.start()
        try:
            return self._lint(todo, related)
        finally:
            watchdog.cancel()

    def _kill(self) -> None:
        for worker in self.workers:
            worker.kill()

    def _lint(self, todo: frozenset[str], related: dict[str, tuple[str, ...]]) -> dict[str, IncidentLint] | None:
        self._fed_all()
        if self.failed or not todo <= self.fed:
            return None
        try:
            files = {inc["incident"]: inc["source_file"] for inc in self.incidents}
            self._tell_all(("facts", cited_names(related, files)))
            facts: dict[str, FollowUpFacts] = {}
            for got in self._answers():
                facts.update((f.key, f) for f in got)
            assert facts.keys() == self.fed, "a worker lost packets"
            self._tell_all(("lint", todo, facts_without_follow_ups(facts, related)))
            out: dict[str, IncidentLint] = {}
            for got in self._answers():
                out.update((e.key, e) for e in got)
            assert out.keys() == todo, "a worker lost results"
            return out
        except pipes.Failed:
            return None

    def stop(self) -> None:
        if self.feeding.is_alive():
            self._kill()  # (stopped before `lint`: what is still queued is for nobody)
            self._fed_all()
        pipes.stop(self.workers)

    def _input(self, k: int) -> IO[bytes]:
        stream = self.workers[k].stdin
        assert stream is not None
        return stream

    def _tell_all(self, message: object) -> None:
        try:
            for k in range(len(self.workers)):
                pipes.send(self._input(k), message)
        except pipes.Failed:
            self.failed = True

    def _answers(self) -> Iterator[list[Any]]:
        if self.failed:
            raise EOFError("a worker failed")
        for worker in self.workers:
            assert worker.stdout is not None
            got = pipes.receive(worker.stdout)
            assert isinstance(got, list)
            yield got


def unpack(packed: list[bytes], shared: Parts) -> tuple[list[dict[str, Any]], Parts]:
    """The `packet_incidents` rows and parts (`packet_data`'s input) of `pack`'s pickles (kb.lint.runner) and the
    `shared` parts' rows."""
    incidents = []
    part: Parts = {name: {} for name in OWN_PARTS}
    for raw in packed:
        incident, own = pickle.loads(raw)  # noqa: S301 - from the process that started this one
        incidents.append(incident)
        for name, rows in zip(OWN_PARTS, own, strict=True):
            if rows is not None:
                part[name][incident["incident"]] = rows
    return incidents, {**part, **shared}


class _NotYetKnown(Mapping[str, tuple[str, ...]]):
    """`LintContext.related_earlier` before it is worked out: reading it is an error."""

    def __getitem__(self, key: str) -> tuple[str, ...]:
        raise RuntimeError("related_earlier read before it is known (see reads_related_earlier)")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("related_earlier read before it is known (see reads_related_earlier)")

    def __len__(self) -> int:
        raise RuntimeError("related_earlier read before it is known (see reads_related_earlier)")


def _serve() -> None:
    """The worker: a Setup, then rows to build packets of, then the follow-up facts and the lint
    asked for, on stdin; answers on stdout; until stdin closes."""
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    # No cyclic collection (as in kb.lint.runner.lint_graph): packets and findings are acyclic.
    gc.freeze()
    gc.disable()
    setup = pipes.receive(inp)
    assert isinstance(setup, Setup)
    plan = _plan(setup.config)
    # Packets linted as they come, before the related earlier incidents are known: a rule that
    # read them would get an error (the worker dies, the caller lints), never a wrong answer.
    before_related = LintContext(
        now=setup.now,
        related_links=setup.related_links,
        known_incidents=setup.known_incidents,
        related_earlier=_NotYetKnown(),
    )
    packets = []
    linted: dict[str, IncidentLint] = {}
    for message in pipes.messages(inp):
        assert isinstance(message, tuple)
        kind = message[0]
        if kind in ("rows", "packed"):
            incidents, part = (message[1], message[2]) if kind == "rows" else unpack(message[1], message[2])
            read = _validated(packet_data(incidents, part))
            packets.extend(read)
            for p in read:
                if p.key in message[3] and not reads_related_earlier(p):
                    linted[p.key] = _lint_one(p, setup.config, plan, before_related)
        elif kind == "facts":
            names = message[1]
            pipes.send(out, [follow_up_facts(p, names.get(p.key, frozenset())) for p in packets])
        elif kind == "lint":
            todo, related = message[1], message[2]
            context = LintContext(
                now=setup.now,
                related_links=setup.related_links,
                known_incidents=setup.known_incidents,
                related_earlier=related,
            )
            pipes.send(
                out,
                [
                    linted[p.key] if p.key in linted else _lint_one(p, setup.config, plan, context)
                    for p in packets
                    if p.key in todo
                ],
            )
        else:
            raise ValueError(f"unknown message {kind!r}")


__all__ = ["PARALLEL_MIN_PACKETS", "LintWorkers", "Setup", "answer_deadline", "unpack"]

if __name__ == "__main__":
    from kb.lint.workers import _serve as serve  # (the Job the caller pickles is that module's, not __main__'s)

    serve()
