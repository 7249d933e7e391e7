"""Blocks -> a title, metadata fields and sections that carry a role (summary, timeline...).

Headings give sections, matched to a role by name (fuzzily, so "Contributing Facotrs" still
counts); so do "Field: value" lines (Google SRE's "**Root Causes:** ..."), but only where no
role-bearing section is open, so that "**What happened?**:" inside a summary stays part of
the summary. A heading nested under a role-bearing section (e.g. "### What went well" under
"## Lessons Learned") is folded into it, and so is a date or time heading inside a timeline
("## May 12" after "## Timeline", "### 08:52 PM").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from ingest.markdown.anchor_labels import anchor_label, bare_label
from ingest.markdown.blocks import Block, front_matter, inline, parse

ROLES: dict[str, tuple[str, ...]] = {
    # role: title keywords (matched against the normalised heading, longest first)
    "summary": ("executive summary", "summary", "overview", "tl dr", "tldr", "description", "abstract"),
    "what_happened": ("what happened", "incident details", "background", "narrative"),
    "impact": ("customer impact", "user impact", "business impact", "impact on users", "what was impacted", "impact"),
    "factors": (
        "contributing factors",
        "contributing factor",
        "root causes",
        "root cause analysis",
        "root cause",
        "causes",
        "causal factors",
        "why did it happen",
        "fault",
        "leadup",
        "lead up",
        "cause",  # "- **Cause**: ...": a cause stated as such
        "diagnosis",  # "## Diagnosis" / "### 1. <the issue found>": what the investigation found wrong
    ),
    "went_wrong": (
        "what went wrong",
        "things that didn t go well",
        "things that did not go well",
        "what didn t go so well",
        "what didn t go well",
        "what did not go well",
        "what went badly",
        "what didn t work",
        "what did not work",
        "where we got unlucky",
        "what could have gone better",
        # A labelled part that states what failed ("- **Identified**: Pod OOMKilled ...", "Problem:
        # ..."): material for an analysis, as a "what went wrong" line is. With a date or time after
        # it, "Identified" is an instant instead (anchor_labels).
        "identified",
        "problem",
        "mechanism",
    ),
    "five_whys": ("five whys", "5 whys", "the five whys", "root cause identification the five whys"),
    "trigger": ("trigger",),
    "resolution": ("resolution", "mitigation", "recovery", "how was it fixed"),
    "detection": ("detection", "how was it detected", "how was it identified", "how it was identified"),
    "action_items": (
        "action items",
        "action item",
        "corrective actions",
        "corrective action",
        "follow up actions",
        "follow up improvements",
        "follow ups",
        "follow up",
        "followups",
        "next steps",
        "remediation items",
        "remediations",
        "todos",
        "what we re doing about it",
        "what we are doing about it",
        "systemic improvements",
        "improvements",
        "preventive actions",
        "preventive measures",
        "preventive enhancements",
        "recommendations",
        "review actions",
        "action plan",
        "future work",
        "looking forward",
    ),
    "lessons": (
        "lessons learned",
        "lessons learnt",
        "what went well",
        "where we got lucky",
        "how d we do",
        "how did we do",
        "learnings",
    ),
    # What the document rules out: read, said, not imported (importer._NOT_IMPORTED)
    "ruled_out": ("hypotheses", "ruled out", "red herrings", "red herring", "dead ends"),
    "timeline": ("timeline", "chronology", "sequence of events", "time line", "follow up timeline"),
    "stats": ("stats", "statistics", "metadata", "incident metadata"),
    "responders": ("responders", "participants", "attendees", "people involved", "owner of review process"),
    "messaging": ("messaging", "internal messaging", "external messaging", "communications"),
    "supporting": ("supporting information", "appendix", "references", "links"),
}
META_FIELDS = (
    "date",
    "authors",
    "author",
    "status",
    "severity",
    "sev",
    "priority",
    "incident id",
    "incident",
    "services",
    "service",
    "affected services",
    "teams",
    "team",
    "duration",
    "category",
    "owner",
    "time to detection",
    "time to detect",
    "time to recovery",
    "time to repair",
    "time to resolve",
    "time to resolution",
    "time to mitigation",
    "time to mitigate",
    "ttd",
    "ttr",
    "ttm",
    "start time",
    "end time",
    "impact time",
    "impact window",
    "attendees",
    "participants",
    "tags",
    "title",
    "discovery",
    "detected",
    "recovery",
    "recovered",
    "resolved",
    "mitigated",
    "started",
    "owner of review process",
)
_AT_START = ("diagnosis",)
"""Keywords that give a role only as the heading's first word: "The diagnosis process was quick!" is no cause."""
_FUZZY_MIN = 86  # rapidfuzz ratio for a misspelled heading ("Contributing Facotrs" -> 94)
_PEOPLE = re.compile(r"(attendees|participants|people involved) ?: ?", re.IGNORECASE)
_FIELD = re.compile(r"(?P<name>[A-Za-z][\w '’/?&()-]{0,40}?) ?:(?:\s|$)")
_DATE_OR_TIME_HEAD = re.compile(
    r"(?:~|±|≈)?\s?\d{1,2}[:.](?:\d{2}|\?\?)|\d{4,5}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})\b|\d{1,2}-\d{1,2}-(?:\d{4}|\d{2})\b|\d{1,2}(?:st|nd|rd|th)?\s[A-Za-z]{3}|"
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)"
    r"\.?,?\s|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s\d",
    re.IGNORECASE,
)


def normalise(title: str) -> str:
    text = title[:200].lower()
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = re.sub(r"(?<=[a-z])\d+$", "", text.strip())  # "Timeline167": a footnote link's number
    return text.strip()


def role_of(title: str) -> str | None:
    norm = normalise(title)
    norm = re.sub(r"^\d+ ", "", norm)  # "3. Timeline"
    if not norm:
        return None
    best: tuple[int, str] | None = None
    for role, words in ROLES.items():
        for w in words:
            inside = len(w) > 8 and w not in _AT_START and f" {w}" in f" {norm}"
            hit = norm == w or norm.startswith(w + " ") or inside
            if hit and (best is None or len(w) > best[0]):
                best = (len(w), role)
    if best:
        return best[1]
    if len(norm) < 5:
        return None
    scored: tuple[float, str] | None = None
    for role, words in ROLES.items():
        for w in words:
            if len(w) < 6:
                continue
            head = " ".join(norm.split()[: len(w.split())])
            score = max(fuzz.ratio(norm, w), fuzz.ratio(head, w) - 2)
            if score >= _FUZZY_MIN and (scored is None or score > scored[0]):
                scored = (score, role)
    return scored[1] if scored else None


def meta_name(name: str) -> str | None:
    norm = normalise(name)
    return norm if norm in META_FIELDS else None


@dataclass
class Section:
    title: str
    level: int
    line_no: int
    role: str | None
    blocks: list[Block] = field(default_factory=list)
    inline: bool = False
    """True for a "Field: value" pseudo-section."""

    @property
    def text(self) -> str:
        return "\n".join(b.text if b.kind != "table" else " ".join(b.header) for b in self.blocks).strip()

    @property
    def prose(self) -> str:
        """The text without code blocks: a log excerpt's timestamps are not what the author states."""
        return "\n".join(
            b.text if b.kind != "table" else " ".join(b.header) for b in self.blocks if b.kind != "code"
        ).strip()

    @property
    def lines(self) -> list[str]:
        return [line for b in self.blocks for line in b.text.split("\n")]


@dataclass
class Document:
    title: str | None
    sections: list[Section]
    meta: dict[str, str]
    """Metadata fields ("Date: ...", "Severity: ...", front matter) seen outside role-bearing sections."""
    notes: list[str] = field(default_factory=list)
    preamble: str = ""
    """Text before the first role-bearing section (zones, dates stated up front)."""
    instants: list[tuple[str, str, int]] = field(default_factory=list)
    """Labelled instants in document order, (label, the instant as written, line): "First detected",
    "2021-09-04 22:05"; the first of each anchor is also in meta."""

    def by_role(self, role: str) -> list[Section]:
        return [s for s in self.sections if s.role == role]

    def text(self, role: str) -> str:
        return "\n\n".join(s.text for s in self.by_role(role) if s.text)

    def prose(self, role: str | None) -> str:
        """The text of the sections with `role` (None: the preamble's), without code blocks."""
        return "\n\n".join(s.prose for s in self.sections if s.role == role and s.prose)


def split(markdown: str) -> Document:
    """A markdown document -> its sections."""
    fields, body, offset, problem = front_matter(markdown)
    doc = assemble(parse(body, offset), _front_meta(fields))
    if problem:
        doc.notes.append(problem)
    return doc


def _front_meta(fields: dict[str, Any]) -> dict[str, str]:
    meta: dict[str, str] = {}
    for key, value in fields.items():
        name = normalise(str(key))
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, dict):
            continue
        if name and value is not None and str(value).strip():
            meta[name] = str(value).strip()
    return meta


def assemble(blocks: list[Block], meta: dict[str, str] | None = None) -> Document:
    """Blocks (from markdown or a PDF) -> a title, sections and metadata."""
    meta = dict(meta or {})
    instants: list[tuple[str, str, int]] = []
    title: str | None = meta.get("title")
    top = Section("(text before the first heading)", 0, 1, None)
    sections = [top]
    container = top
    open_headings: list[Section] = []
    after_title = False
    for b in blocks:
        subtitle, after_title = after_title, False
        if b.kind == "heading":
            text = b.text
            role = role_of(text)
            if title is None and b.level == 1 and role is None:
                title, after_title = text, True
                continue
            if subtitle and b.level == 2 and role is None and title and _generic_title(title):
                title = text  # "# Cumulo — Technical Incident Report" / "## Network Degradation Event ..."
            if role is None and container.role == "timeline" and _DATE_OR_TIME_HEAD.match(text):
                container.blocks.append(b)  # "## May 12", "### 08:52 PM" inside a timeline
                continue
            while open_headings and open_headings[-1].level >= b.level:
                open_headings.pop()
            if role is None and any(s.role for s in open_headings) and not container.inline:
                container.blocks.append(b)  # a sub-heading inside a role section
                continue
            if role != "action_items" and any(s.role == "action_items" for s in open_headings) and not container.inline:
                # "## Action items" / "### Prevention", "### Detection", "### Fixes": groups of actions
                container.blocks.append(b)
                continue
            container = Section(text, b.level, b.line, role)
            open_headings.append(container)
            sections.append(container)
            continue
        if b.kind in ("paragraph", "item") and (container.role is None or container.inline):
            container = _fields(b, container, sections, meta, instants)
            continue
        people = _PEOPLE.match(b.text[:40]) if b.kind == "paragraph" else None
        if people and container.role not in ("responders", "timeline"):
            # "Attendees: a, b" at the foot of another section is still the attendee list
            meta.setdefault(normalise(people.group(1)), b.text[people.end() :].split("\n", 1)[0].strip())
            continue
        container.blocks.append(b)
    if title is None:
        title = _untitled(blocks)
    preamble = "\n".join(s.text for s in sections if s.role is None)
    return Document(
        title, [s for s in sections if s is not top or s.blocks], meta, preamble=preamble, instants=instants
    )


_REPORT_WORDS = re.compile(
    r"\b(?:technical|incident|outage|post ?mortem|postmortem|report|rca|review|retrospective|analysis)\b"
)


def _generic_title(title: str) -> bool:
    """A title that only says what kind of document this is, with at most one name ("Cumulo —
    Technical Incident Report"): a heading right under it says what happened."""
    norm = normalise(title)
    rest = _REPORT_WORDS.sub(" ", norm).split()
    return norm != " ".join(rest) and len(rest) <= 1


def _untitled(blocks: list[Block]) -> str | None:
    """A document without a level-1 heading: its first line that is neither a field ("Status:
    final", "Owners: ...") nor a section heading ("## Summary"); None (the caller names it after
    the file) when the document opens with fields and then a section."""
    for b in blocks:
        if b.kind == "heading":
            if role_of(b.text) is None and b.text.strip():
                return b.text[:200]
            return None
        lines = [line.strip() for line in b.text.split("\n") if line.strip()]
        if all(_FIELD.match(line[:60]) for line in lines):
            continue  # a block of fields ("Status: final / Owners: @x") is metadata, not a title
        for line in lines:
            f = _FIELD.match(line[:60])
            if f and (meta_name(f.group("name").strip()) or role_of(f.group("name").strip())):
                continue
            return line[:200]
    return None


def _fields(
    b: Block, container: Section, sections: list[Section], meta: dict[str, str], instants: list[tuple[str, str, int]]
) -> Section:
    """Lines of a paragraph outside role sections: "Root Causes: ..." opens an inline section,
    "Date: ..." is metadata, "First detected: 2021-09-04 22:05" a labelled instant; the others
    stay text of the current section. In a nested list item only a bold label opens a section:
    "- **Context**:" then "  - Timeline: [link] for the incident" is context, not a timeline."""
    keep: list[str] = []

    def flush() -> None:
        if keep:
            container.blocks.append(
                Block(
                    b.kind,
                    "\n".join(keep),
                    b.level,
                    b.line,
                    links=b.links,
                    bold_lead=b.bold_lead,
                    bold=b.bold,
                    checked=b.checked,
                )
            )
            keep.clear()

    for n, raw in enumerate(b.text.split("\n")):
        line = raw.strip()
        f = _FIELD.match(line[:60]) if b.kind == "paragraph" or ":" in line[:45] else None
        if f:
            name, rest = f.group("name").strip(), line[f.end() :].strip()
            key = meta_name(name) or anchor_label(name)
            if key and rest and _DATE_OR_TIME_HEAD.match(rest):
                meta.setdefault(key, rest)  # "Recovery: 2024-03-14 15:32" is a label, not a section
                if anchor_label(name):
                    instants.append((name, rest, b.line))
                continue
            role = role_of(name)
            if role and b.kind == "item" and b.level > 0 and not b.bold_lead:
                keep.append(raw)  # "  - Timeline: [link]" under a labelled item: its content
                continue
            if role:
                flush()
                container = Section(name, 7, b.line, role, inline=True)
                sections.append(container)
                if rest:
                    keep.append(rest)
                continue
            key = meta_name(name)
            if key and rest:
                meta.setdefault(key, rest)
                continue
            bold_label = n == 0 and (b.bold_lead or "").rstrip(": ") == name
            if not key and container.inline and (not rest or bold_label):
                # "- **Context**:" (or "- **Context**: text") after "- **Impact**: ...": a new
                # labelled part, not more impact
                flush()
                container = Section(name, 7, b.line, None, inline=True)
                sections.append(container)
                if rest:
                    keep.append(rest)
                continue
        elif bare := bare_label(line):
            meta.setdefault(*bare)  # "Resolved 2023-09-20 19:18" among "First detected: ..." lines
            instants.append((line.strip()[: len(line.strip()) - len(bare[1])].strip(), bare[1], b.line))
            continue
        keep.append(raw)
    flush()
    return container


def strip_markdown(text: str) -> str:
    """Emphasis and link syntax out, words and URLs kept, on one line."""
    return " ".join(inline(text).text.split())
