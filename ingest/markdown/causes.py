"""The statements of a cause section (contributing factors, root cause, diagnosis) -> factors.

A cause section states its causes and often argues for them: "This conclusion is supported by
the following observations:", "**Evidence Supporting This:**", "**Why This Makes Sense:**" and
the list after it are the evidence, not more causes, and what the section says after its first
evidence is commentary on it. A heading that names its cause ("Root Cause Hypothesis: Distributed
Validator Updates") states it; a numbered sub-heading with prose under it ("### 2. Leftover legacy
versions") is one cause told with its explanation. A labelled item that tells an effect ("Impact:
...", "Outcome: ...") is not a cause.
"""

from __future__ import annotations

import re

from ingest.markdown.blocks import Block, bullets, paragraphs
from ingest.markdown.sections import Section, role_of

NO_CONTENT = re.compile(r"(?:no comments? added|none|n/?a|nothing|-|tbd|\?)\.?", re.IGNORECASE)
"""A section's text that says there is nothing to say ("N/A", "None.", "-")."""

_EVIDENCE_LEAD = re.compile(
    r"\b(?:evidence|supported by|supporting|observations?|observed|indicators?|symptoms?|"
    r"rationale|why (?:this|it) makes sense|why we (?:believe|think))\b",
    re.IGNORECASE,
)
_EFFECT_LABEL = re.compile(
    r"(?:impacts?|outcomes?|effects?|consequences?|results?|symptoms?|evidence|resolution|mitigation|fix)",
    re.IGNORECASE,
)
_NUMBERING = re.compile(r"^\s*(?:\d{1,2}|[a-z])[.)]\s+", re.IGNORECASE)


def item_statements(blocks: list[Block], listed: bool = False) -> list[str]:
    """Items (with their sub-items), or the paragraphs when there is no list (and `listed` does
    not say the section states its causes in lists elsewhere)."""
    items = bullets(blocks)
    paras = [p for p in paragraphs(blocks) if not NO_CONTENT.fullmatch(p)]
    if items or listed:
        # Prose around a list counts when it names a factor in bold ("the lack of **X** ... biggest factor").
        bold = [b for blk in blocks if blk.kind == "paragraph" for b in blk.bold]
        return [c for p in paras if (c := _bold_clause(bold, p))] + [i.full for i in items]
    return paras


def cause_statements(s: Section) -> list[str]:
    """The causes a cause section states: its heading's named cause, then each part's."""
    out = [named] if (named := _named_in_heading(s.title)) else []
    parts = [(heading, _before_evidence(blocks)) for heading, blocks in _parts(s.blocks)]
    # "## Causes", an introduction, "### Public Endpoint" and a list: the lists are the causes
    listed = any(bullets(stated) for _, stated in parts)
    for heading, stated in parts:
        items = [i for i in bullets(stated) if not _tells_an_effect(i.block)]
        if heading and not items:
            prose = " ".join(p for p in paragraphs(stated) if not _is_lead_in(p))
            cause = _NUMBERING.sub("", heading).strip()
            out.append(f"{cause}: {prose}" if prose else cause)
            continue
        kept = [b for b in stated if not (_tells_an_effect(b) if b.kind == "item" else _announces(b))]
        out += item_statements(kept, listed)
    return out


def _named_in_heading(title: str) -> str | None:
    """ "Root Cause Hypothesis: Distributed Validator Updates" -> "Distributed Validator Updates"."""
    label, sep, named = title.partition(":")
    named = named.strip()
    return named if sep and named and role_of(label) == "factors" else None


def _parts(blocks: list[Block]) -> list[tuple[str | None, list[Block]]]:
    """The section split at its sub-headings: (heading or None for the text before the first, blocks)."""
    parts: list[tuple[str | None, list[Block]]] = [(None, [])]
    for b in blocks:
        if b.kind == "heading":
            parts.append((b.text, []))
        else:
            parts[-1][1].append(b)
    return [(h, bs) for h, bs in parts if h or bs]


def _before_evidence(blocks: list[Block]) -> list[Block]:
    """The blocks before the first lead-in that announces evidence ("... supported by the following:")."""
    for n, b in enumerate(blocks):
        if b.kind == "paragraph" and _is_lead_in(b.text) and _EVIDENCE_LEAD.search(b.text):
            return blocks[:n]
    return blocks


def _is_lead_in(text: str) -> bool:
    """One sentence that announces what follows it ("... three types of issues we encountered:");
    "X fell behind. The graph below shows the delay:" states X first."""
    one = " ".join(text.split()).rstrip("*_ ")
    return one.endswith(":") and not re.search(r"[.!?]\s", one)


def _announces(b: Block) -> bool:
    """A paragraph that is a label ("**Evidence Supporting This:**") or a plain lead-in; one that
    names a factor in bold ("While we consider the lack of **X** the biggest factor, ...:") is read."""
    if not _is_lead_in(b.text):
        return False
    return not b.bold or " ".join(b.text.split()).strip("*_ :") == (b.bold_lead or "").strip("*_ :")


def _tells_an_effect(b: Block) -> bool:
    """An item labelled as an effect or a fix ("**Impact:** ...", "**Outcome:** ...")."""
    label = (b.bold_lead or "").strip(" :*_")
    return bool(label) and _EFFECT_LABEL.fullmatch(label) is not None


def _bold_clause(bold: list[str], para: str) -> str | None:
    """The clause of a prose paragraph that holds a bold phrase, or None without one."""
    for clause in re.split(r"(?<=[.;:,]) ", para):
        if any(b and b in clause for b in bold):
            return clause.rstrip(" ,;:")
    return None
