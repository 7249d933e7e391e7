"""An action item (a list item, a table row or a paragraph) -> a finding: its owner, whether it
is done, and the tickets it names as work items with their URLs.

Owners: "Owner: alice", a trailing "(alice)" or "(@alice)". Done: a checked box "[x]", a
"(done)" or "DONE" marker, a status cell. Tickets: GitHub / GitLab issue and pull-request
URLs, Jira browse URLs, "#123" and "[#2226]" references, a table's ticket column.
"""

from __future__ import annotations

import re
from typing import Any

from kb.model import FindingStatus, slugify

_GITHUB = re.compile(r"https?://github\.com/([\w.-]{1,100})/([\w.-]{1,100})/(issues|pull)/(\d{1,9})")
_GITLAB = re.compile(r"https?://[\w.-]{1,100}/([\w./-]{1,200}?)/-/(issues|merge_requests)/(\d{1,9})")
_JIRA_URL = re.compile(r"https?://[\w.-]{1,100}/browse/([A-Z][A-Z0-9]{1,20}-\d{1,9})")
_HASH_REF = re.compile(r"(?<![\w&/#])#(\d{1,7})(?![\w-])")
_TICKET = re.compile(r"\b([A-Z][A-Z0-9]{1,20}-\d{1,9})\b|\b(?:bug|issue|ticket) ?#? ?(\d{1,12})\b", re.IGNORECASE)
_OWNER_FIELD = re.compile(r"\bowner ?: ?([^,;()\n]{1,60})", re.IGNORECASE)
_TRAILING_PAREN = re.compile(r"\(([^()]{1,60})\)\s?\.?$")
_DONE_WORDS = re.compile(r"\b(done|closed|complete[d]?|fixed|resolved|finished|shipped)\b", re.IGNORECASE)
_NOT_AN_OWNER = re.compile(
    r"^(?:done|closed|completed?|fixed|resolved|in[- ]progress|todo|to do|wip|ongoing|"
    r"optional|maybe|p[0-4]|high|medium|low|see\b|e\.g|i\.e|cf\.|was |is |if |\d)",
    re.IGNORECASE,
)
_OWNERLIKE = re.compile(r"@?[A-Za-z][\w.'-]{0,30}(?: [A-Za-z][\w.'-]{0,30}){0,2}")
_SENTENCE = re.compile(r"(.{1,200}?[.!?])(?:\s|$)")


def work_items(text: str, links: list[str], title: str, done: bool) -> list[dict[str, Any]]:
    """The tickets an action item names, each once, with their URL where it has one."""
    found: dict[str, dict[str, Any]] = {}
    status = "done" if done else "open"
    candidates = [
        u
        for glued in [*links, *re.findall(r"https?://\S{1,400}", text[:5000])]
        for u in re.split(r"(?<=.)(?=https?://)", glued)
    ]  # "…/6688https://…": two URLs run together
    for url in candidates:
        url = url.rstrip(".,;:)'\"")
        m = _GITHUB.fullmatch(url) or _GITHUB.match(url)
        if m:
            ext = f"{m.group(1)}/{m.group(2)}#{m.group(4)}"
            found.setdefault(
                ext, {"system": "github", "external_id": ext, "url": url, "title": title[:200], "status": status}
            )
            continue
        g = _GITLAB.match(url)
        if g:
            ext = f"{g.group(1)}#{g.group(3)}"
            found.setdefault(
                ext, {"system": "gitlab", "external_id": ext, "url": url, "title": title[:200], "status": status}
            )
            continue
        j = _JIRA_URL.match(url)
        if j:
            found.setdefault(
                j.group(1),
                {"system": "jira", "external_id": j.group(1), "url": url, "title": title[:200], "status": status},
            )
    if not found:
        for ref in _HASH_REF.findall(text[:5000]):
            ext = f"#{ref}"
            found.setdefault(ext, {"system": "github", "external_id": ext, "title": title[:200], "status": status})
    return list(found.values())


def _owner(text: str) -> str | None:
    m = _OWNER_FIELD.search(text)
    if m:
        return m.group(1).strip(" .*_") or None
    p = _TRAILING_PAREN.search(text.rstrip())
    if p:
        inner = p.group(1).strip()
        if not _NOT_AN_OWNER.match(inner) and _OWNERLIKE.fullmatch(inner) and "http" not in inner:
            return inner.lstrip("@")
    return None


def _first_sentence(text: str) -> str:
    m = _SENTENCE.match(text)
    return (m.group(1) if m else text)[:200]


_PLACEHOLDER = re.compile(
    r"(?:n/?a|none|nothing|tbd|tbc|no (?:review )?actions?(?: needed| required)?|[-–—?]+)[.!]?", re.IGNORECASE
)
"""An action-items entry that says there is none ("N/A", "None.", "-"): no finding."""
_DONE_MARK = re.compile(r"(?i:\((?:done|completed?|fixed)\))|\bDONE\b|✅")
"""A finished action: "(done)" in any case, a shouted DONE (a lower-case "done" in a sentence is not)."""


def finding_from_item(
    text: str, links: list[str], checked: bool | None, lead: tuple[str, str] | None
) -> dict[str, Any]:
    statement = " ".join(text.split())
    if not statement or _PLACEHOLDER.fullmatch(statement):
        return {}
    done = bool(checked) or bool(_DONE_MARK.search(statement[:2000]))
    out: dict[str, Any] = {"statement": statement[:2000]}
    owner = _owner(statement[:2000])
    if owner:
        out["owner"] = owner
    if done:
        out["status"] = FindingStatus.DONE.value
    title = lead[0] if lead else _first_sentence(statement)
    out["work"] = work_items(statement, links, title, done)
    out["work_title"] = title
    out["match_text"] = title
    return out


def finding_from_row(header: list[str], row: list[str], col: int | None) -> dict[str, Any]:
    cells = {h.lower(): c for h, c in zip(header, row, strict=False)}
    statement = row[col] if col is not None and col < len(row) else ""
    if not statement:
        return {}

    def cell(*names: str) -> str:
        return next((v for k, v in cells.items() if any(n in k for n in names) and v), "")

    out: dict[str, Any] = {"statement": statement[:2000]}
    owner = cell("owner", "assignee", "who")
    if owner and owner.lower() not in ("n/a", "tbd", "-", "?"):
        out["owner"] = owner
    kind = cell("type", "kind")
    if kind and slugify(kind):
        out["tags"] = [slugify(kind)]
    ticket_text = cell("bug", "ticket", "issue", "jira", "link", "tracking")
    done = bool(_DONE_WORDS.search(f"{cell('status', 'state')} {ticket_text}"))
    if done:
        out["status"] = FindingStatus.DONE.value
    work = work_items(ticket_text, [], statement, done)
    m = _TICKET.search(ticket_text) if not work else None
    if m:
        ext = m.group(1) or f"BUG-{m.group(2)}"
        system = "jira" if m.group(1) else "bug-tracker"
        work = [
            {
                "system": system,
                "external_id": ext.upper(),
                "title": statement[:200],
                "status": "done" if done else "open",
            }
        ]
    out["work"] = work
    if not work:
        out["work_title"] = statement
    return out


# A sentence that announces the actions rather than being one: "The following actions were
# agreed:", "Here are some of the lessons we have taken.", "We will do the following."
_LEAD_IN = re.compile(
    r"(?::\s*$)|\b(?:the following|as follows|here (?:are|is)|listed below|below (?:are|is)|"
    r"(?:are|is) (?:listed )?below)\b",
    re.IGNORECASE,
)
_LEAD_IN_MAX = 300  # a long paragraph that mentions "the following" is an action in its own right


def introduces_what_follows(paragraph: str) -> bool:
    """A paragraph that introduces the actions after it (one short sentence that points ahead)."""
    text = paragraph.strip()
    return len(text) <= _LEAD_IN_MAX and "\n" not in text and bool(_LEAD_IN.search(text))


# "Going forward, we will do the following in an effort to avoid similar issues:" then a list:
# actions promised outside an action-items heading.
_PROMISE = re.compile(
    r"\b(?:we will|we'll|we are going to|we plan to|going forward|moving forward|next steps?)\b", re.IGNORECASE
)


def promises_what_follows(paragraph: str) -> bool:
    """A paragraph whose last sentence commits to the list after it and ends with a colon."""
    last = re.split(r"(?<=[.!?])\s+", paragraph.strip())[-1]
    return last.endswith(":") and bool(_PROMISE.search(last))
