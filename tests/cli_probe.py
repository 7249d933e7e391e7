"""One `kb` process whose last line of stderr says which heavy modules it loaded: the tests that
check a command answers from kept files without importing pandas, scipy or the engine."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_kb(*args: str, watch: tuple[str, ...], env: Mapping[str, str] | None = None) -> tuple[str, str, list[str], int]:
    """(stdout, stderr without the probe line, the modules of `watch` loaded, exit code); `env`: set
    for the process (NEO4J_* and KB_ENGINE are otherwise unset)."""
    probe = (
        "import sys, atexit\n"
        "atexit.register(lambda: sys.stderr.write('\\nloaded: ' + ' '.join(sorted("
        f"m for m in {watch!r} if m in sys.modules))))\n"
        "from kb.cli import main\n"
        "main()\n"
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("KB_ENGINE", "NEO4J_"))}
    environ |= {"PYTHONPATH": str(ROOT), "COLUMNS": "160", **(env or {})}
    done = subprocess.run(
        [sys.executable, "-c", probe, *args], env=environ, capture_output=True, text=True, timeout=300, check=False
    )
    err, _, loaded = done.stderr.rpartition("\nloaded: ")
    return done.stdout, err, loaded.split(), done.returncode
