"""Markdown -> a title, metadata fields and sections that carry a role (summary, timeline...).

Headings give sections; so do "Field: value" lines (Google SRE's "**Root Causes:** ..."),
but only where no role-bearing section is open, so that "**What happened?**:" inside a
summary stays part of the summary. A heading nested under a role-bearing section (e.g.
"### What went well" under "## Lessons Learned") is folded into it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ROLES: dict[str, tuple[str, ...]] = {
    # role: title keywords (matched against the normalised heading, longest first)
    "summary": ("executive summary", "summary", "overview", "tl dr", "tldr", "description", "abstract"),
    "what_happened": ("what happened", "incident details", "background", "narrative"),
    "impact": ("customer impact", "user impact", "business impact", "impact"),
    "factors": ("contributing factors", "contributing factor", "root causes", "root cause analysis",
                "root cause", "causes", "causal factors", "why did it happen"),
    "trigger": ("trigger",),
    "resolution": ("resolution", "mitigation", "recovery", "how was it fixed"),
    "detection": ("detection", "how was it detected"),
    "action_items": ("action items", "action item", "corrective actions", "follow up actions", "follow ups",
                     "follow up", "followups", "next steps", "remediation items", "remediations", "todos"),
    "lessons": ("lessons learned", "lessons learnt", "what went well", "what went wrong", "where we got lucky",
                "how d we do", "how did we do", "learnings"),
    "timeline": ("timeline", "chronology", "sequence of events", "time line"),
    "stats": ("stats", "statistics", "metadata", "incident metadata"),
    "responders": ("responders", "participants", "attendees", "people involved"),
    "messaging": ("messaging", "internal messaging", "external messaging", "communications"),
    "supporting": ("supporting information", "appendix", "references", "links"),
}
META_FIELDS = ("date", "authors", "author", "status", "severity", "sev", "priority", "incident id", "incident",
               "services", "service", "affected services", "teams", "team", "duration", "category", "owner",
               "time to detection", "time to detect", "time to recovery", "time to resolve", "time to resolution",
               "time to mitigation", "time to mitigate", "ttd", "ttr", "ttm", "start time", "end time")

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FIELD = re.compile(r"^(?:\*\*|__)?(?P<name>[A-Za-z][\w '’/?&()-]{0,40}?)\s*(?:\*\*|__)?\s*:"
                    r"\s*(?:\*\*|__)?\s*(?P<rest>.*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def normalise(title: str) -> str:
    text = re.sub(r"[*_`#\[\]]", "", title).lower()
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return text.strip()


def role_of(title: str) -> str | None:
    norm = normalise(title)
    norm = re.sub(r"^\d+\s+", "", norm)  # "3. Timeline"
    best: tuple[int, str] | None = None
    for role, words in ROLES.items():
        for w in words:
            hit = norm == w or norm.startswith(w + " ") or (len(w) > 8 and f" {w}" in f" {norm}")
            if hit and (best is None or len(w) > best[0]):
                best = (len(w), role)
    return best[1] if best else None


def meta_name(name: str) -> str | None:
    norm = normalise(name)
    return norm if norm in META_FIELDS else None


@dataclass
class Section:
    title: str
    level: int
    line_no: int
    role: str | None
    lines: list[str] = field(default_factory=list)
    inline: bool = False
    """True for a "Field: value" pseudo-section."""

    @property
    def text(self) -> str:
        return "\n".join(self.lines).strip()


@dataclass
class Document:
    title: str | None
    sections: list[Section]
    meta: dict[str, str]
    """Metadata fields ("Date: ...", "Severity: ...") seen outside role-bearing sections."""

    def by_role(self, role: str) -> list[Section]:
        return [s for s in self.sections if s.role == role]

    def text(self, role: str) -> str:
        return "\n\n".join(s.text for s in self.by_role(role) if s.text)


def split(markdown: str) -> Document:
    title: str | None = None
    top = Section("(text before the first heading)", 0, 1, None)
    sections = [top]
    container = top  # the section that lines go to
    open_headings: list[Section] = []  # the heading sections enclosing the current line
    meta: dict[str, str] = {}
    fenced = False
    for no, raw in enumerate(markdown.splitlines(), start=1):
        line = raw.rstrip()
        if _FENCE.match(line):
            fenced = not fenced
            container.lines.append(line)
            continue
        if fenced:
            container.lines.append(line)
            continue
        h = _HEADING.match(line)
        if h:
            level, text = len(h.group(1)), h.group(2).strip()
            role = role_of(text)
            if title is None and level == 1 and role is None:
                title = _strip_md(text)
                continue
            while open_headings and open_headings[-1].level >= level:
                open_headings.pop()
            if role is None and any(s.role for s in open_headings) and not container.inline:
                container.lines.append(f"**{text}**")  # a sub-heading inside a role section
                continue
            container = Section(text, level, no, role)
            open_headings.append(container)
            sections.append(container)
            continue
        f = _FIELD.match(line) if not line.startswith((" ", "\t", "-", "*", "|", "+", ">")) or \
            line.startswith(("**", "__")) else None
        if f and (container.role is None or container.inline):
            name, rest = f.group("name").strip(), f.group("rest").strip()
            role = role_of(name) if len(name) <= 40 else None
            if role:
                container = Section(name, 7, no, role, inline=True)
                sections.append(container)
                if rest:
                    container.lines.append(rest)
                continue
            key = meta_name(name)
            if key and rest:
                meta.setdefault(key, _strip_md(rest))
                continue
        container.lines.append(line)
    if title is None:
        title = _first_line_title(markdown)
    return Document(title, [s for s in sections if s is not top or s.text], meta)


def _first_line_title(markdown: str) -> str | None:
    for line in markdown.splitlines():
        if line.strip():
            return _strip_md(line.strip("# "))[:200] or None
    return None


def _strip_md(text: str) -> str:
    return strip_markdown(text)


_LINK_REF = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)]*)\)")


def strip_markdown(text: str) -> str:
    """Emphasis and link syntax out, words and URLs kept."""
    text = _LINK_REF.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\w)", r"\1", text)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = re.sub(r"<br\s*/?>", " ", text)
    return " ".join(text.split())
