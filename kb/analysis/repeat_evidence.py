"""Repeat evidence that imported post-mortems carry: what the text says, and near twins.

- text: the incident's text says it was seen before ("we had seen this issue before",
  "repeat of an earlier outage", "same issue as ...", "same as INC-...") or cites an
  earlier incident (its key, or the file name of its report in a link). A cited earlier
  incident is the one named; a claim that cites none names the nearest earlier incident by
  similarity, and says so.
- twin: the incident's best earlier match (`kb similar`'s score) is at least TWIN_SCORE and
  that earlier review produced findings (not rejected): the findings did not prevent it.
  Only for imported packets nobody reviewed yet, without a confirmed theme: where a review
  happened, its themes, the findings addressing them and its related check decide.

Regexes are bounded (no nested repetition), so they stay linear on outside text.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

import pandas as pd

from kb.analysis.entities import incident_documents
from kb.analysis.incident_features import Queryable

TWIN_SCORE = 0.25
"""Best-earlier-match score from which an incident is a near twin. On the 39 real reports of
bench/real_eval.py every match at or above 0.25 is a labelled pair; below it unrelated pairs
appear (0.22 and less)."""
REJECTED = "rejected"
CLAIMS = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\b(?:we|i|they|team)\s+(?:had|have|'ve)\s+(?:already\s+)?seen\s+(?:this|that|it|the\s+same|a\s+similar)"
        r"\b[^.\n]{0,60}?\bbefore\b",
        r"\bseen\s+(?:this|it|that)\s+(?:\w+\s+){0,3}?before\b",
        r"\b(?:a\s+)?repeat\s+of\s+(?:an?\s+|the\s+)?(?:earlier|previous|prior|last)\b",
        r"\bsame\s+(?:\w+\s+){0,2}?(?:issue|problem|incident|outage|failure|state)\s+as\b",
        r"\b(?:happened|occurred)\s+again\b",
        r"\bsame\s+as\s+[A-Z][A-Z0-9]*-\d",
    )
)
_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,200}")
COLUMNS = ["incident", "started_at", "earlier_incident", "finding", "via_kind", "via", "evidence"]


def _names(key: str, source_file: object) -> set[str]:
    """The names a report can be cited by: its key, its file name, the id before ' - '."""
    out = {key.lower()}
    if isinstance(source_file, str) and source_file:
        stem = PurePath(source_file).stem.lower()
        out |= {stem, stem.split(" - ")[0].strip()}
    return {n for n in out if len(n) >= 6 and any(c.isdigit() for c in n)}


def cited(text: str, names: dict[str, str]) -> list[str]:
    """Keys of the incidents whose names appear in `text` as whole tokens, in order of appearance."""
    out: list[str] = []
    for m in _REF.finditer(text):
        tok = m.group(0).lower().rstrip(".-_")
        for cand in (tok, re.sub(r"\.(?:md|pdf|html?)$", "", tok)):
            key = names.get(cand)
            if key is not None and key not in out:
                out.append(key)
    return out


def claim(text: str) -> str | None:
    """The first phrase saying the incident was seen before, with a little context."""
    for rx in CLAIMS:
        m = rx.search(text)
        if m:
            lo, hi = max(0, m.start() - 30), min(len(text), m.end() + 30)
            return " ".join(text[lo:hi].split())
    return None


def _true(value: object) -> bool:
    return bool(value) and not (isinstance(value, float) and value != value)  # NaN is unknown, not true


def text_and_twin_repeats(kbase: Queryable, twin_score: float = TWIN_SCORE) -> pd.DataFrame:
    """One row per (repeat incident, earlier incident, kind of evidence): via_kind text or twin."""
    sources = kbase.query("patterns_incident_sources")
    if sources.empty:
        return pd.DataFrame(columns=COLUMNS)
    started = dict(zip(sources["incident"], pd.to_datetime(sources["started_at"], utc=True), strict=True))
    names: dict[str, str] = {}
    for key, src in zip(sources["incident"], sources["source_file"], strict=True):
        for n in _names(str(key), src):
            names.setdefault(n, str(key))
    findings = kbase.query("loop_findings")
    findings = findings[findings["status"] != REJECTED] if not findings.empty else findings
    produced: dict[str, list[str]] = {}
    statements: dict[str, str] = {}
    for f, inc, st in zip(
        findings.get("finding", []), findings.get("incident", []), findings.get("statement", []), strict=True
    ):
        produced.setdefault(str(inc), []).append(str(f))
        statements[str(f)] = str(st) if st is not None else ""
    from kb.analysis.similarity_store import RecordingQueries, load_index  # it imports kb.analysis.similarity

    reader = RecordingQueries(kbase)  # the index (when it is built) reads the documents' queries again
    docs, _ = incident_documents(reader)
    index = load_index(reader)
    confirmed = {inc for (inc, label), w in index.certainty.items() if label.startswith("theme:") and w >= 1.0}
    unreviewed = {
        str(k)
        for k, imp, rev in zip(sources["incident"], sources["imported"], sources["reviewed"], strict=True)
        if _true(imp) and not _true(rev)
    }
    rows: list[dict[str, Any]] = []

    def add(inc: str, earlier: str | None, kind: str, via: str, evidence: str) -> None:
        first = sorted(produced.get(earlier, []))[0] if earlier and produced.get(earlier) else None
        rows.append(
            {
                "incident": inc,
                "started_at": started[inc],
                "earlier_incident": earlier,
                "finding": first,
                "via_kind": kind,
                "via": via,
                "evidence": evidence,
            }
        )

    # Every incident's best earlier match in one batch (the same scores as one row at a time).
    best_of = {m.query: m for m in index.matches(range(len(index.keys)), 1, earlier_only=True)}
    for row, inc in enumerate(index.keys):
        best = best_of.get(row)
        text = docs.get(inc, "")
        earlier_cited = [k for k in cited(text, names) if k != inc and started.get(k, started[inc]) < started[inc]]
        said = claim(text)
        for k in earlier_cited:
            add(
                inc,
                k,
                "text",
                "cites",
                f"the text cites the earlier report {k}" + (f' and says "{said}"' if said else ""),
            )
        if said and not earlier_cited:
            if best is not None:
                add(
                    inc,
                    index.keys[best.hit],
                    "text",
                    "says seen before",
                    f'"{said}"; nearest earlier incident by similarity: {index.keys[best.hit]} '
                    f"(score {best.score:.2f})",
                )
            else:
                add(inc, None, "text", "says seen before", f'"{said}"; no earlier incident in the knowledge base')
        if best is None or inc in confirmed or inc not in unreviewed or best.score < twin_score:
            continue
        earlier = index.keys[best.hit]
        made = produced.get(earlier, [])
        if not made:
            continue
        example = statements.get(sorted(made)[0], "")[:80]
        add(
            inc,
            earlier,
            "twin",
            f"score {best.score:.2f}",
            f"near twin of {earlier} ({index.reason(best)}); its review produced {len(made)} finding(s), "
            f'e.g. "{example}"',
        )
    return pd.DataFrame(rows, columns=COLUMNS)
