"""Markdown -> a flat list of blocks (headings, paragraphs, list items, tables, code), read by
markdown-it-py, with front matter split off first.

markdown-it reads the block structure (ATX and Setext headings, lists, tables with or without
closing pipes, fences, block quotes, reference definitions). Its inline parser is switched
off: on hostile input it is super-linear (1 MB of "[" took 80 s), so inline text is read by
`inline()` below, one linear pass that keeps words, link labels and URLs and decodes entities.
The PDF reader builds the same blocks, so everything downstream reads both formats alike.
"""

from __future__ import annotations

import html
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference

_MD = MarkdownIt("commonmark").enable("table").disable("inline")


@dataclass
class Block:
    kind: str
    """heading | paragraph | item | table | code | quote"""
    text: str = ""
    """Plain text; the document's line breaks kept as "\\n"."""
    level: int = 0
    """A heading's level, a list item's depth (0 for top level)."""
    line: int = 0
    """1-based line in the source."""
    bold_lead: str | None = None
    """The text of a bold span that opens the block ("**Do X**: why")."""
    bold: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    checked: bool | None = None
    """A task item: True for [x], False for [ ], None for a plain item."""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    lead_only: bool = False
    """Only the first line may start a timeline entry (PDF text: the rest is its body)."""

    @property
    def lines(self) -> list[str]:
        return [s for s in (x.strip() for x in self.text.split("\n")) if s]


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]

    def column(self, *names: str) -> int | None:
        """Index of the first header cell containing one of `names` (lowercase)."""
        lowered = [h.lower() for h in self.header]
        for name in names:
            for i, h in enumerate(lowered):
                if name in h:
                    return i
        return None


@dataclass
class Item:
    text: str
    block: Block
    children: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)

    @property
    def full(self) -> str:
        """The item with its sub-items, as one statement: "A (b; c)"."""
        if not self.children:
            return self.text
        return f"{self.text} ({'; '.join(self.children)})"


# -- front matter ----------------------------------------------------------------------------

FRONT_MATTER_MAX_LINES = 200


def front_matter(text: str) -> tuple[dict[str, Any], str, int, str | None]:
    """(fields, the rest of the text, lines removed, a problem) for YAML (---) or TOML (+++)."""
    fence = text[:3]
    if fence not in ("---", "+++") or text[3:4] not in ("\n", "\r"):
        return {}, text, 0, None
    lines = text.split("\n", FRONT_MATTER_MAX_LINES + 1)
    for i in range(1, min(len(lines), FRONT_MATTER_MAX_LINES)):
        if lines[i].rstrip() in (fence, "...") and (fence == "---" or lines[i].rstrip() == fence):
            body = "\n".join(lines[1:i])
            rest = text.split("\n", i + 1)[i + 1] if len(lines) > i + 1 else ""
            try:
                data = yaml.safe_load(body) if fence == "---" else tomllib.loads(body)
            except (yaml.YAMLError, tomllib.TOMLDecodeError, ValueError) as exc:
                return (
                    {},
                    rest,
                    i + 1,
                    f"front matter is not valid {'YAML' if fence == '---' else 'TOML'}: "
                    f"{str(exc).splitlines()[0][:120]}",
                )
            return (data if isinstance(data, dict) else {}), rest, i + 1, None
    return {}, text, 0, None


# -- inline text -----------------------------------------------------------------------------

_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _next_index(text: str, ch: str) -> list[int]:
    """For each position, the index of the next `ch` at or after it (len(text) when none)."""
    out = [len(text)] * (len(text) + 1)
    nxt = len(text)
    for i in range(len(text) - 1, -1, -1):
        if text[i] == ch:
            nxt = i
        out[i] = nxt
    return out


def _referenced(label: str, refs: Mapping[str, str] | None, links: list[str]) -> None:
    """The URL a reference definition gives `label` (matched as CommonMark does: case and runs
    of white space ignored), added to `links`."""
    if refs:
        url = refs.get(normalizeReference(label))
        if url:
            links.append(url)


@dataclass
class Inline:
    text: str
    links: list[str]
    bold: list[str]
    bold_lead: str | None


def inline(src: str, refs: Mapping[str, str] | None = None) -> Inline:
    """Markdown inline syntax out, words, link labels and URLs kept, entities decoded. One pass:
    every bracket finds its partner through precomputed next-index tables, never by scanning.
    `refs` are the document's reference definitions ("[#2226]: https://..."): a reference
    link ("[#2226]", "[text][fix]") keeps the URL it names."""
    if (
        "[" not in src
        and "*" not in src
        and "_" not in src
        and "`" not in src
        and "<" not in src
        and "&" not in src
        and "\\" not in src
    ):
        return Inline(src, [], [], None)
    n = len(src)
    close_sq = _next_index(src, "]")
    close_par = _next_index(src, ")")
    close_ang = _next_index(src, ">")
    tick = _next_index(src, "`")
    newline = _next_index(src, "\n")
    out: list[str] = []
    links: list[str] = []
    bold: list[str] = []
    bold_start: int | None = None
    bold_lead: str | None = None
    lead_possible = False
    i = 0
    while i < n:
        c = src[i]
        if c == "\\" and i + 1 < n and not src[i + 1].isalnum() and src[i + 1] != "\n":
            out.append(src[i + 1])
            i += 2
            continue
        if c == "`":
            j = tick[i + 1] if i + 1 <= n else n
            if j < n and newline[i] > j:
                out.append(src[i + 1 : j])
                i = j + 1
                continue
        if c == "[":
            j = close_sq[i + 1] if i + 1 <= n else n
            if j < n and newline[i] >= j:
                label = src[i + 1 : j]
                if j + 1 < n and src[j + 1] == "(":
                    k = close_par[j + 2] if j + 2 <= n else n
                    if k < n and newline[j] >= k:
                        if i and src[i - 1] == "!" and out and out[-1] == "!":
                            out.pop()  # "![graph](lag.png)": a figure, neither words nor a reference
                            i = k + 1
                            continue
                        url = src[j + 2 : k].strip().split(" ", 1)[0].strip("<>")
                        if url:
                            links.append(url)
                        out.append(label)
                        i = k + 1
                        continue
                if j + 1 < n and src[j + 1] == "[":  # [label][ref]
                    k = close_sq[j + 2] if j + 2 <= n else n
                    if k < n and newline[j] >= k:
                        _referenced(src[j + 2 : k] or label, refs, links)
                        out.append(label)
                        i = k + 1
                        continue
                _referenced(label, refs, links)
                out.append(label)  # a link label or reference, without its brackets
                i = j + 1
                continue
        if c == "<":
            j = close_ang[i + 1] if i + 1 <= n else n
            if j < n and newline[i] >= j:
                inner = src[i + 1 : j]
                low = inner.lower()
                if low.startswith(("http://", "https://", "mailto:")) and " " not in inner:
                    links.append(inner)
                    out.append(inner)
                    i = j + 1
                    continue
                if low.rstrip("/ ") in ("br", "br ", "br/") or low.startswith("br "):
                    out.append("\n")
                    i = j + 1
                    continue
                if re.fullmatch(r"/?[a-z][a-z0-9]{0,10}(?:\s[^<>]{0,200})?/?", low):
                    i = j + 1  # an HTML tag: dropped, its text kept
                    continue
        if c in "*_" and i + 1 < n and src[i + 1] == c:
            if bold_start is None:
                bold_start = len(out)
                lead_possible = not any(s.strip() for s in out) if len(out) < 8 else False
                i += 2
                continue
            span = "".join(out[bold_start:]).strip()
            if span:
                bold.append(span)
                if bold_lead is None and lead_possible:
                    bold_lead = span
            bold_start = None
            i += 2
            continue
        if c in "*_":
            prev = src[i - 1] if i else " "
            nxt = src[i + 1] if i + 1 < n else " "
            if c == "_" and prev.isalnum() and nxt.isalnum():
                out.append(c)  # snake_case
            elif not (prev.isalnum() and nxt.isalnum()):
                pass  # emphasis marker
            else:
                out.append(c)
            i += 1
            continue
        out.append(c)
        i += 1
    text = "".join(out)
    if "&" in text:
        text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    return Inline(text, links, bold, bold_lead)


_URL = re.compile(r"https?://[^\s<>()\[\]]+")


def urls(text: str) -> list[str]:
    return [u.rstrip(".,;:'\"") for u in _URL.findall(text)]


# -- blocks ----------------------------------------------------------------------------------

_TASK = re.compile(r"^\[([ xX])\]\s+")


def parse(text: str, line_offset: int = 0) -> list[Block]:
    """The document's blocks in reading order."""
    env: dict[str, Any] = {}
    tokens = _MD.parse(text, env)
    refs = {label: str(ref.get("href", "")) for label, ref in env.get("references", {}).items()}
    blocks: list[Block] = []
    items: list[Block] = []  # open list items, innermost last
    list_depth = 0
    quote = 0
    heading: int | None = None
    row: list[str] | None = None
    table: Block | None = None
    in_head = False
    for tok in tokens:
        t = tok.type
        line = (tok.map[0] + 1 + line_offset) if tok.map else 0
        if t in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif t in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif t == "list_item_open":
            item = Block("item", level=list_depth - 1, line=line)
            items.append(item)
            blocks.append(item)
        elif t == "list_item_close":
            if items:
                items.pop()
        elif t == "blockquote_open":
            quote += 1
        elif t == "blockquote_close":
            quote -= 1
        elif t == "heading_open":
            heading = int(tok.tag[1])
        elif t == "heading_close":
            heading = None
        elif t == "table_open":
            table = Block("table", line=line)
            blocks.append(table)
        elif t == "table_close":
            table = None
        elif t == "thead_open":
            in_head = True
        elif t == "thead_close":
            in_head = False
        elif t == "tr_open":
            row = []
        elif t == "tr_close" and table is not None and row is not None:
            if in_head:
                table.header = row
            else:
                table.rows.append(row)
            row = None
        elif t in ("fence", "code_block"):
            blocks.append(Block("code", text=tok.content, line=line))
        elif t == "inline":
            parsed = inline(tok.content, refs)
            if row is not None:
                row.append(" ".join(parsed.text.split()))
                if table is not None:
                    table.links += parsed.links + urls(parsed.text)
                continue
            links = parsed.links + urls(parsed.text)
            if heading is not None:
                blocks.append(Block("heading", " ".join(parsed.text.split()), heading, line, links=links))
            elif items and not quote:
                item = items[-1]
                if not item.text:
                    m = _TASK.match(tok.content)
                    if m:
                        item.checked = m.group(1) != " "
                        parsed = inline(tok.content[m.end() :], refs)
                        links = parsed.links + urls(parsed.text)
                    item.bold_lead = parsed.bold_lead
                body = parsed.text
                if not item.text:
                    item.text = body
                else:
                    item.text += "\n" + body
                item.bold += parsed.bold
                item.links += links
            else:
                blocks.append(
                    Block(
                        "quote" if quote else "paragraph",
                        parsed.text,
                        0,
                        line,
                        bold_lead=parsed.bold_lead,
                        bold=parsed.bold,
                        links=links,
                    )
                )
    return blocks


def tables(blocks: list[Block]) -> list[Table]:
    out = []
    for b in blocks:
        if b.kind == "table" and b.header:
            rows = [r + [""] * (len(b.header) - len(r)) for r in b.rows]
            out.append(Table(b.header, rows))
    return out


def bullets(blocks: list[Block]) -> list[Item]:
    """Top-level list items of a section; deeper items become children of the one above."""
    items: list[Item] = []
    base: int | None = None
    for b in blocks:
        if b.kind != "item":
            continue
        text = " ".join(b.text.split())
        if base is None or b.level <= base:
            base = b.level if base is None else min(base, b.level)
            items.append(Item(text, b, links=list(b.links)))
        elif items:
            if text:
                items[-1].children.append(text)
            items[-1].links += b.links
    return [i for i in items if i.text.strip()]


def paragraphs(blocks: list[Block]) -> list[str]:
    """Prose paragraphs, outside lists and tables, each on one line."""
    return [p for b in blocks if b.kind == "paragraph" and (p := " ".join(b.text.split()))]


def bold_lead(item: Item) -> tuple[str, str] | None:
    """ "**Do X**: because Y" -> ("Do X", "because Y")."""
    lead = item.block.bold_lead
    if not lead:
        return None
    rest = item.text[item.text.find(lead) + len(lead) :] if lead in item.text else ""
    return lead.rstrip(":").strip(), rest.lstrip(" :").strip()
