"""Pausing Python's cyclic garbage collector while millions of small objects are made.

Building thousands of packets (the demo generator, `kb check --all` reading the graph back)
makes millions of acyclic objects; each allocation threshold crossed sets off a collection that
rescans a growing heap, a third of a 10,000-incident run. Reference counting still frees them.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the block; the collector's former state is restored after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


__all__ = ["collector_paused"]
