"""kb allocates Arrow buffers through malloc unless the user chose a pool: Arrow's default pool keeps
what it frees, which raised a 10,000-packet ingest's peak by ~100 MB (kb.engines.ladybug_columns)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
POOL = (
    "import pyarrow as pa\n"
    "from kb.engines.ladybug_columns import pyarrow_module\n"
    "pyarrow_module()\n"
    "print(pa.default_memory_pool().backend_name)\n"
)


def _pool(env_pool: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if env_pool is not None:
        env["ARROW_DEFAULT_MEMORY_POOL"] = env_pool
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-c", POOL], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_kb_uses_the_system_allocator_by_default() -> None:
    assert _pool(None) == "system"


def test_a_pool_the_user_chose_is_kept() -> None:
    pa = pytest.importorskip("pyarrow")
    others = [name for name in ("mimalloc", "jemalloc") if getattr(pa, f"{name}_memory_pool", None)]
    chosen = next((n for n in others if _try(pa, n)), None)
    if chosen is None:
        pytest.skip("this pyarrow has no pool besides the system's")
    assert _pool(chosen) == chosen


def _try(pa: object, name: str) -> bool:
    try:
        getattr(pa, f"{name}_memory_pool")()
    except NotImplementedError:
        return False
    return True
