"""The fast block-YAML reader against libyaml: on any text it declines or gives exactly PyYAML's
safe loader's value (types, key order, strings), so `load_yaml` answers as it did before it."""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from kb.model.block_yaml import DECLINE, load_block_yaml
from kb.model.documents import _UniqueKeyLoader, dump_yaml, load_yaml
from kb.packets import packet_text, read_packet
from tests.fuzz_support import base_packet, fuzz_settings
from tests.hostile_files import packet_files, roadmap_files

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "packets" / "INC-2025-001.yaml"

_MISSING = object()


def reference(text: str) -> Any:
    """PyYAML's value (libyaml, unique keys), or _MISSING where it raises."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a safe loader
    except Exception:
        return _MISSING


def same(a: Any, b: Any) -> bool:
    """Equal with equal types all the way down (True is not 1, 1.0 is not 1, a date is not a str)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return (
            list(a) == list(b)
            and all(same(x, y) for x, y in zip(a, b, strict=True))
            and all(same(a[k], b[k]) for k in a)
        )
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, dt.datetime):
        return bool(a == b and a.tzinfo == b.tzinfo and a.utcoffset() == b.utcoffset())
    return bool(a == b)


def check(text: str) -> bool:
    """The fast reader declines or agrees with libyaml; True if it read the text."""
    fast = load_block_yaml(text)
    if fast is DECLINE:
        return False
    expected = reference(text)
    assert expected is not _MISSING, f"read a text PyYAML rejects: {text!r}"
    assert same(fast, expected), f"{text!r}: {fast!r} != {expected!r}"
    return True


# Strings each YAML 1.1 rule reads differently, and the characters that end or start a scalar.
TRICKY = [
    *(
        [
            "yes",
            "No",
            "ON",
            "off",
            "y",
            "n",
            "true",
            "False",
            "null",
            "Null",
            "~",
            "NULL",
            "-",
            "--",
            "---",
            "...",
            ".",
            "..",
            "0",
            "-0",
            "+1",
            "1_000",
            "0x1F",
            "0o17",
            "017",
            "0b101",
        ]
    ),
    *(
        [
            "1:30",
            "-1:30:00",
            "1.5",
            "1e5",
            "1.0e+5",
            ".5",
            "-.inf",
            ".NaN",
            ".inf",
            "1_0.5",
            "2024-01-01",
            "2024-1-1",
            "2024-01-01T10:00:00Z",
        ]
    ),
    *("2024-01-01 10:00:00 +05:00", "2024-01-01t10:00:00.5-02", "0000-01-01", "9" * 30, "<<", "=", "!x", "&a"),
    *("*a", "|", ">", "%x", "@x", "`x", "?", "? x", ":", ": x", "x:", "x: y", "x :y", "x #y", "x#y", "#x"),
    *("'", "''", '"', "it's", "a'b'c", "[]", "{}", "[a]", "{a: b}", "a, b", "-x", "- x", "-5", "x - y"),
    *(" lead", "trail ", "  ", "", "a  b", "a\nb", "a\n\nb", "a\n", "\na", "a \nb", "a\n b", "\n", "\xa0x"),
    *("caf\xe9", "\u201cquoted\u201d", "\U0001f600", "a\tb", "a\x85b", "a\u2028b", "\ufeffx", "x\x07"),
]
_WORDS = st.sampled_from(["the", "cache", "a", "#b", "c:", "d:e", "-", "'q'", "1", "yes", "\u00e9t\u00e9", "x" * 30])
_SENTENCE = st.lists(_WORDS, min_size=1, max_size=40).map(" ".join)
_SEPARATED = st.lists(_SENTENCE, min_size=2, max_size=4).flatmap(
    lambda parts: st.sampled_from(["\n", "\n\n", "\n\n\n", " \n", "\n "]).map(lambda sep: sep.join(parts))
)
TEXT = st.one_of(st.sampled_from(TRICKY), _SENTENCE, _SEPARATED, st.text(max_size=30))
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.dates(min_value=dt.date(1, 1, 1)),
    st.datetimes(timezones=st.sampled_from([None, dt.UTC, dt.timezone(dt.timedelta(hours=-5, minutes=-30))])),
    TEXT,
)
KEYS = st.one_of(
    st.sampled_from(["id", "title", "at", "text", "on", "yes", "1", "no"]), TEXT, st.integers(), st.booleans()
)
DATA = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=25,
)
DUMPS = st.fixed_dictionaries(
    {
        "width": st.sampled_from([10, 30, 80, 100, 1000]),
        "allow_unicode": st.booleans(),
        "indent": st.sampled_from([2, 3, 4]),
        "default_flow_style": st.sampled_from([False, False, None]),
        "default_style": st.sampled_from([None, None, None, "'"]),
    }
)


@fuzz_settings(300)
@given(data=st.one_of(st.dictionaries(KEYS, DATA, min_size=1, max_size=6), st.lists(DATA, min_size=1)), how=DUMPS)
def test_dumped_data_reads_back_as_libyaml_reads_it(data: Any, how: dict[str, Any]) -> None:
    check(yaml.safe_dump(data, sort_keys=False, **how))


# Packet-like data: mostly what the fast path reads, each value a chance to differ from libyaml.
MILD_TEXT = st.one_of(_SENTENCE, _SEPARATED, st.sampled_from([t for t in TRICKY if t.isprintable() and "\t" not in t]))
MILD = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.dates(), MILD_TEXT),
    lambda inner: st.lists(inner, min_size=1, max_size=4) | st.dictionaries(MILD_TEXT, inner, min_size=1, max_size=5),
    max_leaves=12,
)


@fuzz_settings(400)
@given(data=st.dictionaries(st.sampled_from(["incident", "timeline", "id", "at"]), MILD, min_size=1), how=DUMPS)
def test_packet_like_data_reads_back_as_libyaml_reads_it(data: Any, how: dict[str, Any]) -> None:
    check(yaml.safe_dump(data, sort_keys=False, **{**how, "default_flow_style": False, "default_style": None}))


def _packet_texts() -> list[str]:
    """kb's writer output for packets, and the shapes real imported packets have."""
    example = EXAMPLE.read_text(encoding="utf-8")
    packet = dump_yaml(base_packet())
    written = packet_text(read_packet(EXAMPLE), EXAMPLE)
    imported = (
        "incident:\n  id: 2022-09-06-x\n  summary: The credentials were not made permanent. The outage was\n"
        "    fixed when they were added.\n\n\n    After the ticket was resolved, the final part of the fix\n"
        "    - committing the credentials - was not completed.\n  tags:\n  - auth\n"
        "timeline:\n- at: '2022-09-06T10:00:00Z'\n  text: 'Message says: \"UToronto is reporting 500 errors for\n"
        "    all users\" and it''s loud'\n  source: slack\n- text: 'a\n\n    b\n\n\n    c'\n"
    )
    return [example, packet, written, imported]


def test_packets_as_written_take_the_fast_path() -> None:
    texts = _packet_texts()
    for text in texts[1:]:
        assert check(text), text
    assert load_yaml(texts[3])["incident"]["summary"] == (
        "The credentials were not made permanent. The outage was fixed when they were added.\n\n"
        "After the ticket was resolved, the final part of the fix - committing the credentials - was not completed."
    )


_MUTANT_CHARS = list(" \n:-#'\"[]{}&*!|>?%@`,\t\r~.0ax\\") + ["\xa0", "\u2028", "\x85", "\ufeff"]
_SNIPPETS = [
    *_MUTANT_CHARS,
    " #",
    ": ",
    " :",
    "- ",
    "''",
    "\n  ",
    "\n\n",
    "&a ",
    "*a",
    "? ",
    "yes",
    "0x1",
    "1:2",
    "~",
    "---",
]


def _position(rnd: random.Random, text: str) -> int:
    """Anywhere, or where YAML's structure is: a line's start or end, after `: ` or `- `, at a space."""
    spots = [m.end() for m in re.finditer(r"\n *|: |- | |$", text)]
    return rnd.randrange(len(text) + 1) if not spots or rnd.random() < 0.3 else rnd.choice(spots)


@st.composite
def mutants(draw: st.DrawFn, texts: list[str]) -> str:
    """A text with 1-3 random edits anywhere (uniform positions: hypothesis's integers favour the ends)."""
    text = draw(st.sampled_from(texts))
    rnd = draw(st.randoms(use_true_random=True))
    for _ in range(rnd.randint(1, 3)):
        lines = text.split("\n")
        kind = rnd.choice(["insert", "insert", "delete", "replace", "dup-line", "drop-line", "indent", "dedent"])
        if kind in ("insert", "delete", "replace"):
            pos = _position(rnd, text)
            cut = pos + (kind != "insert")
            text = text[:pos] + ("" if kind == "delete" else rnd.choice(_SNIPPETS)) + text[cut:]
            continue
        k = rnd.randrange(len(lines))
        if kind == "dup-line":
            lines.insert(k, lines[k])
        elif kind == "drop-line":
            del lines[k]
        elif kind == "indent":
            lines[k] = " " * rnd.randint(1, 3) + lines[k]
        else:
            lines[k] = lines[k][rnd.randint(1, 3) :]
        text = "\n".join(lines)
    return text


@fuzz_settings(1500)
@given(text=mutants(_packet_texts()))
def test_mutated_packets_are_declined_or_read_as_libyaml_reads_them(text: str) -> None:
    check(text)


def _hostile_texts() -> list[str]:
    out = []
    for files in (packet_files(), roadmap_files()):
        for name, raw in files.items():
            if name.endswith((".yaml", ".yml")) and len(raw) < 20_000:
                try:
                    out.append(raw.decode("utf-8"))
                except UnicodeDecodeError:
                    continue
    return out


@pytest.mark.parametrize("text", _hostile_texts())
def test_hostile_documents_are_declined_or_read_as_libyaml_reads_them(text: str) -> None:
    check(text)


@fuzz_settings(800)
@given(text=mutants(_hostile_texts()))
def test_mutated_hostile_documents_are_declined_or_read_as_libyaml_reads_them(text: str) -> None:
    check(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",  # a duplicate key: PyYAML's loader names it
        "a: 1 # note\n",
        "a: x #y\n",
        "a: x\n  #y\n",
        "- x #y\n",
        "# note\na: 1\n",
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "a: [1, 2]\n",
        "a: |\n  text\n",
        'a: "x\\ty"\n',
        "---\na: 1\n",
        "a:\tb\n",
        "a: 0000-01-01\n",
        "a: " + "9" * 5000 + "\n",
        "<<: {a: 1}\n",
        "a: b: c\n",
        "- - 1\n",
        "-\n  a: 1\n",
    ],
)
def test_what_the_fast_path_leaves_to_pyyaml(text: str) -> None:
    assert load_block_yaml(text) is DECLINE


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a: yes\nb: 0x1F\nc: 1:30\nd: 2024-01-02\ne: ~\nf: 1.5\ng: -.inf\n", None),
        ("'yes': 'no'\n'it''s': a\n", {"yes": "no", "it's": "a"}),
        (
            "a:\n- 1\n- x: y\n  z:\n  - q\nb: {}\nc: []\nd:\n",
            {"a": [1, {"x": "y", "z": ["q"]}], "b": {}, "c": [], "d": None},
        ),
        ("a: one\n  two\n\n  three\n", {"a": "one two\nthree"}),
    ],
)
def test_the_fast_path_reads_yaml_1_1_values(text: str, value: Any) -> None:
    assert check(text)
    if value is not None:
        assert same(load_block_yaml(text), value)
