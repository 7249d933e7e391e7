"""Labels that give one of the incident's instants: "First detected: 2023-09-18 13:42",
"Incident declared: ...", "Repaired: ...", "Resolved 2023-09-20 19:18" (no colon).

Read by their words, not by one template's spelling: a label is one word that names the
moment (detected, declared, repaired, restored, resolved...) among words that only qualify it
(first, incident, time, at...). "Time to resolve" is a duration, not a label: "to" qualifies
nothing. A label counts only with a date or time right after it; the caller checks that.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from ingest.markdown.timeline import stamp

# The anchor each naming word gives; keys are the meta names importer._LABELS reads.
_MOMENT_WORDS: dict[str, tuple[str, ...]] = {
    "started": ("start", "started", "starts", "began", "begin", "beginning", "onset", "occurs", "occurred", "happened"),
    "detected": (
        "detected",
        "detection",
        "discovered",
        "discovery",
        "noticed",
        "identified",
        "alerted",
        "reported",
        "aware",
    ),
    "acknowledged": ("acknowledged", "acknowledgement", "acknowledgment", "declared"),
    "mitigated": ("mitigated", "mitigation", "repaired", "repair", "recovered", "recovery", "restored", "fixed"),
    "resolved": ("resolved", "resolution", "closed", "ended", "end"),
}
_WORD_ANCHOR = {w: anchor for anchor, words in _MOMENT_WORDS.items() for w in words}
_QUALIFIERS = frozenset(
    (
        "first",
        "initially",
        "initial",
        "fully",
        "time",
        "date",
        "datetime",
        "timestamp",
        "at",
        "on",
        "of",
        "when",
        "was",
        "is",
        "incident",
        "issue",
        "outage",
        "impact",
        "problem",
        "fault",
        "failure",
        "error",
        "team",
        "became",
        "service",
        "services",
        "the",
    )
)
_FUZZY_MIN = 90  # "deteceted" -> detected (94); "restarted" is not "started" (87.5)
_BARE = re.compile(r"(?P<name>[A-Za-z][A-Za-z ]{1,40}?)\s+(?=[\d~])")
_MAX_TRAILING = 12  # "Resolved 2023-09-20 19:18 (approx.)": little may follow the instant


def anchor_label(name: str) -> str | None:
    """The meta name of the instant a label names ("First detected" -> "detected"), else None.
    The first naming word wins: "Repaired declared" is a repair (declared so)."""
    words = re.sub(r"[^a-z]+", " ", name.lower()).split()
    anchor = None
    for w in words:
        if w in _QUALIFIERS:
            continue
        near = w if w in _WORD_ANCHOR else _misspelled(w)
        if near is None:
            return None
        anchor = anchor or _WORD_ANCHOR[near]
    return anchor


def _misspelled(word: str) -> str | None:
    if len(word) < 7:
        return None
    hit = process.extractOne(word, _WORD_ANCHOR.keys(), scorer=fuzz.ratio, score_cutoff=_FUZZY_MIN)
    return hit[0] if hit else None


def bare_label(line: str) -> tuple[str, str] | None:
    """A line that is only a label and an instant, without a colon ("Resolved 2023-09-20 19:18"):
    (meta name, the instant's text), else None."""
    m = _BARE.match(line.strip())
    if not m:
        return None
    anchor = anchor_label(m.group("name"))
    value = line.strip()[m.end() :]
    st = stamp(value, None) if anchor else None
    if anchor is None or st is None or (st.day is None and st.at is None) or len(st.rest) > _MAX_TRAILING:
        return None
    return anchor, value
