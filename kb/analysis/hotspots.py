"""Hotspots: which services, components, themes and failed barriers keep showing up, lately and in the bad ones.

Per subject (a service, component, theme or failed barrier), over every incident:
- counts in the last `window_days` (recent) and the window before it (previous);
- counts by severity (sev1..sev5);
- "3 of the last 5 major incidents": how many of the last `last_major` incidents with
  severity <= `major_severity` involved it;
- alignment with tagged events: for each tag (e.g. "campaign"), how many of its
  incidents carry the tag and the lift over the tag's base rate.
`hotspot_series` gives the per-period counts with a rolling sum, for charts.

Each (incident, subject) counts as sure as it is (kb.analysis.similarity.evidence_weights): stated
or confirmed 1.0, a service or component found only in the text ENTITY_WEIGHT, a theme an importer
guessed by keyword in an unreviewed packet nothing. `evidence` is that weighted count and `basis`
says what it rests on (stated, text, guessed or mixed); the ranking uses the weighted counts, so a
guessed theme is listed (it is a lead) but never ranks like a confirmed one. What was only found in
the text ranks by how far it exceeds what its corpus frequency predicts (`_rank_keys`), so a subject
named in most reports does not lead by being everywhere; stated subjects rank by their counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from kb.analysis.subject_kinds import SUBJECT_KINDS
from kb.graph.catalogue import Queryable

SEVERITIES = (1, 2, 3, 4, 5)
BASIS_NOTE = {
    "text": "found in the text, not stated",
    "guessed": "a keyword guess nobody confirmed",
    "mixed": "partly found in text or guessed",
}


STORE = "hotspot-subjects"
"""kb.analysis.answer_store's name for `_joined` over every kind."""
INCIDENT_COLUMNS = ["incident", "severity", "started_at", "tags"]


def _joined(kbase: Queryable, kinds: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The incidents (INCIDENT_COLUMNS), and one row per (incident, subject) with its severity, start,
    tags and certainty: over every kind from the file kept beside the database when it is in step
    with it (kb.analysis.answer_store), else read; then the rows of `kinds`."""
    from kb.analysis.answer_store import stored  # noqa: PLC0415 (numpy file handling for two commands)

    if not set(kinds) <= set(SUBJECT_KINDS):  # another kind (a team): read as asked
        return _read_joined(kbase, kinds)
    both = stored(
        kbase, STORE, lambda: dict(zip(("incidents", "joined"), _read_joined(kbase, SUBJECT_KINDS), strict=True))
    )
    incidents, joined = both["incidents"], both["joined"]
    if set(kinds) != set(SUBJECT_KINDS):
        # Filtering keeps the rows' order: the same rows in the same order as reading these kinds only.
        joined = joined[joined["kind"].isin(list(kinds))].reset_index(drop=True)
    return incidents, joined


def _read_joined(kbase: Queryable, kinds: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    # Here, not at the top: with the answer kept on disk, scipy and the text index are never loaded.
    from kb.analysis.incident_features import load_features  # noqa: PLC0415
    from kb.analysis.similarity import ENTITY_WEIGHT, evidence_weights  # noqa: PLC0415
    from kb.analysis.similarity_store import RecordingQueries  # noqa: PLC0415

    kbase = RecordingQueries(kbase)  # the mentions are read for the weights and for the rows: once
    f = load_features(kbase, with_text=False)
    weights = evidence_weights(kbase)
    items = f.items[f.items["kind"].isin(list(kinds))][["incident", "kind", "item"]]
    mentions = kbase.query("patterns_incident_mentions")
    if not mentions.empty:
        found = pd.DataFrame({"incident": mentions["incident"], "kind": mentions["kind"], "item": mentions["name"]})
        found = found[found["kind"].isin(list(kinds))]
        items = pd.concat([items, found], ignore_index=True).drop_duplicates(["incident", "kind", "item"])
    # Column lists, not the columns: iterating an Arrow-backed column (the mentions') costs a call per cell.
    stated = set(zip(*(f.items[c].tolist() for c in ("incident", "kind", "item")), strict=True))
    items = items.assign(
        certainty=[
            # Stated services and barriers count fully; a theme as sure as its links; a mention its weight.
            (weights.get((str(i), f"theme:{x}"), 1.0) if k == "theme" else 1.0)
            if (i, k, x) in stated
            else weights.get((str(i), f"{k}:{x}"), ENTITY_WEIGHT)
            for i, k, x in zip(*(items[c].tolist() for c in ("incident", "kind", "item")), strict=True)
        ]
    )
    joined = items.merge(f.incidents[INCIDENT_COLUMNS], on="incident")
    return f.incidents[INCIDENT_COLUMNS].reset_index(drop=True), joined


def subject_incidents(kbase: Queryable, kinds: Sequence[str] = SUBJECT_KINDS) -> dict[tuple[str, str], list[str]]:
    """(kind, subject) -> the incidents it involves (sorted), for drilling into a hotspot."""
    _, joined = _joined(kbase, kinds)
    out: dict[tuple[str, str], list[str]] = {}
    for (kind, item), keys in joined.groupby(["kind", "item"])["incident"]:
        out[(str(kind), str(item))] = sorted({str(k) for k in keys})
    return out


def hotspots(
    kbase: Queryable,
    kinds: Sequence[str] = SUBJECT_KINDS,
    *,
    window_days: int = 90,
    major_severity: int = 2,
    last_major: int = 5,
    tags: Sequence[str] = ("campaign",),
    now: datetime | None = None,
    min_incidents: int = 2,
) -> pd.DataFrame:
    """One row per subject with at least `min_incidents` incidents, hottest first. Incidents of
    unknown severity (None: the document did not say) are counted in sev_unknown, never as major.
    With the defaults (`kb hotspots` without options) the answer kept beside the database is used
    when it is in step with it (kb.analysis.answer_store)."""

    def compute(kinds: Sequence[str]) -> pd.DataFrame:
        return _hotspots(
            kbase,
            kinds,
            window_days=window_days,
            major_severity=major_severity,
            last_major=last_major,
            tags=tags,
            now=now,
            min_incidents=min_incidents,
        )

    options = (window_days, major_severity, last_major, list(tags), now, min_incidents)
    if set(kinds) == set(SUBJECT_KINDS) and options == DEFAULTS:
        from kb.analysis.answer_store import stored  # noqa: PLC0415 (numpy file handling for two commands)

        return stored(kbase, "hotspots", lambda: {"hotspots": compute(SUBJECT_KINDS)})["hotspots"]
    return compute(kinds)


DEFAULTS: tuple[object, ...] = (90, 2, 5, ["campaign"], None, 2)
"""hotspots()' window_days, major_severity, last_major, tags, now and min_incidents by default: the
answer kept on disk is for these."""


def _hotspots(
    kbase: Queryable,
    kinds: Sequence[str],
    *,
    window_days: int,
    major_severity: int,
    last_major: int,
    tags: Sequence[str],
    now: datetime | None,
    min_incidents: int,
) -> pd.DataFrame:
    incidents, joined = _joined(kbase, kinds)
    sev_cols = [f"sev{s}" for s in SEVERITIES]
    tag_cols = [c for t in tags for c in (t, f"{t}_lift")]
    columns = [
        "kind",
        "subject",
        "incidents",
        "evidence",
        "basis",
        "recent",
        "previous",
        "change",
        *sev_cols,
        "sev_unknown",
        "last_major",
        "of_last_major",
        *tag_cols,
        "last_seen",
        "headline",
    ]
    if joined.empty:
        return pd.DataFrame(columns=columns)
    ref = pd.Timestamp(now) if now is not None else incidents["started_at"].max()
    if ref.tzinfo is None:
        ref = ref.tz_localize("UTC")
    window = timedelta(days=window_days)
    majors = (
        incidents[incidents["severity"].fillna(99) <= major_severity]
        .sort_values(["started_at", "incident"], kind="stable")
        .tail(last_major)
    )
    major_keys = set(majors["incident"])
    n_major = len(major_keys)
    base_rate = {t: float(np.mean([t in tg for tg in incidents["tags"]])) if len(incidents) else 0.0 for t in tags}

    in_window = (joined["started_at"] > ref - window) & (joined["started_at"] <= ref)
    found = (joined["certainty"] > 0) & (joined["certainty"] < 1.0)
    j = joined.assign(
        recent_w=in_window * joined["certainty"],
        _recent_sure=in_window * joined["certainty"] * ~found,
        _recent_found=in_window * joined["certainty"] * found,
        _found_w=joined["certainty"] * found,
        _major_sure=joined["incident"].isin(major_keys) & (joined["certainty"] >= 1.0),
        _major_found=joined["incident"].isin(major_keys) & found,
        sure=joined["certainty"] >= 1.0,
        unsure=(joined["certainty"] > 0) & (joined["certainty"] < 1.0),
        recent=(joined["started_at"] > ref - window) & (joined["started_at"] <= ref),
        previous=(joined["started_at"] > ref - 2 * window) & (joined["started_at"] <= ref - window),
        major=joined["incident"].isin(major_keys),
    )
    for s in SEVERITIES:
        j[f"sev{s}"] = j["severity"] == s
    j["sev_unknown"] = j["severity"].isna()  # not stated in the document: counted apart, never as minor
    for t in tags:
        j[f"_tag_{t}"] = [t in tg for tg in j["tags"]]
    agg = {
        "incidents": ("incident", "nunique"),
        "evidence": ("certainty", "sum"),
        "_recent_w": ("recent_w", "sum"),
        "_recent_sure": ("_recent_sure", "sum"),
        "_recent_found": ("_recent_found", "sum"),
        "_found_w": ("_found_w", "sum"),
        "_major_sure": ("_major_sure", "sum"),
        "_major_found": ("_major_found", "sum"),
        "_sure": ("sure", "sum"),
        "_unsure": ("unsure", "sum"),
        "recent": ("recent", "sum"),
        "previous": ("previous", "sum"),
        "last_major": ("major", "sum"),
        "last_seen": ("started_at", "max"),
        "sev_unknown": ("sev_unknown", "sum"),
        **{c: (c, "sum") for c in sev_cols},
        **{t: (f"_tag_{t}", "sum") for t in tags},
    }
    out = j.groupby(["kind", "item"]).agg(**agg).reset_index().rename(columns={"item": "subject"})
    out = out[out["incidents"] >= min_incidents].copy()
    for c in ["recent", "previous", "last_major", "sev_unknown", *sev_cols, *tags]:
        out[c] = out[c].astype(int)
    out["change"] = out["recent"] - out["previous"]
    out["evidence"] = out["evidence"].round(2)
    out["basis"] = [
        _basis(int(a), int(b), int(n)) for a, b, n in zip(out["_sure"], out["_unsure"], out["incidents"], strict=True)
    ]
    out["of_last_major"] = n_major
    for t in tags:
        share = out[t] / out["incidents"]
        out[f"{t}_lift"] = np.where(base_rate[t] > 0, share / base_rate[t] if base_rate[t] else 0.0, 0.0).round(2)
    out["headline"] = [
        _headline(
            r.kind,
            r.subject,
            int(r.last_major),
            n_major,
            major_severity,
            int(r.recent),
            window_days,
            int(r.sev_unknown),
            int(r.incidents),
            str(r.basis),
        )
        for r in out.itertuples(index=False)
    ]
    recent_incidents = int(((incidents["started_at"] > ref - window) & (incidents["started_at"] <= ref)).sum())
    out = _rank_keys(out, n_incidents=len(incidents), n_major=n_major, n_recent=recent_incidents)
    out = out.sort_values(
        ["_major_rank", "_recent_rank", "_evidence_rank", "incidents", "kind", "subject"],
        ascending=[False, False, False, False, True, True],
        kind="stable",
    ).reset_index(drop=True)
    return out[columns]


def _rank_keys(out: pd.DataFrame, *, n_incidents: int, n_major: int, n_recent: int) -> pd.DataFrame:
    """Sort keys in which what a person stated counts as before, and what was only found in the text
    counts for how far it exceeds what the subject's corpus frequency predicts: a subject named in
    half of all reports is in half of the majors and recent ones by chance, so it says little there.

    - majors: stated ones, plus found ones above chance (found incidents x last majors / incidents);
    - recent: stated certainty, plus found certainty above chance (found certainty x recent share);
    - evidence: stated certainty, plus found certainty x an IDF weight log(N/n)/log(N) (1 for a
      subject in one incident, 0 for one in all)."""
    n = max(n_incidents, 1)
    expected_major = out["_unsure"] * n_major / n
    expected_recent = out["_found_w"] * n_recent / n
    idf = np.log(n / out["incidents"].clip(lower=1)) / np.log(n) if n > 1 else 1.0
    return out.assign(
        _major_rank=out["_major_sure"] + (out["_major_found"] - expected_major).clip(lower=0),
        _recent_rank=out["_recent_sure"] + (out["_recent_found"] - expected_recent).clip(lower=0),
        _evidence_rank=(out["evidence"] - out["_found_w"]) + out["_found_w"] * idf,
    )


def _basis(sure: int, unsure: int, incidents: int) -> str:
    """stated: every incident states it; text: found in text (or accepted at a confidence); guessed:
    only keyword guesses (weight 0); mixed otherwise."""
    if sure == incidents:
        return "stated"
    if unsure == incidents:
        return "text"
    if sure == 0 and unsure == 0:
        return "guessed"
    return "mixed"


def _headline(
    kind: str,
    subject: str,
    majors: int,
    n_major: int,
    major_severity: int,
    recent: int,
    window_days: int,
    unknown: int = 0,
    incidents: int = 0,
    basis: str = "stated",
) -> str:
    sev = "SEV1" if major_severity == 1 else f"SEV1-{major_severity}"
    parts = []
    if n_major and majors:
        parts.append(f"{majors} of the last {n_major} {sev} incidents involved {kind} {subject}")
    if recent:
        parts.append(f"{recent} in the last {window_days} days")
    if unknown:
        parts.append(f"{incidents} incidents, severity known for {incidents - unknown}")
    if basis in BASIS_NOTE:
        parts.append(BASIS_NOTE[basis])
    return "; ".join(parts)


def hotspot_series(
    kbase: Queryable,
    kinds: Sequence[str] = SUBJECT_KINDS,
    freq: str = "M",
    rolling: int = 3,
    subjects: Sequence[str] | None = None,
) -> pd.DataFrame:
    """period (start, UTC), kind, subject, incidents, rolling (sum over the last `rolling` periods), one
    row per subject and period from the first to the last incident (zeros included). `freq` is a
    pandas period alias: "W", "M" or "Q"."""
    _, joined = _joined(kbase, kinds)
    columns = ["period", "kind", "subject", "incidents", "rolling"]
    if subjects is not None:
        joined = joined[joined["item"].isin(list(subjects))]
    if joined.empty:
        return pd.DataFrame(columns=columns)
    # Periods are computed on naive UTC (pandas' to_period drops the zone anyway).
    starts = joined["started_at"].dt.tz_convert("UTC").dt.tz_localize(None)
    joined = joined.assign(period=starts.dt.to_period(freq))
    counts = joined.groupby(["kind", "item", "period"])["incident"].nunique()
    spans = pd.period_range(joined["period"].min(), joined["period"].max(), freq=freq)
    periods = spans.start_time.tz_localize("UTC")
    frames = []
    for (kind, item), series in counts.groupby(level=[0, 1]):
        s = series.droplevel([0, 1]).reindex(spans, fill_value=0)
        frames.append(
            pd.DataFrame(
                {
                    "period": periods,
                    "kind": kind,
                    "subject": item,
                    "incidents": s.to_numpy(),
                    "rolling": s.rolling(rolling, min_periods=1).sum().astype(int).to_numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[columns]


def tag_alignment(
    kbase: Queryable, tag: str, kinds: Sequence[str] = SUBJECT_KINDS, min_incidents: int = 2
) -> pd.DataFrame:
    """kind, subject, incidents, tagged, share, lift: how a subject lines up with incidents tagged `tag`."""
    incidents, joined = _joined(kbase, kinds)
    columns = ["kind", "subject", "incidents", "tagged", "share", "lift"]
    if joined.empty:
        return pd.DataFrame(columns=columns)
    base = float(np.mean([tag in t for t in incidents["tags"]]))
    j = joined.assign(tagged=[tag in t for t in joined["tags"]])
    out = j.groupby(["kind", "item"]).agg(incidents=("incident", "nunique"), tagged=("tagged", "sum")).reset_index()
    out = out.rename(columns={"item": "subject"})
    out = out[out["incidents"] >= min_incidents].copy()
    out["tagged"] = out["tagged"].astype(int)
    out["share"] = (out["tagged"] / out["incidents"]).round(3)
    out["lift"] = (out["share"] / base).round(2) if base else 0.0
    return out.sort_values(
        ["lift", "tagged", "kind", "subject"], ascending=[False, False, True, True], kind="stable"
    ).reset_index(drop=True)[columns]
