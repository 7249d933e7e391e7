"""The shape each framework needs: a why-tree, a map, barriers with the factors that defeated them."""

from __future__ import annotations

from collections.abc import Iterator

from kb.analysis.frameworks import structure_problems
from kb.lint.model import Hit, Level, LintContext
from kb.lint.registry import Options, rule
from kb.lint.where import clip
from kb.model import EventPacket

FAMILY = "analysis structure"


@rule(
    "analysis-structure",
    FAMILY,
    Level.WARNING,
    "a cycle, a factor that leads nowhere, a flat list of factors, a barrier analysis without barriers",
)
def analysis_structure(packet: EventPacket, ctx: LintContext, opts: Options) -> Iterator[Hit]:
    for p in structure_problems(packet):
        yield Hit(p.location, clip(p.evidence), p.problem, p.fix)
