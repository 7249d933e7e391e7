"""Parsing outside text (YAML, JSON) with limits that hold before anything large is built.

Every reader of outside files (packets, PagerDuty, roadmap) parses through here, so one
hostile file costs bounded time and memory and ends as a `DocumentError` naming the
field and what was expected, never as another exception. No file I/O: callers read the
bytes (with `MAX_FILE_BYTES`) and name the file in their own error type.
"""

from __future__ import annotations

import json
import reprlib
from typing import TYPE_CHECKING, Any

import yaml

from kb.model.block_yaml import DECLINE, load_block_yaml

# libyaml is 7-12x faster than the pure-Python loader with the same results; fall back
# to the pure-Python classes only where PyYAML was built without it.
if TYPE_CHECKING:
    _Loader = yaml.SafeLoader
else:  # libyaml's loader where PyYAML was built with it: 12x faster, identical results
    _Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Dumper: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

MAX_FILE_BYTES = 16 * 1024 * 1024
"""A packet or roadmap file larger than this is rejected unread."""
MAX_EXPORT_BYTES = 64 * 1024 * 1024
"""A PagerDuty or Jira export larger than this is rejected unread."""
MAX_DEPTH = 64
"""Nesting of mappings and lists; an Event Packet needs 7."""
MAX_NODES = 5_000_000
"""Values in one document after alias expansion."""
MAX_ALIASES = 100
"""YAML aliases (*name) in one document; packets written by this tool have none."""
MAX_TEXT = 1_000_000
"""Characters in one text value (the engines store it as one string)."""
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
"""The integer range both engines store (INT64)."""
MIN_YEAR, MAX_YEAR = 1900, 2200
"""Timestamps outside these years are rejected: they overflow in the UTC conversion (year 1
or 9999 with an offset) and no incident happened then."""


class DocumentError(ValueError):
    """Outside text that cannot be accepted: `field` is where, `expected` what was expected."""

    def __init__(self, field: str, expected: str) -> None:
        self.field, self.expected = field, expected
        super().__init__(f"{field}: {expected}")


_short = reprlib.Repr()
_short.maxstring, _short.maxother, _short.maxlevel, _short.maxlist, _short.maxdict = 60, 60, 2, 4, 4


_CONTROLS = {c: f"\\x{c:02x}" for c in [*range(32), 127, 0x85]} | {0x2028: "\\u2028", 0x2029: "\\u2029"}


def one_line(text: str) -> str:
    """Text for a one-line message: control characters (newlines, terminal escapes) shown as escapes."""
    return text.translate(_CONTROLS)


def brief(value: Any) -> str:
    """A short repr of outside data for error messages: bounded, however large or deep the value."""
    return _short.repr(value)


def decode(data: bytes, limit: int = MAX_FILE_BYTES) -> str:
    """UTF-8 text of a file's bytes; read at most limit + 1 of them, so a huge file is never read whole."""
    if len(data) > limit:
        raise DocumentError("(file)", f"a file of at most {limit:,} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError("(file)", f"UTF-8 text ({exc.reason} at byte {exc.start})") from None


class _UniqueKeyLoader(_Loader):
    """Safe loading that rejects a mapping key given twice (YAML says keys are unique;
    PyYAML would keep the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                dupe = key in seen
                seen.add(key)
            except TypeError:
                continue  # an unhashable key: the base class reports it
            if dupe:
                raise yaml.constructor.ConstructorError(
                    None, None, f"mapping key {brief(key)} appears twice", key_node.start_mark
                )
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


class _Irregular(Exception):
    """A document the plain-tree builder leaves to PyYAML's constructor (which gives its exact result or error)."""


_STR, _MERGE, _VALUE = "tag:yaml.org,2002:str", "tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"
_SCALARS = ("null", "bool", "int", "float", "timestamp")
_RESOLVED: dict[tuple[str, Any], str] = {}  # (scalar, implicit) -> tag: keys and enum values repeat


class _PlainTreeLoader(_UniqueKeyLoader):
    """For documents without anchors or aliases: the same values as `_UniqueKeyLoader`, built
    by one direct walk of libyaml's node tree instead of PyYAML's generic constructor, which
    took most of the time of reading a packet (a duplicate key, a merge key, a tag or a value
    that fails falls back to that constructor, so results and errors stay exactly its own)."""

    _fast = {
        f"tag:yaml.org,2002:{name}": _UniqueKeyLoader.yaml_constructors[f"tag:yaml.org,2002:{name}"]
        for name in _SCALARS
    }

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not yaml.ScalarNode or len(value) > 40:
            return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        key = (value, implicit)
        tag = _RESOLVED.get(key)
        if tag is None:
            tag = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
            if len(_RESOLVED) < 50_000:
                _RESOLVED[key] = tag
        return tag

    checked = False
    """True once the direct walk built the document: it then holds no container deeper than
    MAX_DEPTH and at most MAX_NODES values, so `_check_tree` would find nothing to reject."""

    def construct_document(self, node: yaml.Node) -> Any:
        self._nodes = 0
        try:
            data = self._build(node, 1)
        except (_Irregular, Exception):
            return super().construct_document(node)
        self.checked = True
        return data

    def _build(self, node: yaml.Node, depth: int) -> Any:
        self._nodes += 1  # keys too: an over-count only sends a huge document to the checked path
        if depth > MAX_DEPTH or self._nodes > MAX_NODES:
            raise _Irregular
        tag = node.tag
        if isinstance(node, yaml.ScalarNode):
            if tag == _STR:
                return node.value
            ctor = self._fast.get(tag)
            if ctor is None:
                raise _Irregular
            return ctor(self, node)
        if isinstance(node, yaml.SequenceNode) and tag == "tag:yaml.org,2002:seq":
            return [self._build(item, depth + 1) for item in node.value]
        if isinstance(node, yaml.MappingNode) and tag == "tag:yaml.org,2002:map":
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag in (_MERGE, _VALUE):
                    raise _Irregular
                key = self._build(key_node, depth + 1)
                if key in out:
                    raise _Irregular
                out[key] = self._build(value_node, depth + 1)
            return out
        raise _Irregular


def _check_yaml_events(text: str) -> None:
    """Depth, alias count and alias expansion from the event stream, before any node is built:
    a 342-byte alias bomb expands to 387 million values."""
    depth = aliases = nodes = 0
    sizes: dict[str, int] = {}
    open_: list[tuple[str | None, int]] = []
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            nodes += 1
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else "?"
                raise DocumentError("(document)", f"at most {MAX_DEPTH} levels of nesting (line {line})")
            open_.append((event.anchor, nodes))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            anchor, start = open_.pop()
            if anchor is not None:
                sizes[anchor] = nodes - start + 1
        elif isinstance(event, yaml.ScalarEvent):
            nodes += 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise DocumentError("(document)", f"at most {MAX_ALIASES} YAML aliases (*name)")
            nodes += sizes.get(event.anchor or "", 1)
        if nodes > MAX_NODES:
            raise DocumentError("(document)", f"at most {MAX_NODES:,} values, aliases expanded")


def _check_tree(data: Any) -> None:
    """Depth and size of parsed data, without recursion."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise DocumentError("(document)", f"at most {MAX_NODES:,} values")
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise DocumentError("(document)", f"at most {MAX_DEPTH} levels of nesting")
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)


def load_yaml(text: str) -> Any:
    """One YAML document, safely: no tags beyond YAML's own, unique keys, bounded aliases and depth."""
    data = load_block_yaml(text)  # the block YAML packets are, read directly (the same value)
    return data if data is not DECLINE else load_yaml_with_pyyaml(text)


def load_yaml_with_pyyaml(text: str) -> Any:
    """`load_yaml` through PyYAML (libyaml) alone: what the fast reader declines, and its reference."""
    if "*" in text or "&" in text:  # only then can there be aliases to expand
        try:
            _check_yaml_events(text)
        except yaml.YAMLError as exc:
            raise DocumentError("(syntax)", f"valid YAML: {_one_line(exc)}") from None
        except RecursionError:
            raise DocumentError("(document)", f"at most {MAX_DEPTH} levels of nesting") from None
    loader: _UniqueKeyLoader | None = None
    try:  # what yaml.load does, keeping the loader to ask it whether the tree is `checked`
        loader = (_UniqueKeyLoader if "*" in text or "&" in text else _PlainTreeLoader)(text)
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise DocumentError("(syntax)", f"valid YAML: {_one_line(exc)}") from None
    except Exception as exc:
        # PyYAML's constructors raise ValueError for a date like 0000-01-01 or an integer of
        # 4,301+ digits, AttributeError for `!!timestamp` on a mapping...: all are this file's.
        raise DocumentError("(syntax)", f"valid YAML values: {type(exc).__name__}: {_one_line(exc)}") from None
    finally:
        if loader is not None:
            loader.dispose()
    if not getattr(loader, "checked", False):  # the direct walk bounded depth and size already
        _check_tree(data)
    return data


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        dupe = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise DocumentError("(syntax)", f"unique keys in every JSON object (key {brief(dupe)} appears twice)")
    return out


def load_json(text: str) -> Any:
    """JSON with unique keys, finite numbers and bounded depth."""
    try:
        data = json.loads(text, object_pairs_hook=_unique_pairs, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise DocumentError("(syntax)", f"valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise DocumentError("(document)", f"at most {MAX_DEPTH} levels of nesting") from None
    except DocumentError:
        raise
    except Exception as exc:  # an integer of 4,301+ digits
        raise DocumentError("(syntax)", f"valid JSON values: {type(exc).__name__}: {_one_line(exc)}") from None
    _check_tree(data)
    return data


def _no_constant(name: str) -> Any:
    raise DocumentError("(syntax)", f"valid JSON: {name} is not a JSON number")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:297] + "..."


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100)
