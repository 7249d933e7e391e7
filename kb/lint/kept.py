"""Every incident's lint kept beside the database for the content it was computed from, so `kb check
--all` asked again reads it instead of rebuilding 10,000 packets and running every rule on them.

At 10,000 incidents a computed `kb check --all` spent about 8 CPU s reading the packets back from
the graph and 7 s in the rules; loading the kept results takes a fraction of a second. Like the
printed rows of kb.cli.kept_output, a file is keyed by the snapshot id of the content it was computed
from (every write changes it) and kept only if no write showed while computing, so any process that
computed it may save it and none can ever read another content's results. The file name carries a
digest of the lint settings (rules on/off, levels, thresholds, severity policy); the file holds a
digest of the code that computed it, so results of an older version are computed again.

Only untracked-finding depends on today (the finding's age), so each incident keeps the findings
nothing tracks rather than that rule's hits, and their age is judged when the results are read.

After a write, the first `kb check --all` reads every packet back but lints again only the incidents
whose lint inputs changed: each incident's results are kept with a digest of what they were computed
from (its packet as read from the graph, its RELATED_TO links, its related earlier incidents and
their packets), and the file keeps the incident ids a review could cite (kb.lint.runner).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from kb.atomic_file import kept_or_computed, read_keyed_json, write_keyed_json
from kb.lint.graveyard import Untracked
from kb.lint.model import Level, LintFinding

FORMAT = "kb-lint-3"
"""Bump when what is kept changes shape: other files are computed again."""

_LEVELS = {lv.value: lv for lv in Level}


@dataclass(frozen=True)
class IncidentLint:
    """One incident's lint apart from today's date: the findings of every rule but untracked-finding
    (in rule order, not yet sorted), and the findings nothing tracks, for untracked-finding to age."""

    key: str
    findings: tuple[LintFinding, ...]
    untracked: tuple[Untracked, ...]
    inputs: str = ""
    """A digest of what the results were computed from (kb.lint.runner), "" when not known."""
    own: str = ""
    """A digest of the incident's own rows as read from the graph (its packet but the parts shared
    nodes give: kb.graph.reader.SHARED_PARTS), "" when not known: an ingest that did not write its
    packet (kb.graph.change_log) left them as they were."""


@dataclass(frozen=True)
class Previous:
    """What a run kept for earlier content (same settings, same code): each incident's results by
    id, and the incident ids its reviews could cite then."""

    entries: dict[str, IncidentLint]
    known: frozenset[str]
    snapshot: str | None = None
    """The content they were computed from."""


def file_name(settings: Any) -> str:
    """The file for these lint settings (any JSON-able description of them)."""
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return f"lint-{digest}.json"


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of the code that reads packets back and lints them: the rules, the prose readers, the
    model, the graph reader and the named queries (a kept result of other code is computed again)."""
    from kb.graph.catalogue import catalogue_dir  # noqa: PLC0415 (only when keeping)

    kb_dir = Path(__file__).resolve().parents[1]
    files = [p for part in ("lint", "analysis", "model", "graph") for p in (kb_dir / part).rglob("*.py")]
    files += list(catalogue_dir().rglob("*.cypher"))
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


Computed = tuple[list[IncidentLint], frozenset[str]]
"""Every incident's results and the incident ids its reviews could cite."""


def kept(kbase: Any, settings: Any, compute: Callable[[Previous | None], Computed]) -> list[IncidentLint]:
    """The results kept for the content this connection sees and these settings, else `compute()`'s
    (given what was kept for earlier content, if anything), kept when the engine keeps files and no
    write showed while computing."""
    read: list[dict[str, Any]] = []  # the file as found, whatever content it was kept for: read once

    def load_it(path: Path, snapshot: str) -> Computed | None:
        data = _read(path)
        if data is None:
            return None
        read.append(data)
        return _parse(data) if data.get("snapshot") == snapshot else None

    def computed() -> Computed:
        return compute(_previous(read[0]) if read else None)

    return kept_or_computed(kbase, file_name(settings), load_it, computed, _save_computed)[0]


def _read(path: Path) -> dict[str, Any] | None:
    return read_keyed_json(path, FORMAT, None)  # kept for whatever content: reusable per incident


def _load_computed(path: Path, snapshot: str) -> Computed | None:
    data = read_keyed_json(path, FORMAT, snapshot)
    return None if data is None else _parse(data)


def _save_computed(path: Path, snapshot: str, value: Computed) -> None:
    save(path, snapshot, value[0], value[1])


def save(path: Path, snapshot: str, entries: list[IncidentLint], known: frozenset[str] = frozenset()) -> None:
    body = {
        "code": code_digest(),
        "known": sorted(known),
        "incidents": [
            [
                e.key,
                [[f.rule, f.level.value, f.location, f.evidence, f.message, f.fix] for f in e.findings],
                [[u.location, u.statement, u.status, u.since.isoformat()] for u in e.untracked],
                e.inputs,
                e.own,
            ]
            for e in entries
        ],
    }
    write_keyed_json(path, FORMAT, snapshot, body)


def load(path: Path, snapshot: str) -> list[IncidentLint] | None:
    """What `save` kept at `path` for `snapshot` with this code; None when there is nothing usable."""
    found = _load_computed(path, snapshot)
    return None if found is None else found[0]


def _previous(data: dict[str, Any]) -> Previous | None:
    found = _parse(data)
    if found is None:
        return None
    snapshot = data.get("snapshot")
    return Previous({e.key: e for e in found[0]}, found[1], snapshot if isinstance(snapshot, str) else None)


def _parse(data: dict[str, Any]) -> Computed | None:
    if data.get("code") != code_digest():
        return None
    try:
        entries = [
            IncidentLint(
                str(key),
                tuple(
                    LintFinding(rule, _LEVELS[level], key, location, evidence, message, fix)
                    for rule, level, location, evidence, message, fix in findings
                ),
                tuple(
                    Untracked(location, statement, status, datetime.fromisoformat(since))
                    for location, statement, status, since in untracked
                ),
                str(inputs),
                str(own),
            )
            for key, findings, untracked, inputs, own in data["incidents"]
        ]
        return entries, frozenset(str(k) for k in data["known"])
    except (TypeError, KeyError, ValueError):
        return None  # damaged: compute again


__all__ = [
    "FORMAT",
    "Computed",
    "IncidentLint",
    "Previous",
    "code_digest",
    "file_name",
    "kept",
    "load",
    "save",
]
