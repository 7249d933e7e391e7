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

_PLACEHOLDER = re.compile(r"\b(?:20xx|19xx|yyyy|MM-DD|HH:mm|XXX|YYY|ZZZ)\b|\[[A-Z][A-Za-z ]+\]")


def recognise(doc: Document) -> str:
    titles = {normalise(s.title) for s in doc.sections}
    roles = {s.role for s in doc.sections if s.role}
    inline_roles = {s.role for s in doc.sections if s.inline}
    # Google SRE: one-paragraph fields (often "Field: value") for root causes, trigger, detection.
    if {"trigger", "detection"} <= roles and ("root causes" in titles or "factors" in inline_roles):
        return GOOGLE_SRE
    # PagerDuty: Overview, What Happened, Contributing Factors, Responders, Messaging.
    pd_marks = sum(t in titles for t in ("overview", "what happened", "responders", "messaging",
                                         "how d we do", "how did we do"))
    if pd_marks >= 2:
        return PAGERDUTY
    # DFDS: Summary, Timeline, Contributing Factors, Action Items, Lessons Learned, Stats.
    # (their 2019 documents have no Stats yet; the timeline is a table "Date and Time in CET | Event").
    factors_heading = any(t.startswith("contributing factors") for t in titles)
    if {"timeline", "factors", "action_items", "lessons"} <= roles and factors_heading:
        return DFDS
    return HEADINGS


def looks_like_template(doc: Document, path: Path | None, raw: str) -> str | None:
    """Why this document is a blank template rather than an incident, or None."""
    name = path.name.lower() if path else ""
    title = (doc.title or "").lower()
    placeholders = _PLACEHOLDER.findall(raw)
    if "template" in name or "template" in title:
        return f"the {'file name' if 'template' in name else 'title'} says template"
    if title in ("incident title", "title", "[incident title]") or len(placeholders) >= 3:
        return f"placeholders instead of content ({', '.join(sorted(set(placeholders))[:4])})"
    return None
