"""Derived results computed once per cached reader (kb.knowledge_base.CachedReads).

A quarterly report asked for the same analyses again and again through different sections:
the repeats three times (the loop metrics, the fix effects, the business case), the clusters
and the follow-ups twice. With a reader that remembers, `once` computes each (function,
arguments) once and hands every caller its own copy; with any other reader it simply calls
the function. The reader forgets everything on a write, so nothing outlives the graph it was
computed from, and nothing is written anywhere.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def once(kbase: Any, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(kbase, *args, **kwargs)`, computed once per (fn, arguments) when `kbase` can remember
    (`remember(key, compute)`); defaults are bound first, so leaving one out or stating it is one key."""
    remember = getattr(kbase, "remember", None)
    if remember is None:
        return fn(kbase, *args, **kwargs)
    bound = inspect.signature(fn).bind(kbase, *args, **kwargs)
    bound.apply_defaults()
    given = list(bound.arguments.items())[1:]  # the reader itself is the cache
    key = (fn.__module__, fn.__qualname__, repr(given))
    # A deep copy: callers add columns to frames and sort lists they get.
    kept: T = remember(key, lambda: fn(kbase, *args, **kwargs))
    return copy.deepcopy(kept)


__all__ = ["once"]
