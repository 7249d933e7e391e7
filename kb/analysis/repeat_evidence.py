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
- same incident: a later document about the SAME incident (an addendum, a follow-up, a deeper
  dive) is no repeat, and neither is the first report "a repeat" of it. A document is a
  follow-up of a report it cites when it says so ("addendum to the initial incident report",
  "follow-up to the post-mortem") or when both incidents start within SAME_INCIDENT_DAYS and
  the text claims no recurrence; without a citation, a document that says it is a follow-up
  is paired with its nearest match by similarity that starts within SAME_INCIDENT_DAYS. Such
  pairs are listed by `follow_up_documents` and left out of each other's repeat evidence (a
  twin then falls back to the next earlier match). Start times cannot order them: a deeper
  dive written months later often dates the incident to its day (00:00) and so sorts first.

Regexes are bounded (no nested repetition), so they stay linear on outside text.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from kb.graph.catalogue import Queryable

if TYPE_CHECKING:  # pandas loads where a frame is made: `kb check`'s follow-up test needs none of it
    import pandas as pd

    from kb.analysis.similarity import Match

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
CLAIM_WORDS: tuple[tuple[str, ...], ...] = (
    ("seen", "before"),
    ("seen", "before"),
    ("repeat",),
    ("same",),
    ("again",),
    ("same",),
)
"""Words each of CLAIMS needs (in any case): a text without them skips that regex, the costly part."""
SAME_INCIDENT_DAYS = 2
"""Two documents whose incidents start this close, one citing the other, describe one incident
(unless the text says it happened again): reports of one outage are written days apart at most,
while the labelled repeats of bench/real_eval.py that cite their earlier report are a week apart."""
_DOCUMENT = r"(?:report|post-?mortem|postmortem|review|write-?up|rca|retrospective|analysis|investigation)"
FOLLOW_UP = re.compile(
    # "addendum to the initial incident report", "follow-up to our post-mortem": a document about a
    # document. Not "follow up on the incident" (an action item) nor "update on the outage".
    rf"\b(?:addendum|follow[- ]?up|deeper[- ]dive|supplement|sequel)\s+(?:to|of|on|for|into)\s+"
    rf"(?:(?:the|our|an?|this|that)\s+)?(?:(?:initial|original|earlier|previous|prior|first)\s+)?"
    rf"(?:(?:incident|outage)\s+)?{_DOCUMENT}\b|"
    r"\bdeeper[- ]dive\s+into\s+(?:the|this|that)\s+(?:incident|outage)\b|"
    r"\bthis\s+(?:document\s+|report\s+)?is\s+an?\s+(?:addendum|follow[- ]?up|deeper[- ]dive|supplement)\b",
    re.IGNORECASE,
)
FOLLOW_UP_WORDS = ("addendum", "follow", "deeper", "supplement", "sequel")
"""FOLLOW_UP matches only a text with one of these words (in any case)."""
_WORD_RX = {w: re.compile(w, re.IGNORECASE) for w in {w for ws in CLAIM_WORDS for w in ws} | set(FOLLOW_UP_WORDS)}
_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,200}")
_EXTENSION = re.compile(r"\.(?:md|pdf|html?)$")
COLUMNS = ["incident", "started_at", "earlier_incident", "finding", "via_kind", "via", "evidence"]
FOLLOW_UP_COLUMNS = ["document", "same_incident_as", "evidence"]
TWIN_CANDIDATES = 3
"""Earlier matches looked at per incident, so a twin skips a document of the same incident."""


def _names(key: str, source_file: object) -> frozenset[str]:
    """The names a report can be cited by: its key, its file name, the id before ' - '."""
    return _names_of(key, source_file if isinstance(source_file, str) else None)


@lru_cache(maxsize=1 << 15)
def _names_of(key: str, source_file: str | None) -> frozenset[str]:
    # (cached: `kb check --all` asks twice for every incident's, ~0.6 CPU s at 10,000)
    out = {key.lower()}
    if source_file:
        stem = PurePath(source_file).stem.lower()
        out |= {stem, stem.split(" - ")[0].strip()}
    return frozenset(n for n in out if len(n) >= 6 and any(map(str.isdigit, n)))


class TokenNames:
    """What each distinct token names (see `cited`), worked out once across the texts of one corpus."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.seen: set[str] = set()
        self.naming: dict[str, list[str]] = {}
        self.prefixes = _prefixes(names)

    def may_name(self, text: str) -> bool:
        """False when no token of `text` can name an incident: a token names one when, lower-cased, it
        starts with its name (see `_token_keys`), so the lower-cased text holds the name's first
        characters. Tokens are ASCII, so lower-casing the whole text keeps each token's letters
        together. Tokenising every text was most of the repeat evidence's cost at 30,000 incidents."""
        if self.prefixes is None:
            return True
        lowered = text.lower()
        return any(p in lowered for p in self.prefixes)

    def learn(self, tokens: set[str]) -> None:
        for tok in tokens - self.seen:
            keys = _token_keys(tok, self.names)
            if keys:
                self.naming[tok] = keys
        self.seen |= tokens


def cited(text: str, names: dict[str, str], known: TokenNames | None = None) -> list[str]:
    """Keys of the incidents whose names appear in `text` as whole tokens, in order of appearance.

    `known` (built on the same `names`) carries what each distinct token names across calls: a
    token is looked up once, and a text without the beginning of any name is not tokenised."""
    known = TokenNames(names) if known is None else known
    if not known.may_name(text):
        return []
    tokens = _REF.findall(text)
    distinct = set(tokens)
    known.learn(distinct)
    if distinct.isdisjoint(known.naming):
        return []
    out: list[str] = []
    for tok in tokens:
        for key in known.naming.get(tok, ()):
            if key not in out:
                out.append(key)
    return out


PREFIX = 6
"""Characters of each name that `TokenNames.may_name` looks for (names are at least 6 long: `_names`)."""
MAX_PREFIXES = 64
"""More distinct name beginnings than this (file names rather than keys of one scheme): every text is
tokenised, as looking for each would cost more."""


def _prefixes(names: dict[str, str]) -> frozenset[str] | None:
    """The distinct beginnings of the names (their first PREFIX characters), when few."""
    out = frozenset(n[:PREFIX] for n in names)
    return out if len(out) <= MAX_PREFIXES else None


def _token_keys(token: str, names: dict[str, str]) -> list[str]:
    """The keys one token names: as written (less trailing punctuation), then without a file extension."""
    tok = token.lower().rstrip(".-_")
    out: list[str] = []
    for cand in (tok, _EXTENSION.sub("", tok)):
        key = names.get(cand)
        if key is not None and key not in out:
            out.append(key)
    return out


def _has_word(text: str, lowered: str | None, word: str) -> bool:
    """Whether `text` holds `word` in any case, as an IGNORECASE regex sees it (which also folds a few
    non-ASCII letters, such as the long s, to ASCII ones: those texts ask the regex)."""
    return word in lowered if lowered is not None else _WORD_RX[word].search(text) is not None


def _lowered(text: str) -> str | None:
    return text.lower() if text.isascii() else None


def claim(text: str) -> str | None:
    """The first phrase saying the incident was seen before, with a little context."""
    lowered = _lowered(text)
    for rx, words in zip(CLAIMS, CLAIM_WORDS, strict=True):
        if not all(_has_word(text, lowered, w) for w in words):
            continue
        m = rx.search(text)
        if m:
            lo, hi = max(0, m.start() - 30), min(len(text), m.end() + 30)
            return " ".join(text[lo:hi].split())
    return None


def follow_up_claim(text: str) -> str | None:
    """The phrase saying the document follows up an earlier report of the same incident, in context."""
    lowered = _lowered(text)
    if not any(_has_word(text, lowered, w) for w in FOLLOW_UP_WORDS):
        return None
    m = FOLLOW_UP.search(text)
    if m is None:
        return None
    lo, hi = max(0, m.start() - 10), min(len(text), m.end() + 50)
    return " ".join(text[lo:hi].split())


def follows_up(text: str, started: datetime, report: str, report_file: object, report_started: datetime) -> str | None:
    """Why a document (its `text`, its incident starting at `started`) follows up `report` about the
    same incident, else None: it cites the report and says it is a follow-up, or starts within
    SAME_INCIDENT_DAYS of it and claims no recurrence."""
    if report not in cited(text, {n: report for n in _names(report, report_file)}):
        return None
    says = follow_up_claim(text)
    if says:
        return f'the text cites {report} and says "{says}"'
    if abs(started - report_started) <= timedelta(days=SAME_INCIDENT_DAYS) and not claim(text):
        return f"the text cites {report}, claims no recurrence and starts within {SAME_INCIDENT_DAYS} days of it"
    return None


def _cells(frame: pd.DataFrame, column: str) -> list[Any]:
    """A column's cells as a list (the same values iterating it gives); none where the answer lacks it."""
    return frame[column].tolist() if column in frame.columns else []


def _true(value: object) -> bool:
    return bool(value) and not (isinstance(value, float) and value != value)  # NaN is unknown, not true


class _Corpus:
    """What the repeat evidence reads: start times, names, findings, texts, the similarity index."""

    def __init__(self, kbase: Queryable) -> None:
        import pandas as pd  # noqa: PLC0415 (loaded where used)

        sources = kbase.query("patterns_incident_sources")
        self.empty = sources.empty
        # Lists, not the columns: iterating an arrow-backed column costs a call per cell.
        keys = sources["incident"].tolist()
        self.started = dict(zip(keys, pd.to_datetime(sources["started_at"], utc=True).tolist(), strict=True))
        self._same_incident = pd.Timedelta(days=SAME_INCIDENT_DAYS)
        self.names: dict[str, str] = {}
        for key, src in zip(keys, sources["source_file"].tolist(), strict=True):
            for n in _names(str(key), src):
                self.names.setdefault(n, str(key))
        self.unreviewed = {
            str(k)
            for k, imp, rev in zip(keys, sources["imported"].tolist(), sources["reviewed"].tolist(), strict=True)
            if _true(imp) and not _true(rev)
        }
        # What each text says, read once for both the follow-ups and the repeats.
        self._tokens = TokenNames(self.names)
        self._cited: dict[str, list[str]] = {}
        self._claim: dict[str, str | None] = {}
        self._follow_ups: list[tuple[str, str, str]] | None = None
        if self.empty:
            return
        # Here, not at the top: with the answers kept on disk, scipy and the text index are never loaded.
        from kb.analysis.entities import incident_documents  # noqa: PLC0415
        from kb.analysis.similarity_store import RecordingQueries, load_index  # noqa: PLC0415

        reader = RecordingQueries(kbase)  # the index (when it is built) reads the documents' queries again
        self.docs, _ = incident_documents(reader)
        self.index = load_index(reader)

    def cited(self, inc: str) -> list[str]:
        """cited(): the incidents the text of `inc` names, in order of appearance."""
        if inc not in self._cited:
            self._cited[inc] = cited(self.docs.get(inc, ""), self.names, self._tokens)
        return self._cited[inc]

    def claim(self, inc: str) -> str | None:
        """claim(): the text's phrase saying `inc` was seen before."""
        if inc not in self._claim:
            self._claim[inc] = claim(self.docs.get(inc, ""))
        return self._claim[inc]

    def near(self, a: str, b: str) -> bool:
        return bool(abs(self.started[a] - self.started[b]) <= self._same_incident)

    def follow_ups(self) -> list[tuple[str, str, str]]:
        """(follow-up document, the report of the same incident it follows, evidence)."""
        if self._follow_ups is None:
            self._follow_ups = self._find_follow_ups()
        return self._follow_ups

    def _find_follow_ups(self) -> list[tuple[str, str, str]]:
        out: list[tuple[str, str, str]] = []
        for inc in self.index.keys:
            says = follow_up_claim(self.docs.get(inc, ""))
            recurs = self.claim(inc)
            refs = [k for k in self.cited(inc) if k != inc and k in self.started]
            for pos, k in enumerate(refs):
                day = f"both start on {self.started[k]:%Y-%m-%d}" if self.near(inc, k) else ""
                if says and (pos == 0 or day):
                    out.append((inc, k, f'the text cites {k} and says "{says}"' + (f"; {day}" if day else "")))
                elif day and not recurs:
                    out.append((inc, k, f"the text cites {k} and claims no recurrence; {day}"))
            if says and not refs:
                row = self.index.row_of[inc]
                for m in self.index.matches([row], TWIN_CANDIDATES, earlier_only=False):
                    k = self.index.keys[m.hit]
                    if self.near(inc, k):
                        out.append(
                            (
                                inc,
                                k,
                                f'the text says "{says}"; nearest same-day report by similarity (score '
                                f"{m.score:.2f}), {self.started[k]:%Y-%m-%d}",
                            )
                        )
                        break
        return out


STORE = "repeat-evidence"
"""kb.analysis.answer_store's name for the text and twin repeats and the follow-ups (one reading of the texts)."""


def stored_evidence(kbase: Queryable) -> dict[str, pd.DataFrame]:
    """{"repeats": text_and_twin_repeats, "follow_ups": follow_up_documents} with the default twin score,
    from the file kept beside the database when it is in step with it, else computed."""
    from kb.analysis.answer_store import stored  # noqa: PLC0415 (numpy file handling for two commands)

    return stored(kbase, STORE, lambda: _evidence(kbase))


def _evidence(kbase: Queryable) -> dict[str, pd.DataFrame]:
    corpus = _Corpus(kbase)
    return {"repeats": _text_and_twin(kbase, corpus, TWIN_SCORE), "follow_ups": _follow_up_frame(corpus)}


def follow_up_documents(kbase: Queryable) -> pd.DataFrame:
    """Documents about the same incident as an earlier-written report they follow up (an addendum,
    a deeper dive): linked as such, never as repeats. Columns: document, same_incident_as, evidence."""
    return stored_evidence(kbase)["follow_ups"]


def _follow_up_frame(corpus: _Corpus) -> pd.DataFrame:
    import pandas as pd  # noqa: PLC0415 (loaded where used)

    if corpus.empty:
        return pd.DataFrame(columns=FOLLOW_UP_COLUMNS)
    return pd.DataFrame(corpus.follow_ups(), columns=FOLLOW_UP_COLUMNS)


def text_and_twin_repeats(kbase: Queryable, twin_score: float = TWIN_SCORE) -> pd.DataFrame:
    """One row per (repeat incident, earlier incident, kind of evidence): via_kind text or twin."""
    if twin_score == TWIN_SCORE:
        return stored_evidence(kbase)["repeats"]
    return _text_and_twin(kbase, _Corpus(kbase), twin_score)


def _text_and_twin(kbase: Queryable, corpus: _Corpus, twin_score: float) -> pd.DataFrame:
    import pandas as pd  # noqa: PLC0415 (loaded where used)

    if corpus.empty:
        return pd.DataFrame(columns=COLUMNS)
    started, index = corpus.started, corpus.index
    same: dict[str, set[str]] = {}
    for a, b, _ in corpus.follow_ups():
        same.setdefault(a, set()).add(b)
        same.setdefault(b, set()).add(a)
    findings = kbase.query("loop_findings")
    findings = findings[findings["status"] != REJECTED] if not findings.empty else findings
    produced: dict[str, list[str]] = {}
    statements: dict[str, str] = {}
    # Column lists, not the columns: iterating an Arrow-backed column costs a call per cell.
    for f, inc, st in zip(*(_cells(findings, c) for c in ("finding", "incident", "statement")), strict=True):
        produced.setdefault(str(inc), []).append(str(f))
        statements[str(f)] = str(st) if st is not None else ""
    confirmed = {inc for (inc, label), w in index.certainty.items() if label.startswith("theme:") and w >= 1.0}
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

    # The best earlier match that is not a document of this same incident, of every incident that
    # may use it (one that claims a recurrence, or may be a twin), from one batch of matches (the
    # same scores as one row at a time): matching every incident was most of this at 10,000.
    asks = [
        row
        for row, inc in enumerate(index.keys)
        if (inc in corpus.unreviewed and inc not in confirmed) or corpus.claim(inc)
    ]
    best_of: dict[int, Match] = {}
    for m in index.matches(asks, TWIN_CANDIDATES, earlier_only=True):
        if m.query not in best_of and index.keys[m.hit] not in same.get(index.keys[m.query], set()):
            best_of[m.query] = m
    for row, inc in enumerate(index.keys):
        mine = same.get(inc, set())
        best = best_of.get(row)
        earlier_cited = [
            k for k in corpus.cited(inc) if k != inc and k not in mine and started.get(k, started[inc]) < started[inc]
        ]
        said = corpus.claim(inc)
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
        if best is None or inc in confirmed or inc not in corpus.unreviewed or best.score < twin_score:
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
