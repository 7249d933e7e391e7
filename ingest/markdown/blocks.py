"""Block-level markdown inside a section: pipe tables, (nested) bullet lists, paragraphs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.markdown.sections import strip_markdown

_BULLET = re.compile(r"^(?P<indent>\s*)(?:[-*+]|\d+[.)])\s+(?P<text>.*)$")
_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]

    def column(self, *names: str) -> int | None:
        """Index of the first header cell containing one of `names` (normalised, lowercase)."""
        lowered = [h.lower() for h in self.header]
        for name in names:
            for i, h in enumerate(lowered):
                if name in h:
                    return i
        return None


def _cells(line: str) -> list[str]:
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|"):
        text = text[:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", text)]


def tables(lines: list[str]) -> list[Table]:
    """Pipe tables: a header row, a separator row, then rows (ragged rows are padded)."""
    out: list[Table] = []
    i = 0
    while i < len(lines) - 1:
        if "|" in lines[i] and _SEPARATOR.match(lines[i + 1]):
            header = _cells(lines[i])
            rows = []
            i += 2
            while i < len(lines) and "|" in lines[i] and lines[i].strip():
                cells = _cells(lines[i])
                cells += [""] * (len(header) - len(cells))
                rows.append(cells[: max(len(header), len(cells))])
                i += 1
            out.append(Table(header, rows))
        else:
            i += 1
    return out


@dataclass
class Item:
    text: str
    line: str
    children: list[str] = field(default_factory=list)

    @property
    def full(self) -> str:
        """The item with its sub-items, as one statement: "A (b; c)"."""
        if not self.children:
            return self.text
        return f"{self.text} ({'; '.join(self.children)})"


def bullets(lines: list[str]) -> list[Item]:
    """Top-level list items; deeper items become children; wrapped lines join their item.

    A blank line ends an item's continuation, but a later indented sub-item still
    belongs to it.
    """
    items: list[Item] = []
    base: int | None = None
    blank = False
    for line in lines:
        if not line.strip():
            blank = True
            continue
        m = _BULLET.match(line)
        if m:
            indent = len(m.group("indent").expandtabs(4))
            text = strip_markdown(m.group("text"))
            if base is None or indent <= base:
                base = indent if base is None else base
                items.append(Item(text, line))
            elif items:
                items[-1].children.append(text)
            blank = False
            continue
        if items and not blank and not line.lstrip().startswith("|") and not line.startswith("#"):
            # a wrapped continuation of the previous item
            if items[-1].children and line.startswith((" ", "\t")):
                items[-1].children[-1] += " " + strip_markdown(line)
            else:
                items[-1].text += " " + strip_markdown(line)
            continue
        if not line.startswith((" ", "\t")):
            base = None if not items else base
    return [i for i in items if i.text.strip()]


def paragraphs(lines: list[str]) -> list[str]:
    """Prose paragraphs, outside lists and tables, markdown stripped."""
    out: list[str] = []
    current: list[str] = []
    for line in lines:
        s = line.strip()
        if not s or _BULLET.match(line) or "|" in s and (s.startswith("|") or _SEPARATOR.match(s)):
            if current:
                out.append(strip_markdown(" ".join(current)))
                current = []
            continue
        if line.startswith(("    ", "\t")) and not current:
            continue  # an indented continuation of a list item
        current.append(s)
    if current:
        out.append(strip_markdown(" ".join(current)))
    return [p for p in out if p]


_BOLD_LEAD = re.compile(r"^\s*(?:\*\*|__)(?P<head>.+?)(?:\*\*|__)\s*:?\s*(?P<rest>.*)$")


def bold_lead(line: str) -> tuple[str, str] | None:
    """ "**Do X**: because Y" -> ("Do X", "because Y")."""
    m = _BULLET.match(line)
    body = m.group("text") if m else line
    b = _BOLD_LEAD.match(body)
    if not b:
        return None
    return strip_markdown(b.group("head")).rstrip(":").strip(), strip_markdown(b.group("rest"))
