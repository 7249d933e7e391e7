"""Where a Neo4j database is and what kb calls it: shared by the engine (kb.engines.neo4j_engine) and
the snapshot peek (kb.engines.neo4j_peek), which must not import the driver."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from kb.engines.base import cache_dir
from kb.redaction import redact


@dataclass(frozen=True)
class Neo4jSettings:
    uri: str
    user: str = "neo4j"
    password: str = ""
    database: str = "neo4j"
    # The driver's defaults (30 s of transaction retries, 30-60 s connection timeouts) made a
    # server killed mid-ingest cost 33-58 s before any message: a few seconds is enough.
    retry_seconds: float = 5.0
    connect_seconds: float = 5.0


def description(settings: Neo4jSettings) -> str:
    return f"neo4j at {redact(settings.uri)} (database {settings.database})"


def cache_folder(settings: Neo4jSettings) -> Path | None:
    """Files derived from the graph are kept in the user's cache (kb.engines.cache_dir), in a folder
    per server and database, named by a digest of the URI and database (never the URI itself, which
    may hold a password); None when there is no writable cache."""
    where = hashlib.sha256(f"{settings.uri}\n{settings.database}".encode()).hexdigest()[:16]
    folder = cache_dir() / "neo4j" / where
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # no writable cache: nothing is kept, everything is computed
    return folder


__all__ = ["Neo4jSettings", "cache_folder", "description"]
