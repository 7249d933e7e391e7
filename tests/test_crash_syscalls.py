"""kill -9 at every file-system step of an embedded write, not only at kb's own kill points.

strace stops a writer with SIGKILL at the n-th call of one syscall (unlink, rename, fsync, ...),
for every n that a clean write makes, so the kill lands inside Ladybug's own checkpoint and
close as well as inside kb's copy-and-swap. After each kill:

- the database opens for writing and for reading;
- it holds the write's rows all or none;
- the next write adds exactly its own rows: a killed write that did not land never comes
  back with a later one (a leftover checkpoint of the killed copy replayed into the next).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kb.engines.ladybug_engine import LadybugEngine
from tests.conftest import ROOT

STRACE = shutil.which("strace")

ROWS = 2_000  # enough pages that the checkpoint writes, syncs and renames like a real ingest's

WRITER = f"""
import sys
from kb.engines.ladybug_engine import LadybugEngine
engine = LadybugEngine(sys.argv[1])
if sys.argv[2] == "init":
    engine.write([("CREATE NODE TABLE Probe(k STRING, PRIMARY KEY(k))", {{}})])
engine.write([("UNWIND range(1, {ROWS}) AS i CREATE (:Probe {{k: $tag + '-' + string(i)}})", {{"tag": sys.argv[2]}})])
engine.close()
"""

# Every call of these in a clean write is a kill point; pwrite64 (hundreds) is sampled.
EVERY_CALL = ("unlink", "rename", "fsync", "fdatasync", "ftruncate")
SAMPLED = {"pwrite64": 12}


def _strace_works() -> str | None:
    if STRACE is None:
        return "strace is not installed (apt install strace): the syscall-level kill test needs it"
    probe = subprocess.run([STRACE, "-f", "-o", os.devnull, "true"], capture_output=True, text=True, check=False)
    return None if probe.returncode == 0 else f"strace cannot trace here: {probe.stderr.strip()[:200]}"


pytestmark = pytest.mark.skipif(_strace_works() is not None, reason=str(_strace_works()))


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_FAULT")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _write(script: Path, db: Path, tag: str, strace: list[str] | None = None) -> int:
    cmd = [*(strace or []), sys.executable, str(script), str(db), tag]
    done = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode in (0, -signal.SIGKILL, 128 + signal.SIGKILL), done.stderr[-2000:]
    return done.returncode


def _keys(engine: LadybugEngine) -> set[str]:
    return {k for (k,) in engine.read_rows("MATCH (p:Probe) RETURN p.k")[1]}


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, int]]:
    """A database holding the rows of tag a, the writer script, and each syscall's count in a write."""
    root = tmp_path_factory.mktemp("syscall-kill")
    script = root / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    template = root / "template" / "graph.lbug"
    assert _write(script, template, "init") == 0
    trace = root / "trace.txt"
    traced = root / "traced" / "graph.lbug"
    shutil.copytree(template.parent, traced.parent)
    names = ",".join((*EVERY_CALL, *SAMPLED))
    assert _write(script, traced, "b", [STRACE or "", "-f", "-qq", "-o", str(trace), "-e", f"trace={names}"]) == 0
    text = trace.read_text(encoding="utf-8")
    counts = {name: text.count(f" {name}(") for name in (*EVERY_CALL, *SAMPLED)}
    assert counts["unlink"] and counts["rename"] and counts["fsync"], counts
    return script, template, counts


def _kill_points(name: str, count: int) -> list[int]:
    if name not in SAMPLED:
        return list(range(1, count + 1))
    step = max(1, count // SAMPLED[name])
    return list(range(1, count + 1, step))


@pytest.mark.timeout(900)
@pytest.mark.parametrize("syscall", [*EVERY_CALL, *SAMPLED])
def test_a_kill_at_any_call_leaves_all_or_nothing_and_no_ghost(
    syscall: str, setup: tuple[Path, Path, dict[str, int]], tmp_path: Path
) -> None:
    script, template, counts = setup
    before = {f"init-{i}" for i in range(1, ROWS + 1)}
    written = {f"b-{i}" for i in range(1, ROWS + 1)}
    later = {f"c-{i}" for i in range(1, ROWS + 1)}
    kills = 0
    for n in _kill_points(syscall, counts[syscall]):
        db = tmp_path / f"{syscall}-{n}" / "graph.lbug"
        shutil.copytree(template.parent, db.parent)
        inject = [STRACE or "", "-f", "-qq", "-o", os.devnull, "-e", f"inject={syscall}:signal=SIGKILL:when={n}"]
        kills += _write(script, db, "b", inject) != 0
        what = f"killed at {syscall} call {n}"

        engine = LadybugEngine(db)  # a writer: it must open, whatever the kill left
        try:
            seen = _keys(engine)
            assert seen in (before, before | written), f"{what}: a partial write ({len(seen)} rows)"
            engine.write([("UNWIND range(1, $n) AS i CREATE (:Probe {k: 'c-' + string(i)})", {"n": ROWS})])
            assert _keys(engine) == seen | later, f"{what}: the next write did not add exactly its own rows"
        finally:
            engine.close()
        reader = LadybugEngine(db, read_only=True)
        try:
            assert _keys(reader) == seen | later, f"{what}: a reader sees other rows than the writer wrote"
        finally:
            reader.close()
    assert kills >= 1, f"no call of {syscall} was killed"
