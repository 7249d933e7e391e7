"""Loop metrics against values worked out by hand on tests/loop_fixture.py, on both engines.

The fixture (times UTC; "pub" = analysis published_at):

    incident  started  resolved      pub           facilitator  repeat?  gate
    INC-A     Jan 10   Jan 10 12:00  Jan 12 12:00  wen          no       complete (R1 tracked, R2 deferred+reason)
    INC-B     Feb 01   Feb 01 06:00  Feb 05 06:00  wen          yes (A)  open (R1 quick win with only an OKR)
    INC-C     Apr 05   Apr 05 00:00  Apr 06 00:00  ana          no       complete (R1 tracked, R2 rejected)
    INC-D     Apr 20   Apr 21 00:00  Apr 29 00:00  wen          yes (C)  complete (R1 OKR, effort 3; R2 tracked)
    INC-E     May 02   May 02 03:00  -             -            no       no analysis: not gated

Time to insight = first pub - resolved: A 2.0, B 4.0, C 1.0, D 8.0 days.
Time to remediation = last linked work item closed - pub: A1: OPS-1 closed Jan 22 12:00 -> 10.0;
C1: OPS-2 Apr 16, OPS-3 Apr 26 -> 20.0; D1: OPS-4 still open -> pending; B1 has no work item.
Open findings at as_of = Jul 1 00:00: B/R1 (pub Feb 5 06:00: 23+31+30+31+30+1 days - 6 h = 145.75),
D/R1 and D/R2 (pub Apr 29: 2+31+30 = 63.0).
Roadmap: RM-1 2025Q1 traced, RM-2 2025Q2 untraced, RM-3 2025Q2 traced.
p90 is linear interpolation: [2, 4] -> 2 + 0.9*2 = 3.8; [1, 8] -> 1 + 0.9*7 = 7.3;
[1, 2, 4, 8] -> position 0.9*3 = 2.7 -> 4 + 0.7*4 = 6.8.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kb.analysis.metrics import COLUMNS, loop_metrics
from kb.cli import app
from kb.knowledge_base import KnowledgeBase
from tests.loop_fixture import loop_packets

AS_OF = datetime(2025, 7, 1, tzinfo=UTC)
NAN = math.nan

QUARTERS = {
    "2025Q1": dict(
        incidents=2,
        repeats=1,
        repeat_rate=0.5,
        tti_median_days=3.0,
        tti_p90_days=3.8,
        remediated=1,
        remediation_pending=0,
        ttr_median_days=10.0,
        roadmap_items=1,
        roadmap_traced_share=1.0,
        gated_incidents=2,
        gate_completion_rate=0.5,
        open_findings=1,
        open_finding_age_median_days=145.75,
        facilitators=1,
        busiest_facilitator_share=1.0,
    ),
    "2025Q2": dict(
        incidents=3,
        repeats=1,
        repeat_rate=1 / 3,
        tti_median_days=4.5,
        tti_p90_days=7.3,
        remediated=1,
        remediation_pending=1,
        ttr_median_days=20.0,
        roadmap_items=2,
        roadmap_traced_share=0.5,
        gated_incidents=2,
        gate_completion_rate=1.0,
        open_findings=2,
        open_finding_age_median_days=63.0,
        facilitators=2,
        busiest_facilitator_share=0.5,
    ),
    "all": dict(
        incidents=5,
        repeats=2,
        repeat_rate=0.4,
        tti_median_days=3.0,
        tti_p90_days=6.8,
        remediated=2,
        remediation_pending=1,
        ttr_median_days=15.0,
        roadmap_items=3,
        roadmap_traced_share=2 / 3,
        gated_incidents=4,
        gate_completion_rate=0.75,
        open_findings=3,
        open_finding_age_median_days=63.0,
        facilitators=2,
        busiest_facilitator_share=0.75,
    ),
}


def _check(row: dict[str, object], expected: dict[str, float]) -> None:
    for name, want in expected.items():
        got = row[name]
        if isinstance(want, float) and math.isnan(want):
            assert got is None or math.isnan(float(got)), f"{name}: {got!r}, expected no value"  # type: ignore[arg-type]
        else:
            assert got == pytest.approx(want), f"{row['period']} {name}: {got!r}, expected {want!r}"


def test_metrics_by_quarter(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets(loop_packets())
    df = loop_metrics(any_kb, by="quarter", as_of=AS_OF)
    assert list(df.columns) == COLUMNS
    assert list(df["period"]) == ["2025Q1", "2025Q2", "all"]
    for row in df.to_dict("records"):
        _check(row, QUARTERS[str(row["period"])])


def test_metrics_by_month(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets(loop_packets())
    df = loop_metrics(any_kb, by="month", as_of=AS_OF)
    # Every month from the first to the last with data, March included though nothing happened.
    assert list(df["period"]) == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "all"]
    rows = {r["period"]: r for r in df.to_dict("records")}
    _check(
        rows["2025-02"],
        dict(
            incidents=1,
            repeats=1,
            repeat_rate=1.0,
            tti_median_days=4.0,
            gate_completion_rate=0.0,
            ttr_median_days=NAN,
            remediated=0,
            open_findings=1,
            open_finding_age_median_days=145.75,
        ),
    )
    _check(
        rows["2025-03"],
        dict(
            incidents=0,
            repeat_rate=NAN,
            tti_median_days=NAN,
            facilitators=0,
            busiest_facilitator_share=NAN,
            roadmap_items=0,
        ),
    )
    # April: C and D; the Q2 roadmap items count in the quarter's first month.
    _check(
        rows["2025-04"],
        dict(
            incidents=2,
            repeats=1,
            repeat_rate=0.5,
            tti_median_days=4.5,
            tti_p90_days=7.3,
            ttr_median_days=20.0,
            remediation_pending=1,
            roadmap_items=2,
            roadmap_traced_share=0.5,
            facilitators=2,
            busiest_facilitator_share=0.5,
        ),
    )
    # May: INC-E alone, not analysed: not a repeat, no gate, no time to insight yet.
    _check(
        rows["2025-05"],
        dict(incidents=1, repeats=0, repeat_rate=0.0, gated_incidents=0, gate_completion_rate=NAN, tti_median_days=NAN),
    )


def test_closing_work_moves_remediation_and_open_findings(any_kb: KnowledgeBase) -> None:
    packets = loop_packets()
    packets[3].analyses[0].findings[1].work_items[0].closed_at = datetime(2025, 5, 9, tzinfo=UTC)
    any_kb.ingest_packets(packets)
    q2 = loop_metrics(any_kb, as_of=AS_OF).set_index("period").loc["2025Q2"]
    # D1 now remediated in 10 days (Apr 29 -> May 9): median of [20, 10] = 15; only D/R1 stays open.
    assert (q2["remediated"], q2["remediation_pending"], q2["ttr_median_days"]) == (2, 0, 15.0)
    assert (q2["open_findings"], q2["open_finding_age_median_days"]) == (1, 63.0)


def test_empty_graph(any_kb: KnowledgeBase) -> None:
    df = loop_metrics(any_kb, as_of=AS_OF)
    assert list(df["period"]) == ["all"] and df.iloc[0]["incidents"] == 0
    with pytest.raises(ValueError, match="quarter or month"):
        loop_metrics(any_kb, by="week")  # type: ignore[arg-type]


def test_cli_metrics(loop_db: Path) -> None:
    runner = CliRunner()
    env = {"NEO4J_URI": "", "KB_ENGINE": "ladybug"}
    base = ["metrics", "--db", str(loop_db), "--as-of", "2025-07-01"]
    as_json = runner.invoke(app, [*base, "--format", "json"], env=env)
    assert as_json.exit_code == 0, as_json.output
    rows = json.loads(as_json.output)
    assert [r["period"] for r in rows] == ["2025Q1", "2025Q2", "all"]
    assert rows[2]["gate_completion_rate"] == 0.75 and rows[0]["open_finding_age_median_days"] == 145.75
    as_csv = runner.invoke(app, [*base, "--by", "month", "--format", "csv"], env=env)
    assert as_csv.exit_code == 0 and as_csv.output.splitlines()[0].startswith("period,incidents,repeats")
    assert len(as_csv.output.splitlines()) == 7
    table = runner.invoke(app, base, env=env)
    assert table.exit_code == 0 and "repeat_rate" in table.output and "40%" in table.output
    monthly = runner.invoke(app, [*base, "--by", "month"], env=env)  # five months and "all" fit 80 columns
    assert monthly.exit_code == 0 and "left out" not in monthly.output and "2025-01" in monthly.output


def test_metrics_table_keeps_the_newest_periods_that_fit() -> None:
    import pandas as pd

    from kb.cli.cmd_loop import _latest_periods

    quarters = [f"{y}Q{q}" for y in (2021, 2022) for q in (1, 2, 3, 4)]
    table = pd.DataFrame({"metric": ["incidents"], **{p: [1] for p in quarters}, "all": [8]})
    fitted, hidden = _latest_periods(table, 80)  # room for 6 period columns beside the names
    assert hidden == 3 and list(fitted.columns) == ["metric", *quarters[-5:], "all"]
    wide, none_hidden = _latest_periods(table, 200)
    assert none_hidden == 0 and list(wide.columns) == list(table.columns)


def test_flags_looked_up_by_key_are_what_map_and_eq_true_give() -> None:
    """The metrics look flags up through Python lists (kb.analysis.metrics._looked_up): the same
    answers as `keys.map(table).eq(True)`, a key without a flag and a NaN flag being false."""
    import numpy as np
    import pandas as pd

    from kb.analysis.metrics import _is_true, _looked_up

    keys = pd.Series(["a", "b", "c", "d", "e"], dtype="str")
    table = pd.Series([True, False, np.nan, True], index=["a", "b", "c", "e"], dtype=object)
    expected = keys.map(table.to_dict()).eq(True).tolist()
    assert _is_true(_looked_up(keys, table)).tolist() == expected == [True, False, False, False, True]
    numpy_flags = pd.Series([True, False], index=["a", "b"])  # bool dtype: numpy booleans
    assert _is_true(_looked_up(keys, numpy_flags)).tolist() == [True, False, False, False, False]
