"""Reading review prose: blame language, vague actions, statements without a mechanism.

Heuristics on purpose (no NLP model): every pattern is listed here, so a team can see
why a sentence was flagged and the lint stays deterministic and fast. Precision is
favoured over recall: a blameless systems sentence must never be flagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

# -- sentences ---------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=\S)|\n+")
_MAY_END = re.compile(r"[.!?;]\s")
"""What every match of _SENTENCE_END's first branch starts with (its second is a newline): a text
without either is one sentence, found by a scan for a character class, not the split's lookbehind at
every position (41,187 of `kb check --all`'s 52,730 distinct texts at 10,000 incidents: ~0.5 CPU s less)."""


def sentences(text: str) -> list[str]:
    """Split prose into sentences (and lines); each keeps its own wording for quoting."""
    text = text or ""
    if "\n" not in text and not _MAY_END.search(text):
        whole = text.strip()
        return [whole] if whole else []
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


# -- who is a person ---------------------------------------------------------------------------

# Singular role nouns: "the on-call engineer forgot" blames one person. Plurals and teams
# ("engineers", "the SRE team") describe a practice, and "we" is the blameless voice.
_ROLE = (
    r"(?:on[- ]?call(?:\s+(?:engineer|person|developer|sre))?|engineer|developer|dev|operator|admin|"
    r"administrator|sre|dba|intern|new\s+hire|contractor|team\s+lead|tech\s+lead|responder|"
    r"incident\s+(?:commander|lead)|technician|employee|colleague|release\s+manager|reviewer|"
    r"approver|deployer|person|individual|staff\s+member)"
)
_DETERMINER = r"(?:the|an?|our|one|that|this|their|his|her)"
_ROLE_REF = rf"(?<![\w-])(?:{_DETERMINER}\s+(?:[\w-]+\s+){{0,2}}?{_ROLE}|someone|somebody|he|she)(?![\w-])"

# Pronouns and group nouns that make a counterfactual ("should have") about people.
_HUMANISH = re.compile(
    rf"\b(?:we|i|you|they|he|she|someone|somebody|nobody|no\s+one|everyone|team|teams|people|"
    rf"engineers?|developers?|staff|{_ROLE})\b",
    re.IGNORECASE,
)

# Past-tense verbs that make the subject the author of an act (irregular ones listed;
# regular ones end in -ed). "was"/"had"/"needed" describe a state, not an act.
_IRREGULAR = (
    r"ran|made|broke|took|forgot|did|chose|wrote|set|put|left|let|hit|gave|sent|went|kept|"
    r"began|overrode|overwrote|misread|mistook|undid|shut|cut|built|brought|thought|knew|"
    r"understood|misunderstood|saw|lost|read|rebuilt|threw|pushed|never|didn't|did\s+not|"
    r"failed\s+to|neglected\s+to|chose\s+to|decided\s+to"
)
_STATE_ED = r"(?:needed|seemed|appeared|wanted|tried|used|based|supposed|expected|required|allowed|unaware)"
_ADVERB = r"(?:\w+ly|then|also|again|just|still|once|later|manually)"
_PAST_VERB = rf"(?:(?!{_STATE_ED}\b)[a-z][a-z-]*ed|{_IRREGULAR}|had\s+(?:not\s+)?[a-z]+(?:ed|en)|hadn't\s+\w+)"

# Verbs that carry a failing of the person even outside a cause statement.
_BLAME_VERB = (
    r"(?:forgot|missed|ignored|overlooked|neglected|failed\s+to|did\s+not|didn't|never|"
    r"mistakenly\s+\w+|accidentally\s+\w+|inadvertently\s+\w+|wrongly\s+\w+|incorrectly\s+\w+|"
    r"carelessly\s+\w+|misconfigured|broke|caused|botched|fat-fingered|skipped)"
)

_FAILING = re.compile(rf"^(?:{_ADVERB}\s+)?{_BLAME_VERB}\b", re.IGNORECASE)
# "The engineer did not have any clues", "had not been told": what the person LACKED is a condition
# around them, the systems framing the rule asks for, not an act of theirs.
_LACKED = re.compile(
    rf"^(?:{_ADVERB}\s+)?(?:(?:did\s+not|didn't|never)\s+(?:have|get|receive|hear|know\s+about)|"
    r"had\s+not\s+been\s+(?:told|given|shown|trained|paged|notified|alerted|warned|informed|asked))\b",
    re.IGNORECASE,
)

_CLAUSE_START = (
    r"(?:^|[,:;(]\s*|\b(?:and|but|so|then|when|after|before|because|as|while|since|which|until|"
    r"once|where)\s+)"
)
_LEADING = r"(?:(?:then|later|unfortunately|eventually|finally|meanwhile|here|at\s+[\d:]+)\s*,?\s+)?"

_CAUSAL = re.compile(
    r"\b(?:caus(?:ed|es|ing)|led\s+to|leading\s+to|lead\s+to|result(?:ed|s|ing)?\s+in|"
    r"root\s+cause|because|due\s+to|responsible\s+for|trigger(?:ed|ing)|took\s+down|"
    r"brought\s+down|broke)\b",
    re.IGNORECASE,
)


# A subject is a role ("the on-call engineer") or one token that must be a participant's
# handle; handles are checked in Python so the pattern is compiled once, not per packet.
_SUBJECT = re.compile(
    rf"{_CLAUSE_START}{_LEADING}(?P<who>{_ROLE_REF}|@?[A-Za-z][\w.-]*)\s+"
    rf"(?P<act>(?:{_ADVERB}\s+)?)(?P<verb>{_PAST_VERB})\b(?P<rest>[^;!?]*)",
    re.IGNORECASE,
)
_ROLE_RE = re.compile(_ROLE_REF, re.IGNORECASE)
_TOKEN = re.compile(r"@?([\w.-]+)")


# -- blame language ----------------------------------------------------------------------------

_NEGATION = re.compile(
    r"(?:\b(?:not|no|never|without|nor|rather\s+than|instead\s+of)|n't)\W+(?:\w+\W+){0,2}$", re.IGNORECASE
)

_BLAME_TERM_SOURCES: tuple[tuple[str, str], ...] = (
    (r"\b(?:human|user|operator|pilot|people)\s+errors?\b", "human error"),
    (r"\bcareless(?:ly|ness)?\b", "careless"),
    (r"\bnegligen(?:t|tly|ce)\b", "negligent"),
    # Not "lazy": lazy loading, lazy-catalog flags ... are technical words.
    (r"\b(?:sloppy|reckless(?:ly)?|incompeten(?:t|ce))(?![\w-])", "judgement of a person"),
    (r"\bforgot\b", "forgot"),
    (r"\b(?:to\s+blame|at\s+fault|(?:was|is)\s+(?:the\s+)?fault\s+of|blamed?)\b", "blame"),
    (r"\b(?:should\s+have\s+known|should've\s+known)\b", "should have"),
)
# "should have" + a past participle is hindsight ("should have rolled back"); "we should have a
# talk" and "what our controllers should have" are plans and possessions, not counterfactuals;
# "should have been paged" is a passive about the system, "should have been more careful" is not.
_PARTICIPLE = (
    r"(?:been|done|run|set|put|made|caught|taught|thought|brought|bought|sent|spent|built|kept|left|"
    r"lost|read|said|told|found|held|paid|met|felt|shut|cut|hit|let|understood|stood|seen|gone|"
    r"[a-z][a-z-]*(?:ed|en|wn))"
)
_BLAME_TERMS = tuple((re.compile(p, re.IGNORECASE), label) for p, label in _BLAME_TERM_SOURCES)
_ANY_BLAME_TERM = re.compile("|".join(f"(?:{p})" for p, _ in _BLAME_TERM_SOURCES), re.IGNORECASE)
"""One scan that tells a sentence without any blame term (most of them) from one worth the loop."""
_COUNTERFACTUAL = re.compile(
    rf"\b(?:should(?:\s+not|n't)?\s+have|should've|ought\s+to\s+have)"
    rf"(?=\s+(?:(?:not|never|\w+ly)\s+)?(?:been\s+(?!{_PARTICIPLE}\b)\w+|"
    rf"(?!been\b){_PARTICIPLE}\b))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class BlameHit:
    """One blaming sentence: what triggered it and a systems-framed question to ask instead."""

    kind: str  # "term" | "counterfactual" | "person-subject"
    trigger: str
    sentence: str
    rewrite: str


def _area(text: str) -> str:
    t = text.lower()
    if re.search(r"deploy|release|push|merge|rollout|roll out|ship|review|approv|change", t):
        return "deployment or review process"
    if re.search(r"alert|page|dashboard|monitor|notice|detect|miss|ignor", t):
        return "alerting and on-call setup"
    if re.search(r"delet|drop|remov|terraform|migrat|script|command|config|edit|run|ran|execut", t):
        return "tooling and change process"
    if re.search(r"roll(?:ed)? back|restor|recover|escalat|respond|sooner", t):
        return "incident response process"
    return "tooling or process"


def _rewrite(kind: str, trigger: str, sentence: str, rest: str) -> str:
    area = _area(sentence)
    rest = rest.strip().rstrip(".")
    if kind == "term" and trigger == "forgot":
        what = f" to {rest}" if rest else ""
        return (
            f"What in our {area} relied on someone remembering{what}, and how could the system do it or prompt for it?"
        )
    if kind == "counterfactual":
        what = f" ({rest})" if rest else ""
        return (
            f"What made the better action{what} hard to see or do at the time, and what in our {area} "
            f"would make it the default?"
        )
    if kind == "person-subject":
        return (
            f"What in our {area} allowed this ('{rest}') to happen, and which check or signal "
            f"was missing? Make the system, not the person, the subject."
        )
    return (
        f"Name the conditions instead of the person: what in our {area} made this easy to get wrong, "
        f"and what would have caught it?"
    )


def _negated(text: str, start: int) -> bool:
    before = text[max(0, start - 40) : start]
    return bool(_NEGATION.search(before)) or before.rstrip().endswith(("'", '"', "“", "‘"))


def blame_hits(text: str, people: Iterable[str] = (), causal: bool = False) -> list[BlameHit]:
    """Blaming sentences in `text`.

    `people` are participant handles (a handle as the subject is a person). `causal` says
    the text is itself a cause (a factor): then any act by a person as subject is
    flagged; elsewhere (timeline, summary) only a failing verb or a causal sentence is,
    so "amira shed recommendation reads" in a timeline stays quiet.
    """
    handles = people if type(people) is Handles else _handles(tuple(people))
    read = _text(text)
    if read.quiet and (not handles or (read.lower is not None and not _any_in(handles, read.lower))):
        # (most texts: no sentence can hit, whoever the people are; a handle as a substring is
        # tested one by one: a pattern compiled per packet's people cost a second at 10,000)
        return []
    out: list[BlameHit] = []
    for sentence in read.sentences:
        hit = _sentence_hit(sentence, handles, causal)
        if hit:
            out.append(hit)
    return out


def blame_hits_each(items: Iterable[tuple[str, bool]], people: Handles) -> Iterator[list[BlameHit]]:
    """`blame_hits(text, people, causal)` of each (text, causal), in order. A packet's texts that no
    sentence can make hit unless a handle is in them (most) are looked through for the handles at
    once, joined, instead of one by one: a handle in none of them is in no one of them."""
    pairs = list(items)
    reads = [_text(text) for text, _ in pairs]
    named = bool(people) and _any_in(people, "\n".join([r.lower for r in reads if r.quiet and r.lower is not None]))
    for (text, causal), read in zip(pairs, reads, strict=True):
        if read.quiet and read.lower is not None and not named:
            yield []
        else:
            yield blame_hits(text, people, causal=causal)


def _any_in(words: Iterable[str], text: str) -> bool:
    """`any(w in text for w in words)` without a generator: called for every text of every packet."""
    for w in words:  # noqa: SIM110 (a third of any() over a generator: 300,000 calls at 10,000)
        if w in text:
            return True
    return False


@dataclass(frozen=True)
class _Reading:
    """What of a sentence does not depend on the packet's people: reviews repeat sentences
    (templates, copied summaries), so each distinct sentence is read once."""

    term: BlameHit | None
    counterfactual: re.Match[str] | None
    # The clause before "should have" when it names no pronoun, team or role: then a person's
    # handle among its tokens decides; None when the counterfactual needs no person.
    clause_tokens: frozenset[str] | None
    # A person can be the subject only where a role is named or a token is a handle: the
    # subject scan (the costly one) runs for those sentences alone.
    role: bool
    lower: str | None  # the sentence in lower case when ASCII: a handle that is a token is in it


@dataclass(frozen=True)
class _Subject:
    """One person-subject candidate of a sentence (the subject `who` and what follows it)."""

    role: bool  # a role ("the on-call engineer") rather than a token that must be a handle
    token: str  # the token as a handle (no @, lower case)
    lacked: bool  # what follows says what the subject lacked (a condition, never blame)
    failing: bool  # what follows is a failing verb
    who: str
    rest: str


class Handles(frozenset[str]):
    """A packet's people as the handles a sentence names (`handles_of`): made once per packet, they
    are not read again for each of its texts."""


def handles_of(people: Iterable[str]) -> Handles:
    """`people` (participant handles) ready for `blame_hits` and `names_a_person_as_cause`; the same
    people give the same (immutable) answer, made once: three lint rules ask for each packet's."""
    return _handles(tuple(people))


@lru_cache(maxsize=1 << 10)
def _handles(people: tuple[str, ...]) -> Handles:
    return Handles(p.strip().lstrip("@").lower() for p in people if p and p.strip())


@dataclass(frozen=True)
class _Text:
    sentences: tuple[str, ...]
    # No sentence has a blame term, a counterfactual or a role: only a handle could make a hit.
    quiet: bool
    lower: str | None  # the text in lower case when ASCII (a handle in a sentence is in it)


@lru_cache(maxsize=1 << 17)
def _text(text: str) -> _Text:
    parts = tuple(sentences(text))
    readings = [_reading(s) for s in parts]
    quiet = all(r.term is None and r.counterfactual is None and not r.role for r in readings)
    return _Text(parts, quiet, text.lower() if quiet and text.isascii() else None)


_COUNTERFACTUAL_WORDS = ("should", "ought")
"""A word every counterfactual needs (in lower case): an ASCII sentence with neither has none (most:
the scan for the two words costs a tenth of the pattern's)."""


@lru_cache(maxsize=1 << 17)
def _reading(sentence: str) -> _Reading:
    counterfactual, clause_tokens = None, None
    lower = sentence.lower() if sentence.isascii() else None
    maybe = lower is None or _COUNTERFACTUAL_WORDS[0] in lower or _COUNTERFACTUAL_WORDS[1] in lower
    m = _COUNTERFACTUAL.search(sentence) if maybe else None
    if m:
        counterfactual = m
        clause = re.split(r"[,:;]|\b(?:and|but|because|so|when|which)\b", sentence[: m.start()])[-1]
        if clause.strip() and not _HUMANISH.search(clause) and not _ROLE_RE.search(clause):
            clause_tokens = frozenset(t.lower() for t in _TOKEN.findall(clause))
    return _Reading(_term_hit(sentence), counterfactual, clause_tokens, _names_a_role(sentence, lower), lower)


_ROLE_WORDS = (
    "call", "engineer", "dev", "operator", "admin", "sre", "dba", "intern", "hire", "contractor", "lead",
    "commander", "technician", "employee", "colleague", "manager", "reviewer", "approver", "deployer",
    "person", "individual", "member", "some",
)  # fmt: skip
"""A word (in lower case) each match of _ROLE_RE holds, but for one that is "he" or "she" alone: a
role of _ROLE ("on-call", "new hire", "release manager" ...), "someone" or "somebody"."""
_NOT_TOKEN = bytes(c if chr(c).isascii() and (chr(c).isalnum() or chr(c) in "_-") else 32 for c in range(256))
"""Each byte of an ASCII text that _ROLE_REF's [\w-] does not match made a space."""


def _names_a_role(sentence: str, lower: str | None) -> bool:
    """`_ROLE_RE.search(sentence)`: an ASCII sentence (`lower`, else None) with none of _ROLE_WORDS and
    neither "he" nor "she" as a whole token cannot match; the pattern's scan of every position was
    the costliest step of reading a sentence, and most sentences name no role."""
    if lower is not None and not _any_in(_ROLE_WORDS, lower):
        padded = b" " + lower.encode().translate(_NOT_TOKEN) + b" "
        if b" he " not in padded and b" she " not in padded:
            return False
    return bool(_ROLE_RE.search(sentence))


@lru_cache(maxsize=1 << 16)
def _tokens(sentence: str) -> frozenset[str]:
    return frozenset(t.lower() for t in _TOKEN.findall(sentence))


@lru_cache(maxsize=1 << 12)
def _subjects(sentence: str) -> tuple[tuple[_Subject, ...], bool]:
    """The person-subject candidates of a sentence, and whether it is causal."""
    out = []
    for s in _SUBJECT.finditer(sentence):
        who = s.group("who")
        act = sentence[s.start("act") :]
        out.append(
            _Subject(
                role=bool(_ROLE_RE.fullmatch(who)),
                token=who.lstrip("@").lower(),
                lacked=bool(_LACKED.match(act)),
                failing=bool(_FAILING.match(act)),
                who=who,
                rest=sentence[s.start("act") : s.end()].rstrip(". "),
            )
        )
    return tuple(out), bool(_CAUSAL.search(sentence))


def _sentence_hit(sentence: str, handles: frozenset[str], causal: bool) -> BlameHit | None:
    r = _reading(sentence)
    if r.term:
        return r.term
    # "The alert should have fired" is a statement about a system: quiet. A person,
    # a pronoun, a team or no subject at all ("Should have tested it") is hindsight blame.
    m = r.counterfactual
    if m and (r.clause_tokens is None or not r.clause_tokens.isdisjoint(handles)):
        return BlameHit(
            "counterfactual", m.group(0), sentence, _rewrite("counterfactual", "", sentence, sentence[m.end() :])
        )
    # A subject is a role or a whole token of the sentence that is a handle (see _SUBJECT).
    if not r.role:
        if r.lower is not None and not _any_in(handles, r.lower):
            return None  # (no handle even as a substring: the tokens need not be read)
        if _tokens(sentence).isdisjoint(handles):
            return None
    subjects, causal_sentence = _subjects(sentence)
    for s in subjects:
        if (s.role or s.token in handles) and not s.lacked and (causal or s.failing or causal_sentence):
            return BlameHit("person-subject", s.who.strip(), sentence, _rewrite("person-subject", "", sentence, s.rest))
    return None


_TERM_WORDS = ("error", "careless", "negligen", "sloppy", "reckless", "incompeten", "forgot", "blame", "fault", "known")
"""A word each blame term needs (in lower case): an ASCII sentence with none of them has no term."""


def _term_hit(sentence: str) -> BlameHit | None:
    if sentence.isascii():
        lower = sentence.lower()
        if not _any_in(_TERM_WORDS, lower):
            return None
    if not _ANY_BLAME_TERM.search(sentence):
        return None
    for pattern, label in _BLAME_TERMS:
        for m in pattern.finditer(sentence):
            if _negated(sentence, m.start()):
                continue
            rest = sentence[m.end() :]
            rest = re.sub(r"^\s*(?:to\s+)?", "", rest) if label == "forgot" else rest
            kind = "counterfactual" if label == "should have" else "term"
            return BlameHit(kind, m.group(0), sentence, _rewrite(kind, label, sentence, rest))
    return None


_ERROR_AS_CAUSE = re.compile(
    r"\b(?:human|user|operator|pilot|people)\s+errors?\b|\bmistake\s+by\b|"
    r"\b(?:engineer|operator|developer|person)'s\s+(?:mistake|error|fault)\b",
    re.IGNORECASE,
)


_ERROR_WORDS = ("error", "mistake", "fault")
"""A word each match of _ERROR_AS_CAUSE holds (in lower case): an ASCII statement with none has none."""


@lru_cache(maxsize=1 << 16)
def _error_as_cause(statement: str) -> str | None:
    if statement.isascii() and not _any_in(_ERROR_WORDS, statement.lower()):
        return None
    m = _ERROR_AS_CAUSE.search(statement)
    return m.group(0) if m and not _negated(statement, m.start()) else None


def names_a_person_as_cause(statement: str, people: Iterable[str] = ()) -> str | None:
    """The words by which a cause statement stops at a person ("human error", "the engineer ran ..."), else None."""
    words = _error_as_cause(statement)
    if words:
        return words
    hits = blame_hits(statement, people, causal=True)
    return hits[0].trigger if hits else None


# -- action items and findings -----------------------------------------------------------------

_VAGUE = re.compile(
    r"\b(?:improve|improving|improved|enhance|better|increase|optimi[sz]e|strengthen|revisit|look\s+into|"
    r"investigate|consider|explore|evaluate|ensure|make\s+sure|be\s+more\s+careful|pay\s+(?:more\s+)?attention|"
    r"(?:raise|more)\s+awareness|more\s+(?:monitoring|testing|tests|alerts|care|communication|documentation))\b",
    re.IGNORECASE,
)
_MEASURABLE = re.compile(
    r"\d|%|\b(?:every|each|zero|no\s+more\s+than|at\s+least|at\s+most|within|below|above|under|by\s+(?:q[1-4]|"
    r"the\s+end|end\s+of|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*)|slo|sla|p9\d|threshold|"
    r"per\s+(?:day|week|month|quarter|release|deploy))\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=1 << 16)  # findings repeat their wording across reviews
def vague_action(statement: str) -> str | None:
    """The vague phrase of an action with no measurable outcome ("Improve monitoring"), else None.

    Only the action itself (its first sentence, before any "Title: explanation" colon) is
    judged: "Implement priority classes: part of our effort to improve resilience" is concrete.
    """
    head = re.split(r":\s|(?<=[.!?])\s", statement, maxsplit=1)[0]
    m = _VAGUE.search(head)
    if m is None or _MEASURABLE.search(statement) or _OBSERVABLE_PURPOSE.search(head):
        return None
    # "Update the shell prompt to better identify contexts": the action is concrete, the vague
    # word only says why.
    purpose = _PURPOSE.search(head)
    if purpose and m.start() > purpose.start():
        return None
    return m.group(0)


_PURPOSE = re.compile(r"\s(?:to|so\s+that|in\s+order\s+to)\s", re.IGNORECASE)
_OBSERVABLE_PURPOSE = re.compile(
    r"\bto\s+(?:catch|detect|alert\s+on|page\s+on|prevent|stop|block|reject|flag|notice)\b", re.IGNORECASE
)


_MECHANISM = re.compile(
    r"\b(?:because|since|so|so\s+that|which|when|whenever|while|if|unless|until|causing|caused|causes|led\s+to|"
    r"leads\s+to|lead\s+to|result(?:ed|s|ing)?\s+in|due\s+to|meaning|therefore|thus|allow(?:ed|s|ing)?|"
    r"let|without|by|through|via|after|before|prevent(?:ed|s)?|starv\w*|block(?:ed|s)?|saturat\w*|"
    r"exhaust\w*|overload\w*|timed?\s+out|as\s+(?:this|that|it|they|there)\s+(?:is|was|are|were|would|will))\b|"
    r"->|→|=>|:\s",
    re.IGNORECASE,
)
_EVALUATIVE = re.compile(
    r"\b(?:was|were|is|are|been|felt)\s+(?:(?:not|too|very|really|quite)\s+)?(?:bad|poor|insufficient|inadequate|"
    r"lacking|weak|suboptimal|not\s+good\s+enough|terrible|awful|unclear|confusing|messy|subpar|immature|"
    r"not\s+great|a\s+problem|an\s+issue)\b|^(?:bad|poor|insufficient|inadequate|weak|lack\s+of|"
    r"not\s+enough|suboptimal)\s+\w+",
    re.IGNORECASE,
)


@lru_cache(maxsize=1 << 16)  # findings repeat their wording across reviews
def has_mechanism(statement: str) -> bool:
    return bool(_MECHANISM.search(statement))


@lru_cache(maxsize=1 << 16)  # findings repeat their wording across reviews
def indefensible(statement: str, min_words: int = 5) -> str | None:
    """Why a finding is not a defensible statement (no mechanism), else None."""
    if has_mechanism(statement):
        return None
    m = _EVALUATIVE.search(statement)
    if m:
        return f"a judgement ('{m.group(0)}') with no mechanism"
    words = len(re.findall(r"[\w'-]+", statement))
    if words < min_words:
        return f"{words} word(s) and no mechanism (no 'because', 'so', 'which', 'when' ...)"
    return None
