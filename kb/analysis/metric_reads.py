"""The answers the loop metrics (kb.analysis.metrics) read, named without importing pandas, so that
`kb metrics` begins reading them before it imports what computes on them."""

from __future__ import annotations

from kb.knowledge_base import CachedReads, KnowledgeBase

# Every answer the metrics read (with the repeats' incidents, the gate's and the overdue findings'),
# largest first: read side by side before computing (CachedReads.prefetch). One after the other, a
# server's first call of each waited for its planning in turn (kb metrics, Neo4j, 10,000 incidents).
READS = (
    "loop_finding_deadlines",
    "loop_findings",
    "loop_work_item_closes",
    "loop_analyses",
    "incidents",
    "loop_roadmap_trace",
)
READS_EVERY_INCIDENT = ("loop_gate_judged",)


def begin_metric_reads(kbase: KnowledgeBase) -> CachedReads:
    """A reader of `kbase` that holds each answer it reads, with the metrics' answers begun
    (CachedReads.begin_prefetch): on a server they run while the caller imports pandas and the
    analysis (~0.5 CPU s at 10,000 incidents, with the server idle before)."""
    reads = kbase if isinstance(kbase, CachedReads) else CachedReads(kbase)
    reads.begin_prefetch(READS, every_incident=READS_EVERY_INCIDENT)
    return reads


__all__ = ["READS", "READS_EVERY_INCIDENT", "begin_metric_reads"]
