"""Repeat incidents: the same theme or defeated barrier again, after a finding agreed to address it.

An incident is a *repeat* when one of its themes, or a barrier it challenged with
status failed / missing / bypassed, already appeared in an EARLIER incident (started
strictly before it) whose analysis produced an agreed finding (status agreed or done)
addressing that theme or barrier by name (ADDRESSES to the Theme / Barrier). That
earlier finding is the one that did not prevent the repeat.

Why by name only: a finding that fixes one factor locally ("add jitter to this
client's retries") makes no claim about the pattern; naming the theme or barrier is
the cross-incident commitment whose failure a repeat measures. Counting fixes made
through a factor too (`through_factors=True`) flags 318 of the 320 demo incidents,
because nearly every theme has had some local fix somewhere; by name, 146, with a
rate that falls after the clusters' fixes land.

The join is done in pandas with an as-of merge per theme/barrier, so the cost grows
with the number of (incident, theme) pairs, never with pairs of incidents.

Imported post-mortems rarely name a theme in a finding, so two more kinds of evidence
count (`kb.analysis.repeat_evidence`): the incident's text says it was seen before or
links an earlier report (via_kind "text"), or an earlier incident is its near twin by
the same evidence as `kb similar` and that earlier review produced findings (via_kind
"twin"). Each row carries the evidence in words. A later document about the SAME incident
(an addendum, a deeper dive) is no repeat either way: `repeat_evidence.follow_up_documents`
lists such pairs and they are left out of each other's evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from kb.analysis.reuse import once
from kb.graph.catalogue import Queryable

COLUMNS = ["incident", "started_at", "earlier_incident", "finding", "via_kind", "via"]
EVIDENCE_COLUMNS = [*COLUMNS, "evidence"]


@dataclass(frozen=True)
class RepeatOptions:
    """What counts as a repeat (`find_repeats`'s keywords); the defaults are what `kb repeats` asks."""

    all_earlier: bool = False
    through_factors: bool = False
    finding_statuses: Sequence[str] | None = None
    barrier_statuses: Sequence[str] | None = None
    text_and_twins: bool = True


def find_repeats(
    kbase: Queryable,
    *,
    all_earlier: bool = False,
    through_factors: bool = False,
    finding_statuses: Sequence[str] | None = None,
    barrier_statuses: Sequence[str] | None = None,
    text_and_twins: bool = True,
) -> pd.DataFrame:
    """Repeats by every kind of evidence: the addressed theme/barrier rows (`addressed_repeats`)
    plus, with `text_and_twins`, text claims and near twins. Columns: COLUMNS + evidence.
    Statuses default to kb.model's AGREED_STATUSES and DEFEATED_STATUSES.
    With the defaults (what `kb repeats` asks), the answer kept beside the database is used when it
    is in step with it (kb.analysis.answer_store); the text and twin evidence always is."""
    options = RepeatOptions(all_earlier, through_factors, finding_statuses, barrier_statuses, text_and_twins)
    if options == RepeatOptions():  # all_earlier: hundreds of thousands of rows at 3,200 incidents, computed when asked
        from kb.analysis.answer_store import stored  # noqa: PLC0415 (numpy file handling for two commands)

        return stored(kbase, "repeats", lambda: {"repeats": _find_repeats(kbase, options)})["repeats"]
    return _find_repeats(kbase, options)


def _find_repeats(kbase: Queryable, options: RepeatOptions) -> pd.DataFrame:
    rows = addressed_repeats(
        kbase,
        all_earlier=options.all_earlier,
        through_factors=options.through_factors,
        finding_statuses=options.finding_statuses,
        barrier_statuses=options.barrier_statuses,
    )
    rows = rows.assign(
        evidence=[
            f"{k} {v}: earlier agreed finding {f} addressed it"
            for k, v, f in zip(rows["via_kind"], rows["via"], rows["finding"], strict=True)
        ]
    )
    if not options.text_and_twins:
        return rows[EVIDENCE_COLUMNS]
    from kb.analysis.repeat_evidence import text_and_twin_repeats  # noqa: PLC0415 (it imports similarity)

    more = text_and_twin_repeats(kbase)
    if more.empty:
        return rows[EVIDENCE_COLUMNS].reset_index(drop=True)
    out = pd.concat([rows[EVIDENCE_COLUMNS], more[EVIDENCE_COLUMNS]], ignore_index=True) if len(rows) else more
    out["started_at"] = pd.to_datetime(out["started_at"], utc=True)
    return out.sort_values(
        ["started_at", "incident", "via_kind", "via", "earlier_incident"], kind="stable"
    ).reset_index(drop=True)[EVIDENCE_COLUMNS]


def addressed_repeats(
    kbase: Queryable,
    *,
    all_earlier: bool = False,
    through_factors: bool = False,
    finding_statuses: Sequence[str] | None = None,
    barrier_statuses: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per (repeat incident, theme/barrier, earlier finding).

    By default only the most recent earlier incident with such a finding is reported
    for each theme/barrier (the finding that most recently failed to prevent it);
    `all_earlier=True` lists every earlier incident's findings. `through_factors=True`
    also counts findings that address a factor which is an instance of the theme or
    defeated the barrier.
    Columns: incident, started_at, earlier_incident, finding, via_kind, via. Statuses default to
    kb.model's AGREED_STATUSES and DEFEATED_STATUSES.
    """
    from kb.model import AGREED_STATUSES, DEFEATED_STATUSES  # noqa: PLC0415 (pydantic: not for a stored answer)

    finding_statuses = AGREED_STATUSES if finding_statuses is None else finding_statuses
    barrier_statuses = DEFEATED_STATUSES if barrier_statuses is None else barrier_statuses
    exposures = kbase.query("loop_incident_exposures", barrier_statuses=list(barrier_statuses))
    targets = kbase.query("loop_finding_targets", statuses=list(finding_statuses))
    if not through_factors:
        targets = targets[targets["direct"].astype(bool)]
    if exposures.empty or targets.empty:
        return pd.DataFrame(columns=COLUMNS)
    targets = targets.rename(columns={"incident": "earlier_incident", "started_at": "earlier_started_at"})
    if all_earlier:
        joined = exposures.merge(targets, on=["via_kind", "via"])
        joined = joined[joined["earlier_started_at"] < joined["started_at"]]
    else:
        earlier = (
            targets[["earlier_incident", "earlier_started_at", "via_kind", "via"]]
            .drop_duplicates()
            # (by key too: of two earlier incidents that started at the same instant, the later key
            # is the one merge_asof keeps, whatever order the engine returned the rows in)
            .sort_values(["earlier_started_at", "earlier_incident"], kind="stable")
        )
        latest = pd.merge_asof(
            exposures.sort_values("started_at", kind="stable"),
            earlier,
            left_on="started_at",
            right_on="earlier_started_at",
            by=["via_kind", "via"],
            allow_exact_matches=False,
            direction="backward",
        ).dropna(subset=["earlier_incident"])
        joined = latest.merge(targets, on=["earlier_incident", "earlier_started_at", "via_kind", "via"])
    out = joined[COLUMNS].sort_values(["started_at", "incident", "via_kind", "via", "earlier_incident", "finding"])
    return out.drop_duplicates().reset_index(drop=True)


def repeat_incidents(kbase: Queryable) -> pd.DataFrame:
    """Every incident with started_at and a boolean `repeat` column."""
    incidents = kbase.query("incidents")
    repeats = set(once(kbase, find_repeats)["incident"])
    incidents["repeat"] = incidents["incident"].isin(repeats)
    return incidents
