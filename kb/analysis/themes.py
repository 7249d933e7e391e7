"""Theme suggestions: a canonical theme for each factor that has none, with a confidence.

Each theme of the existing taxonomy gets a centroid: the TF-IDF vectors of the
statements of the factors already linked to it, plus its own words (slug, name,
description). An unthemed factor's statement is compared with every centroid:

    confidence = best * sqrt(1 - second / best)

(the cosine with the best theme, discounted when the runner-up is nearly as close), so a
clear, close match scores high and an ambiguous one low. Accepting writes INSTANCE_OF
{origin "suggested", confidence}, which a re-ingest of the packet leaves in place.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

from kb.analysis.incident_features import Queryable
from kb.analysis.text import TfidfIndex, normalise_rows
from kb.graph.enrich import SUGGESTED_ORIGIN

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase

COLUMNS = ["factor", "incident", "statement", "theme", "confidence", "runner_up", "runner_up_score"]


class ThemeError(ValueError):
    """A factor or theme that does not exist; the message names it and what was expected."""


def _theme_words(slug: str, name: object, description: object) -> str:
    parts = [slug.replace("-", " ")]
    parts += [str(v) for v in (name, description) if isinstance(v, str)]
    return " ".join(parts)


def suggest_themes(kbase: Queryable, min_confidence: float = 0.0) -> pd.DataFrame:
    """One suggestion per factor without a theme, best confidence first."""
    factors = kbase.query("patterns_factors")
    links = kbase.query("patterns_factor_themes")
    taxonomy = kbase.query("patterns_themes")
    if factors.empty or taxonomy.empty:
        return pd.DataFrame(columns=COLUMNS)
    themed = set(links["factor"]) if not links.empty else set()
    todo = factors[~factors["factor"].isin(themed)].reset_index(drop=True)
    if todo.empty:
        return pd.DataFrame(columns=COLUMNS)
    slugs = taxonomy["theme"].tolist()
    theme_docs = [
        _theme_words(s, n, d)
        for s, n, d in zip(taxonomy["theme"], taxonomy["name"], taxonomy["description"], strict=True)
    ]
    statements = dict(zip(factors["factor"], factors["statement"].fillna(""), strict=True))
    link_docs = [statements.get(f, "") for f in links["factor"]] if not links.empty else []
    index = TfidfIndex(theme_docs + link_docs + todo["statement"].fillna("").tolist())
    col = {s: i for i, s in enumerate(slugs)}
    # Centroid per theme: its own words plus every linked statement, rows then re-normalised.
    n_links = len(link_docs)
    rows = list(range(len(slugs))) + [col[t] for t in links["theme"]] if n_links else list(range(len(slugs)))
    sources = index.matrix[: len(slugs) + n_links]
    assign = sp.csr_matrix((np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(len(slugs), len(rows)))
    centroids = normalise_rows(sp.csr_matrix(assign @ sources))
    queries = index.matrix[len(slugs) + n_links :]
    sims = (queries @ centroids.T).toarray()
    out = []
    for i, row in enumerate(todo.itertuples(index=False)):
        s = sims[i]
        order = np.lexsort((np.arange(len(s)), -s))
        best = float(s[order[0]])
        second = float(s[order[1]]) if len(order) > 1 else 0.0
        if best <= 0:
            continue
        confidence = best * math.sqrt(max(0.0, 1 - second / best))
        out.append(
            {
                "factor": row.factor,
                "incident": row.incident,
                "statement": row.statement,
                "theme": slugs[order[0]],
                "confidence": round(confidence, 4),
                "runner_up": slugs[order[1]] if len(order) > 1 and second > 0 else None,
                "runner_up_score": round(second, 4),
            }
        )
    df = pd.DataFrame(out, columns=COLUMNS)
    df = df[df["confidence"] >= min_confidence]
    return df.sort_values(["confidence", "factor"], ascending=[False, True], kind="stable").reset_index(drop=True)


def accept_theme(kbase: KnowledgeBase, factor: str, theme: str, confidence: float | None = None) -> pd.DataFrame:
    """Link one factor to one existing theme. Without a confidence, the suggestion's is used when it
    suggested this theme, else 1.0 (a person chose it)."""
    factors = kbase.query("patterns_factors")
    if factor not in set(factors["factor"]):
        raise ThemeError(
            f"FACTOR_KEY {factor!r}: no such factor; expected a factor key such as "
            f"'INC-2025-001/factor/F1' (see `kb themes suggest`)"
        )
    taxonomy = kbase.query("patterns_themes")
    known = taxonomy["theme"].tolist() if not taxonomy.empty else []
    if theme not in known:
        raise ThemeError(
            f"THEME {theme!r}: not in the theme taxonomy; expected one of: {', '.join(known) or '(none yet)'}"
        )
    if confidence is None:
        confidence = 1.0
        suggestions = suggest_themes(kbase)
        mine = suggestions[(suggestions["factor"] == factor) & (suggestions["theme"] == theme)]
        if not mine.empty:
            confidence = float(mine["confidence"].iloc[0])
    rows = [{"factor": factor, "theme": theme, "confidence": confidence}]
    kbase.link_themes(rows, SUGGESTED_ORIGIN)
    return pd.DataFrame(rows)


def accept_suggestions(kbase: KnowledgeBase, min_confidence: float) -> pd.DataFrame:
    """Accept every suggestion at or above `min_confidence`; returns what was accepted."""
    accepted = suggest_themes(kbase, min_confidence=min_confidence)
    if not accepted.empty:
        kbase.link_themes(accepted[["factor", "theme", "confidence"]].to_dict("records"), SUGGESTED_ORIGIN)
    return accepted
