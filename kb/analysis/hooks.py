"""The after-ingest hooks a connection runs by default, handed to `connect(hooks=...)`.

The facade (kb.knowledge_base) knows nothing of analysis; whoever connects (the public
`kb.connect()`, the CLI, the quick start) passes these in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kb.knowledge_base import AfterIngest, KnowledgeBase


def related_check(kbase: KnowledgeBase, keys: list[str]) -> None:
    """Check each fresh incident against earlier ones; store the best as RELATED_TO edges."""
    from kb.analysis.similarity import record_related  # lazy: scipy and the text index load on first ingest

    record_related(kbase, keys)


DEFAULT_HOOKS: tuple[AfterIngest, ...] = (related_check,)
