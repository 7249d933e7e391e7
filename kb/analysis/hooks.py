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


def keep_answers(kbase: KnowledgeBase, keys: list[str]) -> None:
    """Keep the answers of `kb repeats` and `kb hotspots` beside the database, in step with the ingest.
    After related_check: the mentions and the similarity index it leaves are among their inputs."""
    refresh_answers(kbase)


def refresh_answers(kbase: KnowledgeBase) -> None:
    """Compute and save (kb.analysis.answer_store) what `kb repeats` and `kb hotspots` read, for the
    graph as now written; nothing for a reader or an engine that keeps no files beside the database."""
    from kb.analysis.answer_store import keeps_files

    if not keeps_files(kbase):
        return
    from kb.analysis.hotspots import hotspots
    from kb.analysis.repeats import find_repeats

    find_repeats(kbase)  # keeps the text and twin evidence too, with the follow-up documents
    hotspots(kbase)  # keeps the incident x subject rows too


# What they write (RELATED_TO and MENTIONS links, files beside the database) is no part of any
# packet as read back: an ingest running only them may note which packets it wrote
# (KnowledgeBase._changes_noted, kb.graph.change_log). A hook without the mark ends that.
for _hook in (related_check, keep_answers):
    _hook.__dict__["packet_data_unchanged"] = True

DEFAULT_HOOKS: tuple[AfterIngest, ...] = (related_check, keep_answers)
