"""The only package that knows which graph databases exist.

`open_engine` picks one from explicit arguments or the environment:
NEO4J_URI (with NEO4J_USERNAME, NEO4J_PASSWORD, NEO4J_DATABASE) selects Neo4j;
otherwise the embedded Ladybug database at KB_DB or the default path.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kb.engines.base import DatabaseMissing, Engine, EngineConflict, EngineError, EngineUnavailable

if TYPE_CHECKING:
    from kb.engines.neo4j_settings import Neo4jSettings

__all__ = [
    "DatabaseMissing",
    "Engine",
    "EngineConflict",
    "EngineError",
    "EngineUnavailable",
    "default_db_path",
    "open_engine",
    "unopened",
]


def default_db_path() -> Path:
    if os.environ.get("KB_DB"):
        return Path(os.environ["KB_DB"]).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "incident-kb" / "graph.lbug"


def _choice(engine: str | None) -> str:
    return engine or os.environ.get("KB_ENGINE") or ("neo4j" if os.environ.get("NEO4J_URI") else "ladybug")


@dataclass(frozen=True)
class Unopened:
    """What a reader would see of a database without loading anything of its graph: its description,
    the id of its current content, and where the files derived from that content are kept."""

    description: str
    snapshot: str
    cache_path: Callable[[str], Path]


def unopened(engine: str | None = None, db: str | Path | None = None) -> Unopened | None:
    """The snapshot id and cache files of the database a read-only `open_engine` would open (None: an
    embedded one with no such file or no known snapshot id, a server that cannot be asked, or one
    that keeps no files). The embedded database is not opened: its file says. A server is asked
    for its snapshot id alone, over Bolt without the driver (kb.engines.neo4j_peek) where it can be."""
    if _choice(engine) == "neo4j":
        return _server_peek()
    if _choice(engine) != "ladybug":
        return None
    from kb.engines import ladybug_files as files

    path = Path(db or default_db_path()).expanduser()
    if path.name.strip() == files.MEMORY or not path.is_file() or files.pending_recovery(path):
        return None  # Ladybug's log beside the file holds writes kb did not make: only opening shows them
    snapshot = files.read_generation(path)
    if snapshot is None:
        return None

    def beside(name: str) -> Path:
        return path.with_name(f"{path.name}.{name}")

    return Unopened(files.description(path, read_only=True), snapshot, beside)


def _server_peek() -> Unopened | None:
    """Neo4j's snapshot id and its cache folder's files; None where the server cannot be asked (the
    engine, opened after, says why) or there is no cache folder. Asked without the driver where
    kb.engines.neo4j_peek can (a bolt:// URI): importing it was most of a kept answer's time."""
    from kb.engines.neo4j_peek import NOT_ASKED, peek
    from kb.engines.neo4j_settings import cache_folder, description

    try:
        settings = _neo4j_settings()
    except EngineError:
        return None
    snapshot = peek(settings)
    if snapshot == NOT_ASKED:
        return _driver_peek()
    folder = cache_folder(settings)
    if snapshot is None or folder is None:
        return None
    return Unopened(description(settings), snapshot, folder.joinpath)


def _driver_peek() -> Unopened | None:
    """_server_peek through the engine, for the URIs the driver alone speaks to (routing, TLS)."""
    try:
        engine = open_engine("neo4j")
    except EngineError:
        return None
    try:
        snapshot = engine.snapshot()
        folder = engine.cache_path("")
    finally:
        engine.close()
    if snapshot is None or folder is None:
        return None
    return Unopened(engine.description, snapshot, folder.joinpath)


def _neo4j_settings() -> Neo4jSettings:
    """The server NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD and NEO4J_DATABASE name."""
    from kb.engines.neo4j_settings import Neo4jSettings

    uri = os.environ.get("NEO4J_URI")
    if not uri:
        raise EngineError("the neo4j engine needs NEO4J_URI (e.g. bolt://localhost:7687)")
    return Neo4jSettings(
        uri=uri,
        user=os.environ.get("NEO4J_USERNAME", "neo4j"),
        password=os.environ.get("NEO4J_PASSWORD", ""),
        database=os.environ.get("NEO4J_DATABASE", "neo4j"),
    )


def open_engine(engine: str | None = None, db: str | Path | None = None, read_only: bool = False) -> Engine:
    """`engine` is "ladybug", "neo4j" or None (NEO4J_URI decides).

    `read_only` opens the embedded database without its write lock, so readers never block each other
    or a writer; it raises DatabaseMissing when there is no database yet. A server needs no such mode."""
    choice = _choice(engine)
    if choice == "ladybug":
        from kb.engines.ladybug_engine import LadybugEngine

        return LadybugEngine(db or default_db_path(), read_only=read_only)
    if choice == "neo4j":
        from kb.engines.neo4j_engine import Neo4jEngine

        return Neo4jEngine(_neo4j_settings())
    raise EngineError(f"unknown engine {choice!r}: expected 'ladybug' or 'neo4j'")
