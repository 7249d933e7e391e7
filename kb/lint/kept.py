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

FORMAT = "kb-lint-1"
"""Bump when what is kept changes shape: other files are computed again."""

_LEVELS = {lv.value: lv for lv in Level}


@dataclass(frozen=True)
class IncidentLint:
    """One incident's lint apart from today's date: the findings of every rule but untracked-finding
    (in rule order, not yet sorted), and the findings nothing tracks, for untracked-finding to age."""

    key: str
    findings: tuple[LintFinding, ...]
    untracked: tuple[Untracked, ...]


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


def kept(kbase: Any, settings: Any, compute: Callable[[], list[IncidentLint]]) -> list[IncidentLint]:
    """The results kept for the content this connection sees and these settings, else `compute()`'s,
    kept when the engine keeps files and no write showed while computing."""
    return kept_or_computed(kbase, file_name(settings), load, compute, save)


def save(path: Path, snapshot: str, entries: list[IncidentLint]) -> None:
    body = {
        "code": code_digest(),
        "incidents": [
            [
                e.key,
                [[f.rule, f.level.value, f.location, f.evidence, f.message, f.fix] for f in e.findings],
                [[u.location, u.statement, u.status, u.since.isoformat()] for u in e.untracked],
            ]
            for e in entries
        ],
    }
    write_keyed_json(path, FORMAT, snapshot, body)


def load(path: Path, snapshot: str) -> list[IncidentLint] | None:
    """What `save` kept at `path` for `snapshot` with this code; None when there is nothing usable."""
    data = read_keyed_json(path, FORMAT, snapshot)
    if data is None or data.get("code") != code_digest():
        return None
    try:
        return [
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
            )
            for key, findings, untracked in data["incidents"]
        ]
    except (TypeError, KeyError, ValueError):
        return None  # damaged: compute again


__all__ = ["FORMAT", "IncidentLint", "code_digest", "file_name", "kept", "load", "save"]
