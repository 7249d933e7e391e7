"""Shared bench helpers: engines to measure on, timing, printing."""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import kb
from kb.analysis.hooks import DEFAULT_HOOKS
from kb.engines.neo4j_engine import Neo4jEngine, Neo4jSettings
from kb.knowledge_base import KnowledgeBase

ROOT = Path(__file__).resolve().parents[1]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def fresh_ladybug() -> KnowledgeBase:
    return kb.connect(engine="ladybug", db=Path(tempfile.mkdtemp(prefix="kb-bench-")) / "g.lbug")


@contextmanager
def neo4j_server() -> Iterator[Neo4jSettings | None]:
    """NEO4J_URI's server, else a throwaway one (None when neither is possible)."""
    if os.environ.get("NEO4J_URI"):
        yield Neo4jSettings(
            os.environ["NEO4J_URI"],
            os.environ.get("NEO4J_USERNAME", "neo4j"),
            os.environ.get("NEO4J_PASSWORD", ""),
            os.environ.get("NEO4J_DATABASE", "neo4j"),
        )
        return
    spec = importlib.util.spec_from_file_location("neo4j_server", ROOT / "scripts" / "neo4j_server.py")
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    sys.modules["neo4j_server"] = script
    spec.loader.exec_module(script)
    try:
        server = script.start()
    except Exception as exc:  # noqa: BLE001 - reported, the Neo4j part is skipped
        print(f"neo4j: skipped ({exc})".splitlines()[0])
        yield None
        return
    try:
        yield Neo4jSettings(server.uri, server.user, server.password, server.database)
    finally:
        server.stop()


def fresh_neo4j(settings: Neo4jSettings) -> KnowledgeBase:
    kbase = KnowledgeBase(Neo4jEngine(settings), DEFAULT_HOOKS)  # the hooks kb.connect() wires
    kbase.reset()
    kbase.init_schema()
    return kbase
