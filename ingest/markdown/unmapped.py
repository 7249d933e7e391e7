"""Text the importer maps to no field of the packet: kept in the summary, labelled by its section.

A section or labelled item the importer does not know ("- **Context**:", "## Additional Notes",
text before the first heading) still says what happened: the summary is where a reader and the
analyses (the similarity index, the repeat evidence) look for that, and it is already assembled
from labelled parts ("Resolution: ..."). Left out, and said in the report: lines already read as
something else (a zone statement, dated items read as timeline rows), a label left with nothing
after it ("- **Key events**" once its instants are rows) and code blocks (log excerpts).
"""

from __future__ import annotations

import re

from ingest.markdown.blocks import Block, bullets
from ingest.markdown.dates import stated_zone
from ingest.markdown.sections import Document, Section

TOP = "(text before the first heading)"
_TIMES = re.compile(r"\btimes?\b", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_ZONE_STATEMENT_MAX = 160  # "All times listed in this report are in Pacific Time (US & Canada)."


def unmapped_text(doc: Document, skip: set[int]) -> tuple[str, list[str], list[str]]:
    """(the text of the sections without a role, each labelled by its title; the report's lines
    saying where it went; its lines naming what was left out). `skip`: ids of blocks already read
    as timeline rows."""
    parts: list[str] = []
    where: list[str] = []
    not_kept: list[str] = []
    for s in doc.sections:
        if s.role is not None:
            continue
        texts, left_out = _texts(s, skip)
        if texts:
            label = None if s.title in (TOP, doc.title) else s.title
            body = "\n".join(texts)
            parts.append(f"{label}: {body}" if label else body)
            where.append(f"section {s.title!r}: no field of its own, kept in the summary ({len(texts)} part(s))")
        for n in left_out:
            (where if n.endswith("read as the time zone") else not_kept).append(f"section {s.title!r}: {n}")
    return "\n\n".join(parts), where, not_kept


def _states_zone(sentence: str) -> bool:
    return len(sentence) <= _ZONE_STATEMENT_MAX and bool(_TIMES.search(sentence)) and stated_zone(sentence) is not None


def _texts(s: Section, skip: set[int]) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    left_out: list[str] = []
    run: list[Block] = []

    def flush() -> None:
        for item in bullets(run):
            if item.children or item.text.strip(" :*_") != (item.block.bold_lead or "").strip(" :*_"):
                texts.append(f"- {item.full}")
        run.clear()

    for b in s.blocks:
        if b.kind == "item":
            if id(b) not in skip:
                run.append(b)
            continue
        flush()
        text = " ".join(b.text.split())
        if b.kind in ("paragraph", "quote") and text:
            zone = [x for x in _SENTENCE.split(text) if _states_zone(x)]
            left_out += [f"{x[:80]!r} read as the time zone" for x in zone]
            rest = " ".join(x for x in _SENTENCE.split(text) if x not in zone)
            if rest:
                texts.append(rest)
        elif b.kind == "table":
            texts += [" | ".join(row) for row in [b.header, *b.rows] if any(c.strip() for c in row)]
        elif b.kind == "code" and text:
            left_out.append(f"a code block (line {b.line}) not imported")
    flush()
    return texts, left_out
