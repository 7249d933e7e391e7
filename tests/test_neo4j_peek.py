"""The snapshot id of a Neo4j database asked over Bolt without the driver (kb.engines.neo4j_peek): the
same id the engine reads, moved by every write, None where the server cannot be asked, and left to
the driver for URIs it alone speaks to; a kept answer then prints without importing the driver."""

from __future__ import annotations

import dataclasses
import json
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kb.engines import unopened
from kb.engines.neo4j_engine import Neo4jEngine, Neo4jSettings
from kb.engines.neo4j_peek import NOT_ASKED, peek
from kb.knowledge_base import KnowledgeBase

from .cli_probe import run_kb
from .loop_fixture import loop_packets
from .test_neo4j_driver import _env

pytestmark = pytest.mark.neo4j

ROOT = Path(__file__).resolve().parents[1]

_PEEK = (
    "import json, sys\n"
    "from kb.engines import unopened\n"
    "p = unopened('neo4j')\n"
    "print(json.dumps([p and p.snapshot, p and p.description, 'neo4j' in sys.modules]))\n"
)


def _peek_in_a_process(settings: Neo4jSettings) -> list[object]:
    out = subprocess.run(
        [sys.executable, "-c", _PEEK], capture_output=True, text=True, check=True, env=_env(settings), cwd=ROOT
    )
    return list(json.loads(out.stdout))


def test_the_peek_reads_the_engines_snapshot_without_the_driver(neo4j_engine: Neo4jEngine) -> None:
    before = neo4j_engine.snapshot()
    assert before is not None
    assert _peek_in_a_process(neo4j_engine.settings) == [before, neo4j_engine.description, False]
    neo4j_engine.write([("CREATE (:KbPeekProbe)", {})])
    neo4j_engine.write([("MATCH (n:KbPeekProbe) DELETE n", {})])
    after = neo4j_engine.snapshot()
    assert after not in (None, before)
    assert peek(neo4j_engine.settings) == after, "every write moves it, as it moves the engine's"


def test_a_server_that_refuses_the_request_gives_none(neo4j_engine: Neo4jEngine) -> None:
    # No such database: the server fails BEGIN (and ignores what follows), as it failed the driver's.
    assert peek(dataclasses.replace(neo4j_engine.settings, database="nosuchdatabase")) is None
    assert peek(dataclasses.replace(neo4j_engine.settings, uri="bolt://127.0.0.1:9")) is None  # nobody listens


def test_uris_the_driver_alone_speaks_to_are_left_to_it(
    neo4j_engine: Neo4jEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = neo4j_engine.settings
    host = settings.uri.removeprefix("bolt://")
    for uri in (f"neo4j://{host}", f"bolt+s://{host}", f"bolt://{host}?policy=x", f"bolt://u:p@{host}"):
        assert peek(dataclasses.replace(settings, uri=uri)) == NOT_ASKED, uri
    for name, value in _env(settings).items():
        if name.startswith("NEO4J_"):
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("NEO4J_URI", f"neo4j://{host}")  # routing: asked through the driver
    routed = unopened("neo4j")
    assert routed is not None and routed.snapshot == neo4j_engine.snapshot()


@pytest.mark.parametrize("command", [["stats"], ["hotspots"], ["repeats", "--format", "json"]])
def test_a_kept_answer_prints_the_same_bytes_without_the_driver(
    neo4j_kb: KnowledgeBase,
    neo4j_engine: Neo4jEngine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
) -> None:
    env = {k: v for k, v in _env(neo4j_engine.settings).items() if k.startswith("NEO4J_")}
    env["KB_CACHE_DIR"] = str(tmp_path / "cache")
    monkeypatch.setenv("KB_CACHE_DIR", env["KB_CACHE_DIR"])  # the counts this ingest keeps
    neo4j_kb.ingest_packets(loop_packets())
    first, err, _, code = run_kb(*command, watch=("neo4j",), env=env)
    assert code == 0, err[-2000:]
    again, err, loaded, code = run_kb(*command, watch=("neo4j",), env=env)
    assert code == 0, err[-2000:]
    assert again == first
    assert loaded == [], "a kept answer is found by the snapshot alone: the driver is not imported"


@pytest.mark.parametrize("reply", [b"\x00\x03\xb1\x70\xa1\x00\x00", b"\x00\x02\xb1\xe0\x00\x00", b"\x00\x05\xb1"])
def test_a_reply_bolt_does_not_allow_gives_none(reply: bytes) -> None:
    """A truncated map, an unknown marker, a connection closed mid-chunk: None, never a crash."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]

        def answer() -> None:
            conn, _ = server.accept()
            with conn:
                conn.recv(20)  # the magic and the version proposals
                conn.sendall(b"\x00\x00\x04\x05" + reply)

        thread = threading.Thread(target=answer)
        thread.start()
        assert peek(Neo4jSettings(f"bolt://127.0.0.1:{port}", connect_seconds=2.0)) is None
        thread.join()
