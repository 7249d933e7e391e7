"""Which post-mortem template a document follows, from the sections it has.

The roles of sections (kb reads them the same way whatever the template) come from
ingest.markdown.sections; the template name says which house style was recognised,
so the per-file report can tell a user what was understood.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.markdown.sections import Document, normalise

GOOGLE_SRE = "google-sre"
PAGERDUTY = "pagerduty"
DFDS = "dfds"
HEADINGS = "headings"
"""The fallback: any document, read by its headings."""

_PLACEHOLDER = re.compile(
    r"(?<![A-Za-z0-9])(?:20xx|19xx|yyyy|MM-DD|DD-MM|HH:mm|hh:mm|XXX|YYY|ZZZ|TBD|TODO|"
    r"lorem ipsum|\.\.\.|…)(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_TEMPLATE_PHRASES = re.compile(
    r"short event description|use initials|someone fromtheteam|incident title|"
    r"describe (?:the|what|how)|insert |your (?:name|team)|name of the",
    re.IGNORECASE,
)
_PLACEHOLDER_SHARE = 0.5
"""A document is a blank template when at least half of its text units are placeholders."""


def recognise(doc: Document) -> str:
    titles = {normalise(s.title) for s in doc.sections}
    roles = {s.role for s in doc.sections if s.role}
    inline_roles = {s.role for s in doc.sections if s.inline}
    # Google SRE: one-paragraph fields (often "Field: value") for root causes, trigger, detection.
    if {"trigger", "detection"} <= roles and ("root causes" in titles or "factors" in inline_roles):
        return GOOGLE_SRE
    # PagerDuty: Overview, What Happened, Contributing Factors, Responders, Messaging.
    pd_marks = sum(
        t in titles for t in ("overview", "what happened", "responders", "messaging", "how d we do", "how did we do")
    )
    if pd_marks >= 2:
        return PAGERDUTY
    # DFDS: Summary, Timeline, Contributing Factors, Action Items, Lessons Learned, Stats.
    # (their 2019 documents have no Stats yet; the timeline is a table "Date and Time in CET | Event").
    factors_heading = any(t.startswith("contributing factors") for t in titles)
    if {"timeline", "factors", "action_items", "lessons"} <= roles and factors_heading:
        return DFDS
    return HEADINGS


def _units(doc: Document) -> list[str]:
    out = []
    for sec in doc.sections:
        for b in sec.blocks:
            if b.kind == "table":
                out += [" ".join(r) for r in b.rows]
            elif b.kind in ("paragraph", "item", "quote"):
                out += b.lines or [""]
    return out


def _is_placeholder(unit: str) -> bool:
    if _TEMPLATE_PHRASES.search(unit):
        return True
    rest = _PLACEHOLDER.sub(" ", unit)
    words = [w for w in re.split(r"[^A-Za-z]+", rest) if len(w) > 1]
    if not words:
        return not any(c.isdigit() for c in rest)  # "-", "", "20xx-MM-DD HH:mm" (but "#2127" is content)
    return rest != unit and len(words) <= 3


def looks_like_template(doc: Document, path: Path | None, raw: str) -> str | None:
    """Why this document is a blank template rather than an incident, or None: only when its
    content is mostly placeholders (a real report may write unknown times as "HH:mm" or "??")."""
    units = _units(doc)
    holders = [u for u in units if _is_placeholder(u)]
    name = path.name.lower() if path else ""
    title = (doc.title or "").lower()
    if units and len(holders) / len(units) >= _PLACEHOLDER_SHARE:
        found = sorted({m.group(0) for u in holders for m in _PLACEHOLDER.finditer(u)})[:4]
        says = (
            "the file name says template; "
            if "template" in name
            else "the title says template; "
            if "template" in title
            else ""
        )
        return f"{says}placeholders instead of content ({len(holders)} of {len(units)} text units" + (
            f": {', '.join(found)})" if found else ")"
        )
    if not units and ("template" in name or "template" in title):
        return (
            "the file name says template and it has no content"
            if "template" in name
            else "the title says template and it has no content"
        )
    return None
