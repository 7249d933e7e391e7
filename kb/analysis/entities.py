"""Services and components an incident's text names, stored as MENTIONS links with the evidence.

Two sources, both on whole words and phrases (never a prefix: "cert" is not "certain"):
- a curated vocabulary of services and technologies common in operations write-ups;
- terms learned from the corpus: a word used at least twice in an incident's text and found
  in a few incidents but rare in most (at most LEARNED_MAX_SHARE of them), such as a cluster,
  hub or product name ("hellman", "utoronto", "pythia"), and written as a name there
  (LEARNED_NAME_SHARE): "Pythia", "LEAP", "utoronto.2i2c.cloud", not "space" or "record".

Links are tool-made (origin "text"), so a packet re-ingest keeps them and the after-ingest
hook replaces them for the incidents it checks. Similarity counts them at ENTITY_WEIGHT.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from kb.analysis.incident_features import Queryable
from kb.analysis.text import tokens
from kb.graph.enrich import TEXT_ORIGIN

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase

# name -> (kind, component kind, phrases). Services are things a team runs; components the
# technologies they are built on.
VOCABULARY: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "kiam": ("service", "", ("kiam",)),
    "coredns": ("service", "", ("coredns", "kube-dns")),
    "jupyterhub": ("service", "", ("jupyterhub", "jupyter hub")),
    "binderhub": ("service", "", ("binderhub",)),
    "dask-gateway": ("service", "", ("dask-gateway", "dask gateway", "daskhub")),
    "prometheus": ("service", "", ("prometheus",)),
    "grafana": ("service", "", ("grafana",)),
    "adsync": ("service", "", ("adsync",)),
    "kubernetes": ("component", "platform", ("kubernetes", "k8s", "kubectl")),
    "eks": ("component", "platform", ("eks", "eksctl")),
    "aks": ("component", "platform", ("aks",)),
    "gke": ("component", "platform", ("gke",)),
    "terraform": ("component", "tool", ("terraform",)),
    "helm": ("component", "tool", ("helm", "helm chart")),
    "ingress-nginx": ("component", "network", ("ingress-nginx", "nginx-ingress", "nginx", "ingress controller")),
    "load-balancer": ("component", "network", ("alb", "load balancer", "loadbalancer", "elb")),
    "dns": ("component", "network", ("dns", "dns record", "a record", "wildcard entry")),
    "nfs": ("component", "storage", ("nfs", "filestore", "home directory storage")),
    "xfs-quota": ("component", "storage", ("xfs", "enforce-xfs-quota", "storage-quota-home-nfs")),
    "certificate": ("component", "security", ("certificate", "tls certificate", "x509")),
    "oauth": ("component", "security", ("oauth", "azuread", "azure ad", "active directory")),
    "autoscaler": (
        "component",
        "platform",
        ("autoscaler", "cluster-autoscaler", "auto-scaling group", "autoscaling group"),
    ),
    "node-pool": ("component", "platform", ("node pool", "nodepool", "worker node", "core node")),
    "ci-cd": ("component", "tool", ("ci/cd", "pipeline", "github actions", "azure devops")),
    "database": ("component", "storage", ("database", "sqlite", "postgres", "postgresql", "mysql")),
    "gpu": ("component", "platform", ("gpu",)),
    "quota": ("component", "platform", ("quota",)),
    "aws": ("component", "cloud", ("aws", "amazon web services")),
    "azure": ("component", "cloud", ("azure",)),
    "gcp": ("component", "cloud", ("gcp", "google cloud")),
    "openstack": ("component", "cloud", ("openstack", "jetstream2", "jetstream")),
}
_VOCAB_RE = {
    name: re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(p) for p in phrases) + r")(?:e?s)?(?![\w-])", re.IGNORECASE)
    for name, (_, _, phrases) in VOCABULARY.items()
}
_VOCAB_PHRASES = {name: tuple(p.lower() for p in phrases) for name, (_, _, phrases) in VOCABULARY.items()}
LEARNED_MIN_COUNT = 2
"""Times a term must occur in one incident's text to be learned for it."""
LEARNED_MIN_INCIDENTS = 2
LEARNED_MAX_SHARE = 0.1
"""A learned term is in at most this share of incidents (and at least LEARNED_MIN_INCIDENTS)."""
LEARNED_MIN_CORPUS = 10
"""Below this many incidents nothing is rare enough to learn from."""
LEARNED_NAME_SHARE = 1 / 3
"""A term is learned for an incident only if at least this share of its uses in the incident's text
(the title aside) are written as a name: capitalised inside a sentence, in capitals, or part of an
identifier ("us-west2", "utoronto.2i2c.cloud", "`enforce-xfs-quota`"). On the real reports of
bench/real_eval.py the rare words written in lower case only were ordinary ones ("space", "record",
"response", "account", "starvation"); the systems' names were written as names."""
COMMON = frozenset(
    """
incident issue issues outage user users team engineer engineers hub hubs server servers time change changes
error errors service services cluster clusters node nodes pod pods alert alerts fix fixed problem resolved
deploy deployment deployed update updated upgrade config configuration support ticket community report
reported started start failed failure fail work working action item items minute minutes hour hours day
""".split()  # noqa: SIM905 (a word list reads better as text)
)
CALENDAR = frozenset(
    tokens(
        """
january february march april may june july august september october november december sept
monday tuesday wednesday thursday friday saturday sunday weekday weekend weekends
today yesterday tomorrow tonight morning afternoon evening night overnight midnight
daily weekly monthly yearly annual quarterly week month year quarter
summer autumn winter season seasonal holiday holidays christmas easter thanksgiving halloween
"""
    )
)
"""Dates, weekdays, seasons and holidays: words that say when, never what failed, so never learned
(a corpus with its incidents in one July would otherwise learn "july" as a component). "spring" is
left out: it is also a framework."""
COLUMNS = ["incident", "kind", "name", "component_kind", "evidence", "learned"]


Documents = tuple[dict[str, str], dict[str, str]]
DOCUMENT_QUERIES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("incidents_with_text", {}),
    ("patterns_factors", {}),
    ("patterns_incident_text", {}),
)
"""What incident_documents reads."""
_held: tuple[str, Documents] | None = None
"""Documents the after-ingest hook read, for the snapshot its own write made (`hold_documents`)."""


def hold_documents(snapshot: str | None, documents: Documents) -> None:
    """Give `documents` to incident_documents for `snapshot`: the after-ingest hook's, read before its
    own write, which changed none of DOCUMENT_QUERIES' answers (kb.analysis.similarity.record_related)."""
    global _held
    _held = None if snapshot is None else (snapshot, documents)


def incident_documents(kbase: Queryable) -> Documents:
    """Every incident's text (title, summary, impact, factors, timeline), and its title."""
    from kb.analysis.answer_store import snapshot_of
    from kb.knowledge_base import note_reads

    snapshot = snapshot_of(kbase)
    if _held is not None and snapshot is not None and _held[0] == snapshot:
        note_reads(DOCUMENT_QUERIES)  # an answer kept from these read them (kb.analysis.answer_store)
        return _held[1]
    return _incident_documents(kbase)


def _incident_documents(kbase: Queryable) -> Documents:
    parts: dict[str, list[str]] = defaultdict(list)
    inc = kbase.query("incidents_with_text")
    # Column lists, not rows nor the columns: iterating an Arrow-backed column costs a call per cell.
    keys, title_list, summaries = _lists(inc, ("incident", "title", "summary"))
    titles = {str(k): str(t) for k, t in zip(keys, title_list, strict=True) if isinstance(t, str)}
    for key, title, summary in zip(keys, title_list, summaries, strict=True):
        parts[str(key)] += [str(v) for v in (title, summary) if isinstance(v, str)]
    # Factors and other texts in a canonical (sorted) order: the engines return them in any order,
    # and the evidence quoted is the first match, which must not depend on the engine or load order.
    rest: dict[str, list[str]] = defaultdict(list)
    factors = kbase.query("patterns_factors")
    for key, text in zip(*_lists(factors, ("incident", "statement")), strict=True):
        if isinstance(text, str):
            rest[str(key)].append(text)
    extra = kbase.query("patterns_incident_text")
    for key, texts in zip(*_lists(extra, ("incident", "texts")), strict=True):
        rest[str(key)] += [
            str(t) for t in (texts.tolist() if hasattr(texts, "tolist") else texts or []) if t is not None
        ]
    for key, texts in rest.items():
        parts[key] += sorted(texts)
    return {k: "\n".join(v) for k, v in parts.items()}, titles


def _lists(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[list[Any]]:
    """Each column as a plain list (none for an answer without rows, which may lack its columns)."""
    return [frame[c].tolist() if len(frame) else [] for c in columns]


def _snippet(text: str, start: int, end: int, width: int = 40) -> str:
    lo, hi = max(0, start - width), min(len(text), end + width)
    return " ".join(text[lo:hi].split())


def vocabulary_mentions(key: str, text: str) -> list[dict[str, Any]]:
    out = []
    # In ASCII text a name matches only where one of its phrases occurs lower-cased: a substring test
    # skips most regex scans (they were most of an ingest's entity step). Other text is scanned whole:
    # re.IGNORECASE folds pairs that lower() does not (the Kelvin sign and "k", "ſ" and "s").
    lowered = text.lower() if text.isascii() else None
    for name, rx in _VOCAB_RE.items():
        if lowered is not None:
            for phrase in _VOCAB_PHRASES[name]:  # a loop, not any(...): no generator per name and text
                if phrase in lowered:
                    break
            else:
                continue
        m = rx.search(text)
        if m:
            kind, ckind, _ = VOCABULARY[name]
            out.append(
                {
                    "incident": key,
                    "kind": kind,
                    "name": name,
                    "component_kind": ckind or None,
                    "evidence": f'"{m.group(0)}": ...{_snippet(text, m.start(), m.end())}...',
                    "learned": False,
                }
            )
    return out


def learned_terms(
    docs: dict[str, str], titles: dict[str, str], incidents: Iterable[str] | None = None
) -> dict[str, dict[str, int]]:
    """incident -> {term: count} for the terms learned from the corpus (see the module notes), for
    `incidents` (every document's when None). A learned term must also be in some incident's title:
    titles name systems ("LEAP hub outage"), while the body's rare words are mostly ordinary ones
    ("solution", "resulted")."""
    if len(docs) < LEARNED_MIN_CORPUS:
        return {}
    in_titles = {t for title in titles.values() for t in tokens(title)}
    # Which documents hold a token is all the corpus gives (a set per document, each distinct token
    # tested once); the counts only for the documents asked about (an ingest asks for its own).
    wanted = set(docs if incidents is None else incidents)
    # Every distinct token is counted; which ones are learnable is asked once per token at the end
    # (the same counts for those: asking per document was a third of this).
    df: Counter[str] = Counter()
    counted: dict[str, Counter[str]] = {}
    for k, d in docs.items():
        found = tokens(d)
        if k in wanted:
            counted[k] = Counter(found)
            df.update(counted[k].keys())
        else:
            df.update(set(found))
    keys = docs if incidents is None else [k for k in dict.fromkeys(incidents) if k in docs]
    counts = {k: counted[k] for k in keys}
    cap = max(LEARNED_MIN_INCIDENTS, int(LEARNED_MAX_SHARE * len(docs)))
    known = {p for _, _, phrases in VOCABULARY.values() for p in phrases} | set(VOCABULARY)
    # ...and as the token a one-word phrase gives ("kubernetes" -> "kubernete"): else it is learned too.
    known |= {t[0] for p in known if len(t := tokens(p)) == 1}
    rare = _learnable(
        t
        for t, n in df.items()
        if LEARNED_MIN_INCIDENTS <= n <= cap and t not in known and t not in CALENDAR and t in in_titles
    )
    out = {}
    for k, c in counts.items():
        terms = {t: n for t, n in c.items() if t in rare and n >= LEARNED_MIN_COUNT}
        if terms:
            named = _written_as_names(_body(docs[k], titles.get(k)), terms)
            terms = {t: n for t, n in terms.items() if t in named}
        out[k] = terms
    return out


def _body(text: str, title: str | None) -> str:
    """The document without its title: a title in title case capitalises every word."""
    return text[len(title) :] if title and text.startswith(title) else text


_SENTENCE_LEAD = frozenset(" \t*_#>|-([\"'0123456789)")
"""What may stand between a sentence's (or a line's) start and its first word: spaces, list and
heading marks, numbering, an opening bracket or quote."""
_SENTENCE_END = frozenset(".!?:\n")
_JOINS = frozenset("-_/.`@")


def _written_as_names(text: str, terms: Iterable[str]) -> set[str]:
    """The `terms` (tokens) written as names in at least LEARNED_NAME_SHARE of their uses in `text`."""
    wanted = sorted(terms)
    # A token is a word or the word less a plural "s" (kb.analysis.text._stem): both spellings.
    rx = re.compile(r"(?<![a-z0-9])(" + "|".join(f"{re.escape(t)}s?" for t in wanted) + r")(?![a-z0-9])", re.IGNORECASE)
    uses: Counter[str] = Counter()
    as_names: Counter[str] = Counter()
    for m in rx.finditer(text):
        word = m.group(1)
        term = word.lower() if word.lower() in terms else word.lower()[:-1]
        uses[term] += 1
        as_names[term] += _as_name(text, m.start(1), m.end(1))
    return {t for t in wanted if uses[t] and as_names[t] >= LEARNED_NAME_SHARE * uses[t]}


def _as_name(text: str, start: int, end: int) -> bool:
    word = text[start:end]
    before = text[start - 1] if start else ""
    after = text[end : end + 2]
    if any(c.isdigit() for c in word) or before in _JOINS or after[:1] in _JOINS - {"."}:
        return True  # part of an identifier: "us-west2", "@pythia", "`enforce-xfs-quota`"
    if after[:1] == "." and after[1:2].isalnum():
        return True  # a host name: "utoronto.2i2c.cloud"
    if len(word) > 1 and word.isupper():
        return True  # "LEAP"
    if not word[0].isupper():
        return False
    i = start
    while i > 0 and text[i - 1] in _SENTENCE_LEAD:
        i -= 1
    return i > 0 and text[i - 1] not in _SENTENCE_END  # capitalised inside a sentence, not at its start


def _learnable(distinct: Iterable[str]) -> set[str]:
    """The tokens a term can be learned from: four characters or more, not a number, not a common word."""
    return {t for t in distinct if len(t) >= 4 and not t.isdigit() and t not in COMMON}


def find_mentions(
    kbase: Queryable, incidents: list[str] | None = None, documents: Documents | None = None
) -> pd.DataFrame:
    """Services and components named in the text of `incidents` (all when None), with evidence.
    `documents`: what incident_documents(kbase) gives, when the caller has it."""
    docs, titles = incident_documents(kbase) if documents is None else documents
    keys = sorted(docs) if incidents is None else [k for k in incidents if k in docs]
    learned = learned_terms(docs, titles, keys)
    rows: list[dict[str, Any]] = []
    for key in keys:
        text = docs[key]
        rows += vocabulary_mentions(key, text)
        for term, n in sorted(learned.get(key, {}).items()):
            rows.append(
                {
                    "incident": key,
                    "kind": "component",
                    "name": term,
                    "component_kind": "learned",
                    "evidence": f'"{term}" {n} times here, in few other incidents',
                    "learned": True,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def record_mentions(kbase: KnowledgeBase, incidents: list[str], reader: Queryable | None = None) -> int:
    """Find and store (replace) the MENTIONS links of `incidents`; returns the links written.
    `reader` answers the queries instead of `kbase` (one that remembers them, for the caller's next step)."""
    df = find_mentions(reader or kbase, incidents)
    kbase.replace_mentions(incidents, df.to_dict("records"))
    return len(df)


def mentions_once_replaced(kbase: Queryable, incidents: list[str], rows: list[dict[str, Any]]) -> pd.DataFrame:
    """What patterns_incident_mentions will answer once `rows` replace the text-made MENTIONS links
    of `incidents` (record_mentions), before they are written: the stored links less those the
    replacement deletes, plus one per row (the write merges a row into a link already there)."""
    stored = kbase.query("patterns_incident_mentions")
    mine = set(incidents)
    # Who made the links of `incidents` that are stored (every link is in `stored`): none on a first
    # ingest, where asking for every incident's was an IN over all their keys (~1 CPU s at 10,000).
    linked = sorted(mine.intersection(str(i) for i in stored["incident"].tolist()) if len(stored) else ())
    origins = kbase.query("patterns_incident_mention_origins", keys=linked) if linked else None
    kept = (
        set()
        if origins is None
        else {
            (str(r.incident), str(r.kind), str(r.name))
            for r in origins.itertuples(index=False)
            if r.origin != TEXT_ORIGIN  # links of other origins (or none) survive the replacement
        }
    )
    keep = [
        str(i) not in mine or (str(i), str(k), str(n)) in kept
        for i, k, n in zip(stored.get("incident", []), stored.get("kind", []), stored.get("name", []), strict=True)
    ]
    columns = ["incident", "kind", "name", "evidence", "learned"]
    survivors = stored[keep][columns] if len(stored) else pd.DataFrame(columns=columns)
    have = set(zip(survivors["incident"], survivors["kind"], survivors["name"], strict=True))
    added = [{c: r[c] for c in columns} for r in rows if (r["incident"], r["kind"], r["name"]) not in have]
    return pd.concat([survivors, pd.DataFrame(added, columns=columns)], ignore_index=True)


def mention_pairs(frame: pd.DataFrame) -> set[tuple[str, str, str]]:
    """(incident, kind, name) of each link a patterns_incident_mentions answer holds."""
    return {
        (str(i), str(k), str(n))
        for i, k, n in zip(frame.get("incident", []), frame.get("kind", []), frame.get("name", []), strict=True)
    }


def stored_mentions(kbase: Queryable) -> pd.DataFrame:
    """incident, kind, name, evidence, learned of every stored MENTIONS link."""
    return kbase.query("patterns_incident_mentions")


__all__ = ["VOCABULARY", "find_mentions", "record_mentions", "stored_mentions"]
