"""A fault hook for the crash tests: KB_FAULT_KILL_AT=<point> kills this process (SIGKILL,
as `kill -9` would) when a write reaches the named point. Read here and only here.

Points: "write" (a write has begun: some statements ran, none is committed), "commit"
(every statement ran; the commit is in progress), "swap" (Ladybug: the new database file
is in place, the old handle not yet reopened; Neo4j: the commit returned).
"""

from __future__ import annotations

import os
import signal

POINTS = ("write", "commit", "swap")


def kill_point(point: str) -> None:
    if os.environ.get("KB_FAULT_KILL_AT") == point:
        os.kill(os.getpid(), signal.SIGKILL)
