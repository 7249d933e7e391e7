"""A fast reader for the block YAML that packet files are (what `yaml.safe_dump` and kb's own
writer emit): indented mappings and sequences, plain and single-quoted scalars, `[]` and `{}`.

It returns exactly the value PyYAML's safe loader (libyaml) gives, or `DECLINE` for anything
else: tabs, comments, anchors, aliases, tags, flow collections, block scalars, double quotes,
document markers, duplicate keys, or a value PyYAML's constructors refuse. The caller then runs
that loader, so errors and hostile input are handled exactly as before. Plain scalars are
resolved by PyYAML's own YAML 1.1 resolver and constructors (int, float, bool, null, date...).

Why: libyaml's events and PyYAML's node objects took ~1.1 ms of a 10,000-corpus packet's
~1.7 ms read; this reader takes a fraction of that (one pass over the lines, str methods only).
"""

from __future__ import annotations

import operator
import re
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

DECLINE: Any = object()
"""Returned for a document this reader leaves to PyYAML."""

MAX_LINES = 1_000_000
"""Longer documents go to PyYAML, whose loader bounds the values in one document."""
MAX_NESTING = 60
"""Deeper documents go to PyYAML, whose loader reports the nesting limit."""
MAX_KEY = 1000
"""libyaml refuses a simple key longer than 1,024 characters."""

# Characters libyaml reads as themselves in a block document: no tab, CR, NEL, LS, PS, BOM or
# control character (each means a line break, an error, or a rule this reader does not follow).
_UNUSUAL = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_ASCII_PLAIN = bytes([10, *range(0x20, 0x7F)])
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
"""A plain scalar cannot start with these (this reader allows only `-` before a non-space)."""
_STR = "tag:yaml.org,2002:str"
assert None not in Resolver.yaml_implicit_resolvers  # else every plain scalar needs the resolver
_RESOLVABLE = frozenset(ch for ch in Resolver.yaml_implicit_resolvers if ch)
"""First characters of a plain scalar that YAML 1.1 may resolve to something other than a string."""
_TEXT_FIRST = frozenset(chr(c) for c in range(0x21, 0x7F)) - _INDICATORS - _RESOLVABLE
"""ASCII first characters of a plain scalar that is certainly a string (the common case)."""

_resolver = Resolver()
_constructor = SafeConstructor()
_PLAIN: dict[str, Any] = {}  # plain scalar -> its value (immutable): keys and enum values repeat
_MISSING: Any = object()
_CACHE_ITEMS, _CACHE_TEXT = 50_000, 40


class _Decline(Exception):
    """Raised anywhere in the walk: the document is left to PyYAML."""


def load_block_yaml(text: str) -> Any:
    """The document's value as PyYAML's safe loader gives it, or DECLINE."""
    if text.isascii():  # the common case, ten times faster than the regular expression
        if text.encode("ascii").translate(None, _ASCII_PLAIN):
            return DECLINE
    elif _UNUSUAL.search(text):
        return DECLINE
    if text.startswith(("---", "...")) or "\n---" in text or "\n..." in text or text.count("\n") > MAX_LINES:
        return DECLINE
    try:
        return _Reader(text).document()
    except _Decline:
        return DECLINE


def _plain(text: str) -> Any:
    """A plain scalar's value under YAML 1.1 (PyYAML's resolver and constructors)."""
    value = _PLAIN.get(text, _MISSING)
    if value is _MISSING:
        tag = _resolver.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
        if tag == _STR:
            value = text
        else:
            make = SafeConstructor.yaml_constructors.get(tag)
            if make is None or tag.endswith((":merge", ":value")):
                raise _Decline
            try:
                value = make(_constructor, yaml.ScalarNode(tag, text))
            except Exception:  # a date like 0000-01-01, an int of 4,301+ digits: PyYAML's error
                raise _Decline from None
        if len(text) <= _CACHE_TEXT and len(_PLAIN) < _CACHE_ITEMS:
            _PLAIN[text] = value
    return value


def _plain_key(text: str) -> Any:
    """A plain mapping key's value; declines what libyaml would not read as this key."""
    if not text or not _plain_start(text) or text[-1] == " " or " #" in text or ": " in text or len(text) > MAX_KEY:
        raise _Decline
    return _plain(text)


def _plain_start(text: str) -> bool:
    first = text[0]
    return first not in _INDICATORS or (first == "-" and len(text) > 1 and text[1] != " ")


def _plain_value(text: str) -> Any:
    """A one-line plain scalar's value; declines what is not one (a `: `, a comment, an indicator)."""
    if not _plain_start(text) or ": " in text or " #" in text or text[-1] == ":":
        raise _Decline
    return text if text[0] in _TEXT_FIRST else _plain(text)


def _is_dash(body: str) -> bool:
    return body[:2] == "- " or body == "-"


def _fold(pieces: list[str]) -> str:
    """Lines of a multi-line flow scalar joined as YAML folds them: a single break is a space,
    n empty lines are n newlines. Empty pieces (but the first and last) are empty lines."""
    out = [pieces[0]]
    empty = 0
    last = len(pieces) - 1
    for k in range(1, last + 1):
        piece = pieces[k]
        if not piece and k != last:
            empty += 1
            continue
        out.append("\n" * empty if empty else " ")
        out.append(piece)
        empty = 0
    return "".join(out)


def _closing_quote(text: str, start: int) -> int:
    """Index of the quote that closes a single-quoted scalar in `text` from `start`, or -1."""
    while True:
        pos = text.find("'", start)
        if pos < 0 or pos + 1 == len(text) or text[pos + 1] != "'":
            return pos
        start = pos + 2


class _Reader:
    """One document's lines as (indentation, content without the indentation) and a cursor."""

    def __init__(self, text: str) -> None:
        lines = text.split("\n")
        if " \n" in text or text.endswith(" "):  # trailing spaces end no scalar: drop them
            lines = [line.rstrip(" ") for line in lines]
        self.body = [line.lstrip(" ") for line in lines]
        self.indent = list(map(operator.sub, map(len, lines), map(len, self.body)))
        self.n = len(lines)
        self.i = 0

    def _skip_blank(self, i: int) -> int:
        body, n = self.body, self.n
        while i < n and not body[i]:
            i += 1
        return i

    def document(self) -> Any:
        i = self._skip_blank(0)
        if i == self.n or self.indent[i] != 0:
            raise _Decline
        self.i = i
        data = self.sequence(0, 1) if _is_dash(self.body[i]) else self.mapping(0, 1)
        if self._skip_blank(self.i) != self.n:
            raise _Decline
        return data

    def mapping(self, col: int, depth: int) -> dict[Any, Any]:
        if depth > MAX_NESTING:
            raise _Decline
        out: dict[Any, Any] = {}
        indent, body, n, cache = self.indent, self.body, self.n, _PLAIN
        i = self.i
        while i < n:
            line = body[i]
            if indent[i] != col or not line:
                if not line:
                    i += 1
                    continue
                if indent[i] < col:
                    break
                raise _Decline
            pos = line.find(": ")
            if line[0] == "'":
                key, value = self._quoted_key(line)
            elif pos > 0:
                key = line[:pos]
                key = cache.get(key, _MISSING) if len(key) <= _CACHE_TEXT else _MISSING
                if key is _MISSING:
                    key = _plain_key(line[:pos])
                value = line[pos + 2 :]
            elif line[-1] == ":" and line[:2] != "- ":
                key, value = cache.get(line[:-1], _MISSING), ""
                if key is _MISSING:
                    key = _plain_key(line[:-1])
            else:
                raise _Decline
            if key in out:
                raise _Decline  # PyYAML's loader reports the duplicate
            i += 1
            if value:
                if value[0] == " ":
                    value = value.lstrip(" ")
                if value[:1] == "'" and value.find("'", 1) == len(value) - 1 > 0:
                    # Closed on its line, no quote inside (most timestamps): what `quoted` gives.
                    out[key] = value[1:-1]
                    continue
                if i < n and (indent[i] > col or not body[i]) or value[0] == "'":
                    self.i = i  # a scalar that may go on over the next lines
                    out[key] = self.scalar(value, col)
                    i = self.i
                    continue
                # One line: a plain scalar already seen (keys, enum values) or a string, mostly.
                known = cache.get(value, _MISSING)
                if known is not _MISSING:
                    out[key] = known
                elif value[0] in _TEXT_FIRST and ": " not in value and " #" not in value and value[-1] != ":":
                    out[key] = value
                else:
                    out[key] = self.scalar(value, col)
                continue
            j = self._skip_blank(i)
            dash = j < n and (body[j][:2] == "- " or body[j] == "-")
            if j < n and (indent[j] > col or (indent[j] == col and dash)):
                self.i = j
                if dash:
                    out[key] = self.sequence(indent[j], depth + 1)
                else:
                    out[key] = self.mapping(indent[j], depth + 1)
                i = self.i
            else:
                out[key] = None  # `key:` and nothing under it: the empty plain scalar, null
        self.i = i
        return out

    def _quoted_key(self, line: str) -> tuple[str, str]:
        end = _closing_quote(line, 1)
        if end < 0 or end > MAX_KEY:
            raise _Decline
        after = line[end + 1 :]
        if after != ":" and after[:2] != ": ":
            raise _Decline
        return line[1:end].replace("''", "'"), after[2:]

    def _is_key(self, line: str) -> bool:
        """Whether a sequence item's content, a quoted scalar, is a compact mapping's first key."""
        end = _closing_quote(line, 1)
        return end > 0 and (line[end + 1 :] == ":" or line[end + 1 : end + 3] == ": ")

    def sequence(self, col: int, depth: int) -> list[Any]:
        if depth > MAX_NESTING:
            raise _Decline
        out: list[Any] = []
        indent, body, n = self.indent, self.body, self.n
        i = self.i
        while i < n:
            line = body[i]
            if indent[i] != col or line[:2] != "- ":
                if not line:
                    i += 1
                    continue
                if indent[i] < col or (indent[i] == col and not _is_dash(line)):
                    break  # the next key of the mapping this sequence is a value of (or its error)
                raise _Decline
            rest = line[2:]
            if rest[:1] == " ":
                rest = rest.lstrip(" ")
            if not rest or rest[:2] == "- " or rest == "-":
                raise _Decline  # an empty item or a nested compact sequence
            if (": " in rest or rest[-1] == ":") if rest[0] != "'" else self._is_key(rest):
                # A compact mapping: its first key is on the dash's line, at column `inner`.
                inner = col + len(line) - len(rest)
                indent[i], body[i] = inner, rest
                self.i = i
                out.append(self.mapping(inner, depth + 1))
                i = self.i
            else:
                self.i = i + 1
                out.append(self.scalar(rest, col))
                i = self.i
        self.i = i
        return out

    def scalar(self, text: str, col: int) -> Any:
        """The scalar starting with `text` on the line before self.i; its further lines are
        indented more than `col`."""
        if text[0] == "'":
            return self.quoted(text, col)
        indent, body, n = self.indent, self.body, self.n
        i = last = self.i
        while i < n and (not body[i] or indent[i] > col):
            if body[i]:
                last = i + 1
            i += 1
        if last == self.i:
            if text == "[]":
                return []
            if text == "{}":
                return {}
            return _plain_value(text)
        if not _plain_start(text) or ": " in text or " #" in text or text[-1] == ":":
            raise _Decline
        pieces = [text]
        for k in range(self.i, last):
            more = body[k]
            if more and (more[0] == "#" or ": " in more or " #" in more or more[-1] == ":"):
                raise _Decline
            pieces.append(more)
        self.i = last
        return _plain(_fold(pieces))

    def quoted(self, text: str, col: int) -> str:
        """A single-quoted scalar starting with `text`; further lines indented more than `col`."""
        end = _closing_quote(text, 1)
        if end >= 0:
            if end != len(text) - 1:
                raise _Decline
            return text[1:end].replace("''", "'")
        pieces = [text[1:]]
        indent, body = self.indent, self.body
        i = self.i
        while True:
            if i == self.n:
                raise _Decline
            more = body[i]
            if more and indent[i] <= col:
                raise _Decline
            end = _closing_quote(more, 0)
            i += 1
            if end >= 0:
                if end != len(more) - 1:
                    raise _Decline
                pieces.append(more[:end] or "\0")  # the closing line is never an empty line
                break
            pieces.append(more)
        self.i = i
        folded = _fold(pieces)
        if folded.endswith("\0"):
            folded = folded[:-1]
        return folded.replace("''", "'")
