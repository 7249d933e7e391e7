"""A fault hook for the crash tests: KB_FAULT_KILL_AT=<point> or <point>:<n> kills this
process with SIGKILL (as `kill -9` would) the n-th time (default: the first) a write
reaches the named point. Read here and only here; unset, it costs one dictionary lookup.

Points: "write" (some statements ran, none is committed), "commit" (every statement ran;
the commit is in progress), "swap" (Ladybug: the written copy has just replaced the live
file; Neo4j: the commit has returned).
"""

from __future__ import annotations

import os
import signal
from collections import Counter

POINTS = ("write", "commit", "swap")
_reached: Counter[str] = Counter()


def kill_point(point: str) -> None:
    target = os.environ.get("KB_FAULT_KILL_AT")
    if not target:
        return
    name, _, nth = target.partition(":")
    if name != point:
        return
    _reached[point] += 1
    if _reached[point] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
