"""The Neo4j driver imported without numpy, pandas and pyarrow (kb.engines.neo4j_driver): the values
of theirs kb may send still arrive as the driver sent them, and a server's kept files are found
without loading the graph (kb.engines.unopened)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kb.engines import unopened
from kb.engines.neo4j_engine import Neo4jEngine, Neo4jSettings

pytestmark = pytest.mark.neo4j

ROOT = Path(__file__).resolve().parents[1]


def _env(settings: Neo4jSettings) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "NEO4J_URI": settings.uri,
        "NEO4J_USERNAME": settings.user,
        "NEO4J_PASSWORD": settings.password,
        "NEO4J_DATABASE": settings.database,
    }


def test_the_engine_loads_no_numpy_pandas_or_pyarrow() -> None:
    code = "import sys, kb.engines.neo4j_engine; print([m for m in ('numpy', 'pandas', 'pyarrow') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**os.environ})
    assert out.stdout.strip() == "[]"


# Read back in a process whose driver was imported without numpy and pandas (as the CLI's is):
# each value must arrive as the driver with them sent it.
_ROUND_TRIP = """
import json, os
from kb.engines.neo4j_engine import Neo4jEngine, Neo4jSettings
import numpy as np, pandas as pd
engine = Neo4jEngine(Neo4jSettings(os.environ["NEO4J_URI"], os.environ["NEO4J_USERNAME"],
                                   os.environ["NEO4J_PASSWORD"], os.environ["NEO4J_DATABASE"]))
params = {"i": np.int64(3), "f": np.float64(2.5), "b": np.bool_(True), "a": np.array([1, 2]),
          "na": pd.NA, "nat": pd.NaT, "s": pd.Series(["x", "y"]), "m": {"k": [np.int32(7)]}}
cypher = "RETURN " + ", ".join(f"${k} AS {k}" for k in params)
columns, rows = engine.read_rows(cypher, params)
engine.write([("CREATE (n:KbDriverProbe {v: $v})", {"v": np.int64(5)})])
_, written = engine.read_rows("MATCH (n:KbDriverProbe) RETURN n.v AS v", {})
engine.write([("MATCH (n:KbDriverProbe) DELETE n", {})])
engine.close()
print(json.dumps({"read": dict(zip(columns, rows[0])), "written": written}))
"""


def test_numpy_and_pandas_parameters_arrive_as_plain_values(neo4j_engine: Neo4jEngine) -> None:
    out = subprocess.run(
        [sys.executable, "-c", _ROUND_TRIP],
        capture_output=True,
        text=True,
        env=_env(neo4j_engine.settings),
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["read"] == {
        "i": 3,
        "f": 2.5,
        "b": True,
        "a": [1, 2],
        "na": None,
        "nat": None,
        "s": ["x", "y"],
        "m": {"k": [7]},
    }
    assert got["written"] == [[5]]


def test_a_server_is_peeked_at_for_its_snapshot_and_kept_files(
    neo4j_engine: Neo4jEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in _env(neo4j_engine.settings).items():
        if name.startswith("NEO4J_"):
            monkeypatch.setenv(name, value)
    peek = unopened("neo4j")
    assert peek is not None
    assert peek.snapshot == neo4j_engine.snapshot()
    assert peek.description == neo4j_engine.description
    assert peek.cache_path("counts.json") == neo4j_engine.cache_path("counts.json")
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:9")  # nothing listens there
    assert unopened("neo4j") is None, "a server that cannot be asked is not peeked at: opening it says why"
