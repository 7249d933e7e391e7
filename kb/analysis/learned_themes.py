"""Themes learned from the corpus: groups of similar factor statements across incidents.

`kb themes suggest` only maps factors onto an existing taxonomy; an organisation's own
themes are in its post-mortems. Factor statements are compared by TF-IDF cosine; two
statements of different incidents at or above `threshold` are joined, and every connected
group that spans at least `min_incidents` incidents is a proposed theme, named by the top
terms of its statements, with its members and a confidence (the mean cosine of its joined
pairs). A reviewer accepts, renames or rejects the proposals in bulk (a YAML file, see
`proposals_yaml` / `apply_decisions`); only accepted ones are written, as Theme nodes and
INSTANCE_OF {origin "learned", confidence}. Proposals never count as themes until then.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from kb.analysis.incident_features import Queryable
from kb.analysis.text import TfidfIndex, tokens
from kb.graph.enrich import LEARNED_ORIGIN

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase

COLUMNS = ["theme", "name", "confidence", "incidents", "factors", "members", "statements"]
DEFAULT_THRESHOLD = 0.25
MAX_SHARE = 0.3
"""A group holding more than this share of all factors (and more than 10) is a catch-all, not a theme."""
DECISIONS = ("accept", "reject", "rename")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class DecisionError(ValueError):
    """A decisions file that cannot be applied; the message names the entry and the field."""


def learn_themes(kbase: Queryable, threshold: float = DEFAULT_THRESHOLD, min_incidents: int = 2) -> pd.DataFrame:
    """Proposed themes, most incidents first. Columns: theme (slug), name, confidence, incidents,
    factors, members (factor keys), statements (up to three, for the reviewer)."""
    factors = kbase.query("patterns_factors")
    if factors.empty:
        return pd.DataFrame(columns=COLUMNS)
    factors = factors.dropna(subset=["statement"]).reset_index(drop=True)
    index = TfidfIndex([_folded(s) for s in factors["statement"]])
    incident = factors["incident"].to_numpy()
    rows, cols, vals = _joined_pairs(index.matrix, incident, threshold)
    n = index.matrix.shape[0]
    graph = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    # Per-component sizes, members and mean joined cosine in one pass each (a loop over every
    # component with a scan of all pairs was quadratic: 48 s on 7,500 statements).
    sizes = np.bincount(label)
    members_of = np.split(np.argsort(label, kind="stable"), np.cumsum(sizes)[:-1])
    edge_sum = np.bincount(label[rows], weights=vals, minlength=len(sizes))
    edge_n = np.bincount(label[rows], minlength=len(sizes))
    out: list[dict[str, Any]] = []
    taken: Counter[str] = Counter()
    cap = max(10, MAX_SHARE * len(factors))
    for comp in np.flatnonzero((sizes >= min(2, max(1, min_incidents))) & (sizes <= cap)):
        members = members_of[comp]
        incidents = set(incident[members])
        if len(incidents) < min_incidents:
            continue
        confidence = float(edge_sum[comp] / edge_n[comp]) if edge_n[comp] else 0.0
        centroid = np.asarray(index.matrix[members].sum(axis=0)).ravel()
        top = [str(index.terms[i]) for i in np.argsort(-centroid, kind="stable")[:3] if centroid[i] > 0]
        slug = "-".join(top[:2]) or f"theme-{comp}"
        taken[slug] += 1
        if taken[slug] > 1:
            slug = f"{slug}-{taken[slug]}"
        out.append(
            {
                "theme": slug,
                "name": " ".join(top),
                "confidence": round(confidence, 3),
                "incidents": len(incidents),
                "factors": len(members),
                "members": factors["factor"].iloc[members].tolist(),
                "statements": factors["statement"].iloc[members].head(3).tolist(),
            }
        )
    df = pd.DataFrame(out, columns=COLUMNS)
    return df.sort_values(
        ["incidents", "confidence", "theme"], ascending=[False, False, True], kind="stable"
    ).reset_index(drop=True)


PAIR_BLOCK = 2000
"""Statements per block of the similarity product: only pairs at or above the threshold are kept."""


def _joined_pairs(m: sp.csr_matrix, incident: np.ndarray, threshold: float) -> tuple[np.ndarray, ...]:
    """row < col pairs of statements of different incidents whose cosine is at least `threshold`,
    computed block by block so the full statements x statements product is never held."""
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    mt = m.T.tocsc()
    for lo in range(0, m.shape[0], PAIR_BLOCK):
        block = (m[lo : lo + PAIR_BLOCK] @ mt).tocoo()
        r = block.row.astype(np.int64) + lo
        c = block.col.astype(np.int64)
        keep = (block.data >= threshold) & (r < c) & (incident[r] != incident[c])
        parts.append((r[keep], c[keep], block.data[keep]))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))


_SUFFIXES = ("ing", "ed", "ly")


def _fold(word: str) -> str:
    """Verb and adverb endings folded on top of the plural folding of kb.analysis.text: "alerting",
    "alerted" ~ "alert", so that statements of one factor written differently join."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _folded(statement: str) -> str:
    return " ".join(_fold(w) for w in tokens(statement))


def proposals_yaml(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The proposals as a decisions file: set `decision` to accept, reject or rename (with `rename`)."""
    return [
        {
            "theme": r.theme,
            "decision": "accept",
            "rename": None,
            "name": r.name,
            "confidence": r.confidence,
            "members": list(r.members),
            "statements": list(r.statements),
        }
        for r in df.itertuples(index=False)
    ]


def apply_decisions(kbase: KnowledgeBase, entries: list[dict[str, Any]], source: str = "decisions") -> pd.DataFrame:
    """Write the accepted and renamed proposals (all entries checked before anything is written).
    Returns theme, decision, factors written."""
    factors = set(kbase.query("patterns_factors")["factor"])
    themes: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    report: list[dict[str, Any]] = []
    for i, e in enumerate(entries):
        where = f"{source}: entry {i + 1}"
        if not isinstance(e, dict):
            raise DecisionError(f"{where}: expected a mapping with theme, decision, members")
        decision = e.get("decision")
        if decision not in DECISIONS:
            raise DecisionError(
                f"{where} ({e.get('theme')!r}): decision {decision!r}; expected one of {', '.join(DECISIONS)}"
            )
        slug = e.get("rename") if decision == "rename" else e.get("theme")
        if not isinstance(slug, str) or not _SLUG.match(slug):
            field = "rename" if decision == "rename" else "theme"
            raise DecisionError(f"{where}: {field} {slug!r}; expected a slug such as 'proxy-memory-limit'")
        members = e.get("members")
        if not isinstance(members, list) or not members:
            raise DecisionError(f"{where} ({slug}): members; expected a list of factor keys")
        unknown = [m for m in members if m not in factors]
        if unknown:
            raise DecisionError(f"{where} ({slug}): members {unknown[0]!r} is no factor in the knowledge base")
        report.append({"theme": slug, "decision": decision, "factors": 0 if decision == "reject" else len(members)})
        if decision == "reject":
            continue
        confidence = float(e.get("confidence") or 1.0)
        themes.append(
            {
                "slug": slug,
                "name": str(e.get("name") or slug.replace("-", " ")),
                "description": f"learned from {len(members)} factor statements (confidence {confidence:.2f}); "
                f"{decision}ed by a reviewer",
            }
        )
        # A person decided: the link counts fully (the learned confidence stays on the theme).
        links += [{"factor": m, "theme": slug, "confidence": 1.0} for m in members]
    if themes:
        kbase.add_themes(themes, links, LEARNED_ORIGIN)
    return pd.DataFrame(report, columns=["theme", "decision", "factors"])


__all__ = ["DecisionError", "apply_decisions", "learn_themes", "proposals_yaml"]
