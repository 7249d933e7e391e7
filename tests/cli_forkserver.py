"""`kb` commands in processes forked from a server that has imported kb already (multiprocessing's
forkserver), for a test that starts many and kills them: a fresh `python -m kb` spends ~1.5 CPU s
importing before it does anything, which was most of what tests/test_crash_kill.py spent on its
14 processes an engine. The child runs `kb.cli.main()` as `python -m kb` does, with its own argv and
environment, stdout discarded and stderr to a file; it is a process of its own, which the caller
(or the fault hook in it, KB_FAULT_KILL_AT) kills with SIGKILL.
"""

from __future__ import annotations

import os

# kb.cli.main() sets this before pyarrow is first loaded; kb is loaded here, before main() runs.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

import multiprocessing  # noqa: E402
import sys  # noqa: E402
from collections.abc import Mapping, Sequence  # noqa: E402
from multiprocessing.process import BaseProcess  # noqa: E402
from pathlib import Path  # noqa: E402

import kb.cli  # noqa: E402
import kb.engines.ladybug_engine  # noqa: E402, F401
import kb.engines.neo4j_engine  # noqa: E402, F401
import kb.graph.writer  # noqa: E402, F401
import kb.knowledge_base  # noqa: E402, F401

_CONTEXT = multiprocessing.get_context("forkserver")


def _run(argv: Sequence[str], env: Mapping[str, str], err: str) -> None:
    os.environ.clear()
    os.environ.update(env)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.dup2(os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
    sys.argv = ["kb", *argv]
    code = 0
    try:
        kb.cli.main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    except BaseException:  # what `python -m kb` would print before exiting with 1
        import traceback

        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def start_kb(argv: Sequence[str], env: Mapping[str, str], err: Path) -> BaseProcess:
    """`kb ARGV` with environment `env` (the whole of it) and stderr to `err`, started."""
    _CONTEXT.set_forkserver_preload([__name__])  # the server imports this module, hence kb, once
    process = _CONTEXT.Process(target=_run, args=(list(argv), dict(env), str(err)), daemon=True)
    process.start()
    return process


def stop_server() -> None:
    """End the fork server (it holds kb's modules, ~200 MB) once the test is done with it."""
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)  # private: a Python without it keeps the server
    if stop is not None:
        stop()
