"""gate_status and the follow-ups' due days computed over Python lists: the answers the row-by-row
definitions give (counts per incident from the judged findings, the policy's days per severity)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from kb.analysis.followups import _due_days
from kb.analysis.gate import STATUS_COLUMNS, _lists_or_empty, gate_findings, gate_status
from kb.analysis.policy import DEFAULT_POLICY
from kb.knowledge_base import KnowledgeBase
from tests.loop_fixture import loop_packets


def test_gate_status_counts_are_its_findings_counted_row_by_row(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets(loop_packets())
    keys = any_kb.query("incidents")["incident"].tolist()
    status = gate_status(any_kb)
    assert list(status.columns) == STATUS_COLUMNS and status["incident"].tolist() == keys
    assert {str(status[c].dtype) for c in ("findings", "agreed", "unsettled")} == {"int64"}
    judged = gate_findings(any_kb, keys)
    for row in status.itertuples():
        mine = judged[judged["incident"] == row.incident]
        assert row.findings == len(mine)
        assert row.agreed == int((mine["status"] == "agreed").sum())
        assert row.unsettled == int(mine["problem"].notna().sum())
    assert status["agreed"].sum() > 0 and status["unsettled"].sum() > 0
    # Only some incidents asked for: their rows, in the incidents' order; none asked for: no rows.
    some = gate_status(any_kb, [keys[-1], keys[0], "INC-NONE"])
    pd.testing.assert_frame_equal(some.reset_index(drop=True), status.iloc[[0, -1]].reset_index(drop=True))
    assert gate_status(any_kb, []).empty and list(gate_status(any_kb, []).columns) == STATUS_COLUMNS


def test_lists_or_empty_is_a_column_of_lists_even_of_one_length() -> None:
    # numpy makes a 2-D array of lists that all have one length; a column needs one list per cell.
    column = _lists_or_empty([("W-1", "W-2"), ["W-3", "W-4"]])
    assert column.shape == (2,) and column.dtype == object
    assert column.tolist() == [["W-1", "W-2"], ["W-3", "W-4"]]
    assert _lists_or_empty([None, ("O-1",)]).tolist() == [[], ["O-1"]]
    assert _lists_or_empty([]).shape == (0,)


def test_due_days_are_the_policy_for_each_severity() -> None:
    severity = pd.Series([1, 3, 3, 5, 2, 9, 4, 1], index=[7, 6, 5, 4, 3, 2, 1, 0], name="severity")
    expected = severity.map(lambda s: DEFAULT_POLICY.for_severity(s).due_days)
    pd.testing.assert_series_equal(_due_days(severity, DEFAULT_POLICY), expected)
    # Nulls and text: the strictest severity's days, as for_severity gives them.
    mixed = pd.Series([np.nan, 2.0, float("nan"), 4.0], name="severity")
    got = _due_days(mixed, DEFAULT_POLICY)
    pd.testing.assert_series_equal(got, mixed.map(lambda s: DEFAULT_POLICY.for_severity(s).due_days))
    assert not any(isinstance(d, float) and math.isnan(d) for d in got)
    empty = pd.Series([], dtype="int64", name="severity")
    pd.testing.assert_series_equal(
        _due_days(empty, DEFAULT_POLICY), empty.map(lambda s: DEFAULT_POLICY.for_severity(s).due_days)
    )
