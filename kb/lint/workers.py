"""Validating and linting packets on every core: the first `kb check --all` at 10,000 incidents
spent most of its time making pydantic packets and running the rules on them, one at a time.

The reading process sends each worker (kb.workers, `python -m kb.lint.workers`) the rows of some
packets as soon as they are read (each worker builds, validates and keeps its packets), then asks
every worker for what the follow-up check reads of them (`FollowUpFacts`: a related packet may be
another worker's), works out each incident's related earlier ones, and has the workers lint their
packets with them. A worker that dies, or cannot be started, costs time, not results: the caller
lints in its own process (`lint_in_workers` answers None).
"""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kb import workers as pipes
from kb.graph.reader import Parts, packet_data
from kb.lint.config import LintConfig
from kb.lint.kept import IncidentLint
from kb.lint.model import LintContext
from kb.lint.runner import (
    FollowUpFacts,
    _lint_one,
    _plan,
    _validated,
    facts_without_follow_ups,
    follow_up_facts,
    related_texts,
)

PARALLEL_MIN_PACKETS = 2000
"""Below this many packets to lint, one process is faster than starting workers (~1 CPU s each)."""
PACKETS_PER_TASK = 200


@dataclass(frozen=True)
class Job:
    """What every worker is told first: the settings and the facts beyond one packet."""

    config: LintConfig
    now: datetime
    related_links: dict[str, int]
    known_incidents: frozenset[str]
    todo: frozenset[str]
    """The packets to lint; the others are only read for the follow-up check."""
    texts_of: frozenset[str]
    """The packets whose prose the follow-up check reads (`related_texts`)."""


def lint_in_workers(
    incidents: Sequence[dict[str, Any]], part: Parts, job: Job, related: dict[str, tuple[str, ...]]
) -> dict[str, IncidentLint] | None:
    """The lint of the `job.todo` packets among those the `packet_incidents` rows `incidents` and
    their parts' rows make (`packet_data`), by key, with the related earlier incidents `related`
    less their follow-ups; None when no worker could be started or one failed (lint here instead)."""
    started = [w for w in (pipes.start("kb.lint.workers") for _ in range(pipes.cores())) if w]
    if not started:
        return None
    try:
        return _run(started, incidents, part, job, related)
    except pipes.Failed:
        return None
    finally:
        pipes.stop(started)


def _run(
    workers: list[subprocess.Popen[bytes]],
    incidents: Sequence[dict[str, Any]],
    part: Parts,
    job: Job,
    related: dict[str, tuple[str, ...]],
) -> dict[str, IncidentLint]:
    inputs = [w.stdin for w in workers]
    outputs = [w.stdout for w in workers]
    assert all(inputs) and all(outputs)
    for stream in inputs:
        pipes.send(stream, job)  # type: ignore[arg-type]
    for n, first in enumerate(range(0, len(incidents), PACKETS_PER_TASK)):
        chunk = list(incidents[first : first + PACKETS_PER_TASK])
        keys = [inc["incident"] for inc in chunk]
        rows = {name: {k: by_key[k] for k in keys if k in by_key} for name, by_key in part.items()}
        pipes.send(inputs[n % len(workers)], ("rows", chunk, rows))  # type: ignore[arg-type]
    facts: dict[str, FollowUpFacts] = {}
    for stream in inputs:
        pipes.send(stream, ("facts",))  # type: ignore[arg-type]
    for stream in outputs:
        got = pipes.receive(stream)  # type: ignore[arg-type]
        assert isinstance(got, list)
        facts.update((f.key, f) for f in got)
    assert len(facts) == len(incidents), "a worker lost packets"
    earlier = facts_without_follow_ups(facts, related)
    for stream in inputs:
        pipes.send(stream, ("lint", earlier))  # type: ignore[arg-type]
    out: dict[str, IncidentLint] = {}
    for stream in outputs:
        got = pipes.receive(stream)  # type: ignore[arg-type]
        assert isinstance(got, list)
        out.update((e.key, e) for e in got)
    assert out.keys() == job.todo, "a worker lost results"
    return out


def _serve() -> None:
    """The worker: a Job, then rows to build packets of, then the follow-up facts and the lint asked
    for, on stdin; answers on stdout; until stdin closes."""
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    # No cyclic collection (as in kb.lint.runner.lint_graph): packets and findings are acyclic.
    gc.freeze()
    gc.disable()
    job = pipes.receive(inp)
    assert isinstance(job, Job)
    packets = []
    while True:
        try:
            message = pipes.receive(inp)
        except EOFError:
            return
        assert isinstance(message, tuple)
        kind = message[0]
        if kind == "rows":
            packets.extend(_validated(packet_data(message[1], message[2])))
        elif kind == "facts":
            pipes.send(out, [follow_up_facts(p, p.key in job.texts_of) for p in packets])
        elif kind == "lint":
            context = LintContext(
                now=job.now,
                related_links=job.related_links,
                known_incidents=job.known_incidents,
                related_earlier=message[1],
            )
            plan = _plan(job.config)
            pipes.send(out, [_lint_one(p, job.config, plan, context) for p in packets if p.key in job.todo])
        else:
            raise ValueError(f"unknown message {kind!r}")


__all__ = ["PARALLEL_MIN_PACKETS", "Job", "lint_in_workers", "related_texts"]

if __name__ == "__main__":
    from kb.lint.workers import _serve as serve  # (the Job the caller pickles is that module's, not __main__'s)

    serve()
