"""PDF post-mortems -> the markdown importer's document model, through pypdf's text extraction.

PagerDuty's post-mortem export is read by its layout: the labels OWNER OF REVIEW PROCESS,
IMPACT TIME and DURATION with their values, "*All times listed in this report are in
<zone>", the title above "Status:", then sections (Overview, What Happened, Resolution, What
Didn't Go So Well?, Action Items, Timeline). In the timeline a date line ("Aug 30, 2022")
sets the day and every line that starts with a 12-hour time starts an entry; the lines below
it are its text. Page headers and footers ("Postmortem Report - ... PagerDuty", "1 of 3
20.02.2026, 14:50") are dropped; URLs broken over two lines are joined. Any other PDF (a
word processor's, a wiki's, a browser's print) is read by its headings too, after general rules:
running headers and footers dropped, ligatures as letters, its timeline lines given to the
markdown timeline reader, a short line ending a block (bullets drawn as shapes leave no text).
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata

from ingest.markdown.blocks import Block
from ingest.markdown.sections import Document, assemble, role_of

MAX_PAGES = 200

_PD_LABELS = {
    "owner of review process": "owner of review process",
    "impact time": "impact time",
    "duration": "duration",
}
_PD_HEADINGS = (
    "overview",
    "summary",
    "what happened",
    "resolution",
    "where we got lucky",
    "what went well?",
    "what didn't go so well?",
    "what didn’t go so well?",
    "action items",
    "timeline",
    "additional notes",
    "systemic improvements",
    "other hypotheses explored",
)
_FOOTER = re.compile(
    r"^(?:Postmortem Report - .{0,300}PagerDuty\b.{0,200}|\d{1,3} of \d{1,3} \d{2}\.\d{2}\.\d{4}, "
    r"\d{2}:\d{2})$"
)
_TIME_LINE = re.compile(r"\d{1,2}:\d{2} ?[AP]M\b")
_DATE_LINE = re.compile(
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.? \d{1,2}, \d{4}$", re.IGNORECASE
)
_BULLET = re.compile(r"(?:[-•*\uf0b7\uf0a7\u25aa\u25cf]|\d{1,2}[.)])\s")
# Bullets drawn with a symbol font come out as private-use characters (U+E000-U+F8FF) or dingbats.
_GLYPHS = "".join(chr(c) for c in range(0xE000, 0xF900)) + "\u25aa\u25cf\u2022\u25e6\u2023\u2043"
_GLUED = re.compile(r"\b(Resolved|Acknowledged|Triggered|Escalated|Reassigned|Snoozed)by\b")
_EDGE = 2  # lines at the top and at the bottom of a page where headers and footers are looked for
_PAGE_NO = re.compile(
    r"(?:\bpage (?P<no>\d{1,3}) (?:of|/) (?P<of>\d{1,3})\b|(?:^|\s)(?P<no2>\d{1,3}) ?/ ?(?P<of2>\d{1,3})$)",
    re.IGNORECASE,
)
_HEADING_NO = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+(?=[A-Z])")
_LIGATURES = re.compile("[\ufb00-\ufb06]")  # "ﬁle", "ﬂow": typeset ligatures, one glyph for two letters
_STATUS = re.compile(r"Status: ?(\w[\w ]{0,30})$")


class PdfUnreadable(ValueError):
    pass


def pdf_text(data: bytes) -> str:
    """The text of every page, in order (pypdf's layout-free extraction), page furniture dropped."""
    return "\n".join(without_furniture(pdf_pages(data)))


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page (pypdf's layout-free extraction)."""
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # "Ignoring wrong pointing object" is not ours to show
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise PdfUnreadable("an encrypted PDF: decrypt it first")
        if len(reader.pages) > MAX_PAGES:
            raise PdfUnreadable(
                f"{len(reader.pages)} pages: more than the {MAX_PAGES} a post-mortem is expected to have"
            )
        pages = [page.extract_text() or "" for page in reader.pages]
    except PdfUnreadable:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf on a hostile file can raise anything; it is this file's failure
        raise PdfUnreadable(f"not a readable PDF ({type(exc).__name__}: {str(exc)[:120]})") from exc
    if not "".join(pages).strip():
        raise PdfUnreadable("a PDF without text (scanned pages?): nothing to read")
    return [unicodedata.normalize("NFKC", p) if _LIGATURES.search(p) else p for p in pages]


def without_furniture(pages: list[str]) -> list[str]:
    """Pages without their running headers and footers: a line near a page's top or bottom that
    states that page's number ("Page 2 of 5", "file:///report.html 2/5"), or that recurs at the
    same place on every page but one once its digits are ignored ("12/2/26, 3:27 AM Title")."""
    split = [[line for line in page.split("\n") if line.strip()] for page in pages]
    seen: dict[tuple[int, str], int] = {}
    for ls in split:
        for key in {k for i, line in enumerate(ls) for k in _edge_keys(i, len(ls), line)}:
            seen[key] = seen.get(key, 0) + 1
    recurring = max(2, len(pages) - 1)  # a title page may go without
    out: list[str] = []
    for no, ls in enumerate(split, start=1):
        kept: list[str] = []
        for i, line in enumerate(ls):
            keys = _edge_keys(i, len(ls), line)
            furniture = bool(keys) and (
                _states_page(line, no, len(pages))
                or (
                    any(seen[k] >= recurring for k in keys)
                    and not (_TIME_LINE.match(line) or _DATE_LINE.match(line))
                    and re.search(r"[A-Za-z]{3}", line) is not None
                )
            )
            if not furniture:
                kept.append(line)
        out.append("\n".join(kept))
    return out


def _edge_keys(i: int, count: int, line: str) -> list[tuple[int, str]]:
    """A line near the top (0, 1) or the bottom (-1, -2) of its page, keyed by that place."""
    masked = re.sub(r"\d+", "#", " ".join(line.split()))
    return [(place, masked) for place in (i, i - count) if -_EDGE <= place < _EDGE]


def _states_page(line: str, no: int, count: int) -> bool:
    m = _PAGE_NO.search(line.strip())
    if m is None:
        return False
    return (int(m.group("no") or m.group("no2")), int(m.group("of") or m.group("of2"))) == (no, count)


def clean_lines(text: str) -> list[str]:
    """Lines without page furniture, glyph bullets as "- ", URLs broken over lines joined."""
    out: list[str] = []
    for raw in text.replace("\r", "\n").split("\n"):
        line = _GLUED.sub(r"\1 by", raw.replace("\u00a0", " ").strip())
        if not line or _FOOTER.match(line[:600]):
            continue
        lead = len(line) - len(line.lstrip(_GLYPHS))
        if lead:
            line = "- " + line[lead:].strip()
        if out and _continues_url(out[-1], line):
            out[-1] += line
            continue
        out.append(line)
    return out


def _continues_url(prev: str, line: str) -> bool:
    tail = prev.rsplit(" ", 1)[-1]
    if not tail.startswith(("http://", "https://")) or " " in line.split("/", 1)[0]:
        return False
    return tail.endswith(("/", "-", "://", "?", "=", "&")) or line.startswith("/")


def read_pdf(data: bytes) -> tuple[Document, str]:
    """A PDF -> (the document, its text)."""
    text = pdf_text(data)
    lines = clean_lines(text)
    meta: dict[str, str] = {}
    blocks: list[Block] = []
    i = 0
    title: str | None = None
    # PagerDuty's header: LABEL / value pairs, the zone statement, the title above "Status:".
    while i < len(lines) and lines[i].lower() in _PD_LABELS and i + 1 < len(lines):
        meta[_PD_LABELS[lines[i].lower()]] = lines[i + 1]
        i += 2
    pagerduty = bool(meta)  # its layout: the labels above, the title above "Status:"
    if pagerduty:
        stated: list[str] = []
        j = i
        while j < len(lines) and not _STATUS.match(lines[j]) and len(stated) < 6:
            stated.append(lines[j])
            j += 1
        status = _STATUS.match(lines[j]) if j < len(lines) else None
        if status:
            title = stated.pop() if stated else None
            meta["status"] = status.group(1)
            i = j + 1
            if stated:
                blocks.append(Block("paragraph", " ".join(stated).lstrip("*"), line=1))
    elif lines:
        title = lines[0]
        i = 1
    if title:
        meta["title"] = title
    role: str | None = None
    # (PagerDuty's exports were tuned with the longest line as the measure: kept as it was)
    width = max((len(x) for x in lines), default=80) if pagerduty else _line_width(lines)
    current: Block | None = None
    for no, line in enumerate(lines[i:], start=i + 1):
        low = line.lower()
        named = _HEADING_NO.sub("", line) if not pagerduty else line  # "2. Timeline", "3.1 Detection"
        if low in _PD_HEADINGS or (
            len(named) <= 40
            and not named.endswith((".", ",", ":"))
            and role_of(named)
            and not _TIME_LINE.match(named)
            and named[:1].isupper()
            and (current is None or _heading_may_follow(current, width, pagerduty, line))
        ):
            role = role_of(named)
            current = Block("heading", named.rstrip("?").strip() + ("?" if named.endswith("?") else ""), 2, no)
            blocks.append(current)
            continue
        if role == "timeline" and pagerduty:
            if _DATE_LINE.match(line):
                current = Block("heading", line, 4, no)
                blocks.append(current)
                continue
            if _TIME_LINE.match(line):
                current = Block("paragraph", line, 0, no, lead_only=True)
                blocks.append(current)
                continue
            if current is not None and current.kind == "paragraph":
                current.text += "\n" + line
            continue
        if _BULLET.match(line):
            current = Block("item", line[_BULLET.match(line).end() :].strip(), 0, no)  # type: ignore[union-attr]
            blocks.append(current)
            continue
        new_paragraph = (
            current is None
            or current.kind == "heading"
            or ((current.kind == "paragraph" or not pagerduty) and _ended(current, width, pagerduty, line))
        )
        if new_paragraph:
            current = Block("paragraph", line, 0, no)
            blocks.append(current)
        elif current is not None:
            current.text += "\n" + line
    for b in blocks:
        b.links = re.findall(r"https?://[^\s<>()\[\]]{1,400}", b.text)
        if b.kind != "heading":
            b.text = _join_wrapped(b.text)
    doc = assemble(blocks, meta)
    return doc, "\n".join(lines)


def _line_width(lines: list[str]) -> int:
    """The length of a full line of body text: nine lines in ten are no longer (a long URL or
    a line of a table is not the measure)."""
    lengths = sorted(len(x) for x in lines)
    return lengths[len(lengths) * 9 // 10] if lengths else 80


def _heading_may_follow(block: Block, width: int, pagerduty: bool, following: str) -> bool:
    """Whether a heading may start after the block: in a PagerDuty export, after a heading or a
    sentence's end (as before other PDFs were read); in other PDFs where the block has ended."""
    if pagerduty:
        return block.kind == "heading" or block.text.rstrip().endswith((".", ":", "!", "?"))
    return _ended(block, width, pagerduty, following)


def _ended(block: Block, width: int, pagerduty: bool, following: str) -> bool:
    """Whether the block's last line ends it, before `following`: a heading; a sentence's end
    on a line that stops short of the margin; in other PDFs any line that stops short (a list
    whose bullets were drawn, not written, leaves one short line per item) unless the next
    line goes on in lower case (a word wider than the gap left wrapped early)."""
    if block.kind == "heading":
        return True
    last = block.text.rstrip().rsplit("\n", 1)[-1]
    short = len(last) < 0.8 * width
    if pagerduty:
        return short and last.endswith((".", "!", "?", ":"))
    return short and not following[:1].islower()


def _join_wrapped(text: str) -> str:
    """PDF lines are visual lines: keep the break only where the text breaks."""
    return text
