"""Shapes met in real post-mortems of templates the importer had not seen (Pathfinder's,
Nibiru's, Chia's; not redistributable, so written here in miniature): a timeline in a code
block, a start stated only in the opening sentence, a date only in the file name, an
"Improvements" heading, "incident over" as the last row."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ingest.markdown import import_text

_FENCED = """# Mainnet outage post-mortem

### Root cause of the issue

A class hash mismatch between the node and the sequencer.

### Improvements

Improve our monitoring, especially around mainnet.

Reduce the time taken from fix to release.

### Timeline

All times given are in UTC.

```
2023-06-17 18:05 Block is created, nodes start failing
2023-06-17 19:10 Issue reported via Telegram DM
2023-06-18 11:30 incident over
```
"""

_LOG_EXCERPT = """# Outage

## Timeline

- 2023-06-17 18:05 nodes start failing
- 2023-06-17 19:10 issue reported

```
2023-06-17T18:05:00Z WARN sync terminated
Caused by: class hash mismatch
```
"""


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_code_block_of_stamped_lines_is_the_timeline() -> None:
    p = import_text(_FENCED, Path("pathfinder.md")).packet
    assert p is not None
    assert [(e.at, e.text) for e in p.timeline] == [
        (_utc("2023-06-17 18:05"), "Block is created, nodes start failing"),
        (_utc("2023-06-17 19:10"), "Issue reported via Telegram DM"),
        (_utc("2023-06-18 11:30"), "incident over"),
    ]
    assert p.incident.started_at == _utc("2023-06-17 18:05")
    assert p.incident.resolved_at == _utc("2023-06-18 11:30")  # "incident over"


def test_an_improvements_heading_holds_the_action_items() -> None:
    p = import_text(_FENCED, Path("pathfinder.md")).packet
    assert p is not None
    assert [f.statement for a in p.analyses for f in a.findings] == [
        "Improve our monitoring, especially around mainnet.",
        "Reduce the time taken from fix to release.",
    ]


def test_a_log_excerpt_in_a_timeline_section_stays_background() -> None:
    p = import_text(_LOG_EXCERPT, Path("log.md")).packet
    assert p is not None
    assert [e.text for e in p.timeline] == ["nodes start failing", "issue reported"]


def test_a_date_only_in_the_file_name_and_a_time_in_the_first_sentence(tmp_path: Path) -> None:
    text = (
        "# Postmortem\n\n## Summary\n\nOn Sept 30 @ 22:16:01 UTC time, the network halted at block 1131575.\n\n"
        "## Root Cause\n\nThe binary was missing a wasm extension.\n"
    )
    result = import_text(text, tmp_path / "2023-09-30-Chain-Halt.md")
    assert result.packet is not None, result.report.reason
    assert result.packet.incident.started_at == datetime(2023, 9, 30, 22, 16, 1, tzinfo=UTC)
    assert any("file name" in n for n in result.report.notes)
    undated = import_text(text, tmp_path / "chain-halt.md")  # no year anywhere: still a clear failure
    assert undated.packet is None and "no date anywhere" in (undated.report.reason or "")


def test_hours_h_minutes_in_the_opening_sentence_with_its_zone() -> None:
    text = (
        "# Mainnet outage\n\nOn Saturday, 17 June 2023, 18h05 CEST, nodes stopped syncing.\n\n"
        "## Root cause\n\nA hash mismatch.\n"
    )
    p = import_text(text, Path("outage.md")).packet
    assert p is not None
    assert p.incident.started_at == _utc("2023-06-17 16:05")  # CEST is UTC+2


_US_DATES = """# Blockchain mainnet stall

## Issue Summary

A bug in the timelord stalled the chain.

## Timeline (all times PST)

01-10-2024

\t7:32 PM - The chain stalled at height 4779033.

\t7:42 PM - New blocks being created again.

01-31-2024 - The fix was added to the code base.
"""


def test_dashed_numeric_dates_follow_the_order_the_document_shows() -> None:
    # 01-31-2024 can only be month first, so 01-10-2024 is January 10th; the rows are an
    # indented code block of stamped lines
    p = import_text(_US_DATES, Path("stall.md")).packet
    assert p is not None
    assert [e.at for e in p.timeline] == [
        _utc("2024-01-11 03:32"),  # 19:32 PST
        _utc("2024-01-11 03:42"),
        _utc("2024-01-31 08:00"),  # a date-only row: 00:00 PST
    ]


def test_an_ambiguous_dashed_date_without_evidence_is_read_day_first_and_said_so() -> None:
    text = _US_DATES.replace("01-31-2024", "02-11-2024")  # now nothing shows the order
    result = import_text(text, Path("stall.md"))
    assert result.packet is not None
    assert result.packet.timeline[0].at == _utc("2024-10-02 03:32")  # 1 October, 19:32 PST (taken at its word)
    assert any("'01-10-2024' read day first" in n for n in result.report.notes)


# Round 2 (h24). The Ministry of Justice log's "Key events" labels, in miniature (invented text).
_KEY_EVENTS = """### Incident on 2023-09-18 - Lack of disk space

- **Key events**
  - First detected: 2023-09-18 13:42
  - Incident declared: 2023-09-18 15:12
  - Repaired: 2023-09-18 17:54
  - Resolved 2023-09-20 19:18

- **Time to repair**: 4h 12m

- **Time to resolve**: 35h 36m

- **Impact**: Deployments might not be scheduled.

- **Context**:
  - 2023-09-18 13:42 Team noticed a disk alert
  - 2023-09-18 14:03 User reported image pull errors
  - 2023-09-18 17:54 Incident repaired
  - 2023-09-20 19:18 All nodes drained

- **Review actions**:
  - Update the runbook
"""


def test_key_event_labels_are_read_by_their_words() -> None:
    # "First detected", "Incident declared", "Repaired", and "Resolved" without a colon
    p = import_text(_KEY_EVENTS, Path("moj.md")).packet
    assert p is not None
    i = p.incident
    assert (i.started_at, i.detected_at, i.acknowledged_at, i.mitigated_at, i.resolved_at) == (
        _utc("2023-09-18 13:42"),  # "Time to repair" 4h 12m lands 13:42 on the 17:54 row
        _utc("2023-09-18 13:42"),
        _utc("2023-09-18 15:12"),
        _utc("2023-09-18 17:54"),
        _utc("2023-09-20 19:18"),
    )


def test_a_misspelled_label_and_one_naming_two_moments() -> None:
    text = _KEY_EVENTS.replace("First detected", "First deteceted").replace("Repaired:", "Repaired declared:")
    p = import_text(text, Path("moj.md")).packet
    assert p is not None
    assert p.incident.detected_at == _utc("2023-09-18 13:42")
    assert p.incident.mitigated_at == _utc("2023-09-18 17:54")


def test_durations_and_prose_after_a_label_are_no_instants() -> None:
    from ingest.markdown.anchor_labels import anchor_label, bare_label

    assert anchor_label("Time to resolve") is None
    assert anchor_label("Restarted") is None  # not "started"
    assert bare_label("Detected 3 out of 5 nodes failing") is None
    assert bare_label("Resolved 2023-09-20 19:18 after draining every node of the cluster") is None


def test_two_digit_years() -> None:
    text = "# Website outage 5-26-21\n\n## Timeline\n\n- 04:49 PM UTC branch renamed\n- 05:45 PM UTC site recovered\n"
    p = import_text(text, Path("outage.md")).packet
    assert p is not None
    assert p.incident.started_at == _utc("2021-05-26 16:49")
    slashed = "# Outage\n\n## Timeline\n\n- 14/03/24 10:15 disk full\n- 14/03/24 10:40 disk cleaned, service restored\n"
    q = import_text(slashed, Path("outage.md")).packet
    assert q is not None
    assert [e.at for e in q.timeline] == [_utc("2024-03-14 10:15"), _utc("2024-03-14 10:40")]


def test_mitigation_told_only_in_prose() -> None:
    text = (
        "# DNS outage\n\nOn Wednesday, 2023-01-25 at 09:15 UTC, we deployed changes. Around 9:30 UTC, "
        "the record started to propagate again and by 9:40 UTC traffic had returned to normal levels.\n\n"
        "## Root cause\n\nTerraform removed the record.\n"
    )
    result = import_text(text, Path("dns.md"))
    assert result.packet is not None
    assert result.packet.incident.started_at == _utc("2023-01-25 09:15")
    assert result.packet.incident.mitigated_at == _utc("2023-01-25 09:40")  # the time before "returned to normal"
    hedged = text.replace("traffic had returned to normal levels", "traffic appears to have recovered")
    p = import_text(hedged, Path("dns.md")).packet
    assert p is not None and p.incident.mitigated_at is None


def test_a_lead_in_sentence_under_an_action_heading_is_no_action() -> None:
    text = (
        "# Outage\n\nDate: 2024-01-02\n\n## Improvements\n\nThe following actions were agreed:\n\n"
        "Improve our monitoring.\n\nReduce the release time.\n"
    )
    p = import_text(text, Path("outage.md")).packet
    assert p is not None
    assert [f.statement for a in p.analyses for f in a.findings] == [
        "Improve our monitoring.",
        "Reduce the release time.",
    ]


# Cosmos Hub's incident template (no licence found: local only), in miniature: a "YYYY-Mon-D"
# date field, 24-hour times without a colon, day headings above timeline tables.
_HUB = """# Patch upgrade

- Date: 2025-Feb-07
- Summary: a patch broke consensus.

## Timeline
- Feb 7 1506 UTC: a patch release is agreed.
- 2309 UTC: validators are told to upgrade.
- Feb 8 0117 UTC: first validator reports an apphash
- Feb 9 1924 UTC: another validator reports an apphash
"""

_HUB_TABLES = """# Long block times

- Date: 2025-DEC-5

# Timeline

## Nov 26

| Time (UTC) | Event |
| ---------- | ----- |
| 22:11      | First spam block is committed |
| 22:13      | Hypha receives alert for validator downtime |

## Dec 4

| Time (UTC) | Event |
| ---------- | ----- |
| 19:12      | First spam block is committed |
"""


def test_four_digit_times_before_a_zone_and_a_year_is_not_one() -> None:
    p = import_text(_HUB, Path("0207_upgrade.md")).packet
    assert p is not None
    assert [e.at for e in p.timeline] == [
        _utc("2025-02-07 15:06"),
        _utc("2025-02-07 23:09"),
        _utc("2025-02-08 01:17"),
        _utc("2025-02-09 19:24"),  # "Feb 9 1924 UTC" is no date in 1924
    ]


def test_timeline_tables_take_the_day_heading_above_them() -> None:
    p = import_text(_HUB_TABLES, Path("1126_block_times.md")).packet
    assert p is not None
    assert [e.at for e in p.timeline] == [
        _utc("2025-11-26 22:11"),
        _utc("2025-11-26 22:13"),
        _utc("2025-12-04 19:12"),
    ]


def test_a_time_right_after_a_date_needs_no_colon() -> None:
    text = (
        "# Chain halt\n\n## Timeline (UTC)\n\n- 2024-04-01 0251: wrong block generated\n"
        "- 2024-04-01 0611: recovery completed\n\n## Causes\n\nThe sequencer skipped a deposit.\n"
    )
    p = import_text(text, Path("halt.md")).packet
    assert p is not None
    assert [e.at for e in p.timeline] == [_utc("2024-04-01 02:51"), _utc("2024-04-01 06:11")]
    assert p.incident.mitigated_at == _utc("2024-04-01 06:11")  # "recovery completed"
    counted = "# Load\n\n## Summary\n\nOn 2024-04-01 1900 users were affected.\n\n## Root cause\n\nA spike.\n"
    q = import_text(counted, Path("load.md")).packet
    assert q is not None and q.incident.started_at == _utc("2024-04-01 00:00")  # 1900 users: no time


def test_a_window_stated_in_the_summary() -> None:
    text = (
        "# Delays\n\n# Incident Summary\n\nOn April 26, 2023 between the hours of 1900 and 2100 UTC, the chain "
        "was degraded.\n\n# Causes\n\nA replica fell behind.\n"
    )
    p = import_text(text, Path("delays.md")).packet
    assert p is not None
    assert (p.incident.started_at, p.incident.mitigated_at) == (_utc("2023-04-26 19:00"), _utc("2023-04-26 21:00"))


# The Titan relay's post-mortem (no licence found: local only), in miniature.
_RELAY = """# Post-Mortem: High Missed Block Rate Incident on 28/11/2024

## Timeline

| **Time (UTC)** | **Event** |
|----------------|-----------|
| **05:52** | Terrence flagged an unusually high missed block rate. |
| **07:39** | Builder was shutdown. |

## Root Cause

![simulator load](load.png)

The simulator was under heavy load and became unresponsive.

## Looking Forward

1. **Simulator Load Handling**
   - Conducting stress tests.

2. **Bug bounty**
   - We will establish a bug bounty program.
"""


def test_looking_forward_holds_actions_flagged_detects_and_a_figure_is_no_cause() -> None:
    p = import_text(_RELAY, Path("post_mortem_28_nov.md")).packet
    assert p is not None
    assert p.incident.started_at == _utc("2024-11-28 05:52")
    assert p.incident.detected_at == _utc("2024-11-28 05:52")
    assert [f.statement for a in p.analyses for f in a.factors] == [
        "The simulator was under heavy load and became unresponsive."
    ]
    assert len([f for a in p.analyses for f in a.findings]) == 2


def test_a_date_only_first_row_gives_way_to_the_first_timed_row_of_its_day() -> None:
    text = (
        "# Airdrop\n\n## Timeline\nAll times listed in PST.\n\n- `May 31, 2022` team deploys the contract\n"
        "- `07:35` team funds the contract\n- `08:09` backend stops responding\n"
    )
    p = import_text(text, Path("drop.md")).packet
    assert p is not None
    assert p.timeline[0].at == _utc("2022-05-31 08:00")  # the row stays, at 00:00 PST
    assert p.incident.started_at == _utc("2022-05-31 15:35")


def test_the_start_is_no_later_than_the_labelled_first_detection() -> None:
    # the stated durations land on no row: the start would be the first row reading as impact
    # (14:03 "errors"), after the labelled detection
    text = _KEY_EVENTS.replace("4h 12m", "3h 21m").replace("Team noticed a disk alert", "Planned change applied")
    text = text.replace("image pull errors", "image pull errors, unable to start pods")
    p = import_text(text, Path("moj.md")).packet
    assert p is not None
    assert p.incident.started_at == _utc("2023-09-18 13:42")
    assert p.incident.detected_at == _utc("2023-09-18 13:42")


def test_a_year_month_word_day_date_field_dates_time_only_rows() -> None:
    text = (
        "# Upgrade\n\n- Date: 2025-Feb-07\n- Impact: validators halted\n\n## Timeline\n\n"
        "- 15:06 UTC: a release is agreed\n- 19:36 UTC: the release is out\n"
    )
    p = import_text(text, Path("upgrade.md")).packet
    assert p is not None
    assert [e.at for e in p.timeline] == [_utc("2025-02-07 15:06"), _utc("2025-02-07 19:36")]


def test_a_stated_time_to_repair_mitigates() -> None:
    text = (
        "# Outage\n\n## Stats\n\n- Time to repair: 30m\n- Time to resolve: 2h\n\n## Timeline\n\n"
        "- 2024-05-01 10:00 disk full, uploads failing\n- 2024-05-01 10:30 old files deleted\n"
        "- 2024-05-01 12:00 follow-up done\n"
    )
    p = import_text(text, Path("outage.md")).packet
    assert p is not None
    assert p.incident.mitigated_at == _utc("2024-05-01 10:30")  # repair, not the 2h resolution


def test_a_promised_list_outside_an_action_heading_holds_the_actions() -> None:
    text = (
        "# Delays\n\n## Summary\n\nOn 2023-04-26 at 19:00 UTC the replica fell behind.\n\n"
        "## Recovery and Lessons Learned\n\nThe issue resolved itself. We did not communicate. Going forward, "
        "we will do the following in an effort to avoid similar issues:\n\n- Add monitoring for replica lag.\n"
        "- Increase rate limits.\n\nBedrock fixes these issues. Specifically:\n\n- There will be no more polling.\n"
    )
    p = import_text(text, Path("delays.md")).packet
    assert p is not None
    assert [f.statement for a in p.analyses for f in a.findings] == [
        "Add monitoring for replica lag.",
        "Increase rate limits.",
    ]
    with_heading = text + "\n## Action items\n\n- Upgrade to Bedrock.\n"  # an action heading wins
    q = import_text(with_heading, Path("delays.md")).packet
    assert q is not None
    assert [f.statement for a in q.analyses for f in a.findings] == ["Upgrade to Bedrock."]


def test_a_report_of_success_is_no_detection() -> None:
    text = (
        "# Upgrade\n\n## Timeline\n\n- 2025-02-07 19:36 UTC: the release is out\n"
        "- 2025-02-07 19:47 UTC: Hypha reports fresh state swap test passes\n"
        "- 2025-02-08 01:17 UTC: First validator reports an apphash\n\n## Root cause\n\nHaste.\n"
    )
    p = import_text(text, Path("upgrade.md")).packet
    assert p is not None
    assert p.incident.detected_at == _utc("2025-02-08 01:17")


# Fourth round (cheqd, Cumulo, LeapDAO, ECAD Infra's Celestia report): miniatures of their shapes.


def test_offset_rows_count_from_the_last_clock_row_and_are_approximate() -> None:
    text = (
        "# Upgrade RCA\n\n## Timeline (UTC)\n\n| **Time (UTC)** | **Event** |\n| --- | --- |\n"
        "| May 28 2025, 11:30 AM UTC | Upgrade executed; network halts |\n"
        "| \\[+1 hrs] | Consensus failure confirmed |\n| \\[+6.5 hrs] | Consensus fails again |\n"
        "| \\[+7.5 hrs] | Network resumes block production |\n| T+22h | Testnet restored |\n"
        "| \\[+2 Business Days Later] | Fixes staged |\n\n## Root Cause\n\nUneven tree heights.\n"
    )
    result = import_text(text, Path("rca.md"))
    p = result.packet
    assert p is not None
    assert [e.at for e in p.timeline] == [
        _utc("2025-05-28 11:30"),
        _utc("2025-05-28 12:30"),
        _utc("2025-05-28 18:00"),
        _utc("2025-05-28 19:00"),
        _utc("2025-05-29 09:30"),
    ]
    assert p.timeline[2].text == "(approximate time [+6.5 hrs]) Consensus fails again"
    assert p.incident.mitigated_at == _utc("2025-05-28 19:00")  # "resumes block production"
    assert p.incident.resolved_at == _utc("2025-05-29 09:30")
    assert any("Business Days" in s for s in result.report.not_recognised)  # said, not placed


def test_a_labelled_impact_window_starts_and_mitigates() -> None:
    text = (
        "# Technical Incident Report\n\n**Incident Date:** 11 December 2025  \n"
        "**Impact Window:** **02:00–02:08 CET** (01:00–01:08 UTC)  \n**Severity:** Medium\n\n"
        "## Timeline (CET)\n\n### 01:58–02:00 CET\nOperating normally.\n\n### 02:05–02:08 CET\nGradual recovery.\n\n"
        "## Root Cause\n\nRegional routing degradation.\n\n## Preventive Enhancements\n\n- Track proposal latency\n"
        "- Deploy gossip health checks\n\n## Recommendations\n\n- Alert on round timeouts\n"
    )
    p = import_text(text, Path("story.md")).packet
    assert p is not None
    assert (p.incident.started_at, p.incident.mitigated_at) == (_utc("2025-12-11 01:00"), _utc("2025-12-11 01:08"))
    assert [f.statement for a in p.analyses for f in a.findings] == [
        "Track proposal latency",
        "Deploy gossip health checks",
        "Alert on round timeouts",
    ]


def test_a_day_range_dates_rows_a_repeated_zone_is_dropped_and_seconds_are_the_same_minute() -> None:
    text = (
        "# Validator Incident Report\n## August 18-19, 2025 - Two Issues\n\n"
        "## INCIDENT 2\n\n### Timeline\n\n- **23:15 UTC / 16:15 PDT**: Degradation begins\n"
        "- **00:33:20-00:33:24 UTC / 17:33:20-17:33:24 PDT**: Service restart\n"
        "- **02:43 UTC / 19:43 PDT**: Issue resolves naturally without intervention\n\n"
        "## INCIDENT 1\n\n### Timeline\n\n- **15:25 UTC / 08:25 PDT**: First slow rounds\n"
        "- **17:55:08 UTC / 10:55:08 PDT**: Service terminated\n- **17:55 UTC / 10:55 PDT**: New process started\n"
        "- **17:55+ UTC / 10:55+ PDT**: Durations reduced\n\n## Root Cause\n\nNetwork coordination.\n"
    )
    p = import_text(text, Path("celestia.md")).packet
    assert p is not None
    assert [(e.at, e.text) for e in p.timeline] == [
        (_utc("2025-08-18 23:15"), "Degradation begins"),
        (_utc("2025-08-19 00:33:20"), "Service restart"),
        (_utc("2025-08-19 02:43"), "Issue resolves naturally without intervention"),
        (_utc("2025-08-18 15:25"), "First slow rounds"),
        (_utc("2025-08-18 17:55:08"), "Service terminated"),
        (_utc("2025-08-18 17:55"), "New process started"),
        (_utc("2025-08-18 17:55"), "Durations reduced"),
    ]
    assert p.incident.started_at == _utc("2025-08-18 15:25")
    assert p.incident.mitigated_at == _utc("2025-08-19 02:43")


def test_a_log_excerpt_sets_no_start_the_sentence_after_the_opening_date_does() -> None:
    text = (
        "# v1.x Upgrade RCA\n\n## Summary of events\n\nOn Monday 30th January, the team initiated a major "
        "upgrade ([changelog](../2023/1.x.md)).\n\nFollowing the proposal, At roughly 09:30 GMT, the network "
        "halted. Validators reported errors:\n\n```log\nJan 30 13:01:32 host cosmovisor: INF Timed out\n```\n\n"
        "## Root cause\n\nA pruning bug in 2023.\n"
    )
    p = import_text(text, Path("v1.md")).packet
    assert p is not None
    assert p.incident.started_at == _utc("2023-01-30 09:30")


def test_a_title_s_earlier_date_dates_a_blog_post_s_incident() -> None:
    text = (
        "---\ntitle: 'Mainnet postmortem report for incident on 17th June 2019'\ndate: 2019-07-02 15:00:00\n---\n\n"
        "## What happened on 17th June 2019\n\nThe validator stopped producing blocks.\n\n"
        "## What we learned\n\n- Never run two validators with the same keys.\n"
    )
    p = import_text(text, Path("post.md")).packet
    assert p is not None
    assert p.incident.started_at == _utc("2019-06-17 00:00")
    late = text.replace("date: 2019-07-02", "date: 2019-12-02")  # more than 90 days later: another story
    q = import_text(late, Path("post.md")).packet
    assert q is not None
    assert q.incident.started_at == _utc("2019-12-02 00:00")


# Fifth round: the causes of the fourth round's documents, in miniature.


def _causes(text: str) -> list[str]:
    p = import_text(text, Path("rca.md")).packet
    assert p is not None
    return [f.statement for a in p.analyses for f in a.factors]


def test_numbered_headings_under_a_diagnosis_are_one_cause_each() -> None:
    text = (
        "# v1.x Upgrade RCA\n\n**Date**: 30th January 2023\n\n## Diagnosis\n\n"
        "By the end of the day, we identified three types of issues we encountered:\n\n"
        "### 1. An upstream pruning bug\n\nThe store height did not equal the historic height.\n\n"
        "### 2. Leftover legacy binaries\n\nSome validators still had v0.6 in /usr/bin.\n\n"
        "## Lessons learnt\n\n### 1. Test upgrades on a copy of mainnet\n\nWe should.\n"
    )
    assert _causes(text) == [
        "An upstream pruning bug: The store height did not equal the historic height.",
        "Leftover legacy binaries: Some validators still had v0.6 in /usr/bin.",
    ]


def test_a_heading_that_only_mentions_a_diagnosis_is_no_cause_section() -> None:
    text = (
        "# Outage\n\nDate: 2025-01-02\n\n## Summary\n\nThe hub failed, caused by an ingress update.\n\n"
        "## The diagnosis process was fairly quick!\n\n## What went wrong\n\nNo comments added\n"
    )
    assert _causes(text) == ["The hub failed, caused by an ingress update."]


def test_the_evidence_a_root_cause_section_lists_is_no_cause() -> None:
    text = (
        "# Incident Report\n\n**Incident Date:** 11 December 2025\n\n## 5. Root Cause\n\n"
        "**External Internet Routing Degradation — Regional (St. Louis, USA)**\n\n"
        "The incident was caused by a degradation in upstream routing.\n\n"
        "This conclusion is supported by the following observations:\n\n"
        "- Physical connectivity remained intact\n- No local faults were detected\n\n"
        "This class of event leaves no trace on the local server.\n"
    )
    assert _causes(text) == [
        "External Internet Routing Degradation — Regional (St. Louis, USA)",
        "The incident was caused by a degradation in upstream routing.",
    ]


def test_a_hypothesis_heading_names_the_cause_its_evidence_and_reasoning_are_not() -> None:
    text = (
        "# Validator Incident Report\n\nAugust 18, 2025\n\n### Our Analysis\n\n"
        "#### Root Cause Hypothesis: Distributed Validator Updates\n"
        "**Evidence Supporting This:**\n- **Timing**: Issue started with the v5.0.2 rollout\n"
        "- **Network Pattern**: 40+ missing validators\n\n"
        "**Why This Makes Sense:**\n- Validators updating at once would cause peer churn\n\n"
        "#### Resolution Mechanism: Fresh Peer Connections\n**Evidence Supporting This:**\n- Restarted\n"
    )
    causes = _causes(text)
    assert causes == ["Distributed Validator Updates"]
    assert "Evidence Supporting This" not in causes


def test_an_item_labelled_as_an_effect_under_a_root_cause_is_no_cause() -> None:
    text = (
        "# Upgrade RCA\n\nDate: May 28 2025\n\n## 3. Root Cause\n\n### 1. State inconsistency\n\n"
        "* **Impact:** Upgrade failed.\n* **Root Cause:** Legacy inconsistencies in the state tree.\n"
        "* **Outcome:** Validators halted until patched binaries were released.\n"
    )
    assert _causes(text) == ["Root Cause: Legacy inconsistencies in the state tree."]


def test_a_cause_told_only_in_the_narrative_is_read() -> None:
    text = (
        "---\ntitle: 'Mainnet postmortem for 17th June 2019'\ndate: 2019-07-02\n---\n\n"
        "## What happened on 17th June 2019\n\nWe got notified that validator-a stopped producing blocks.\n\n"
        "The problem was that the nodes still had connection issues, leading to a fork.\n\n"
        "## What we learned\n\n- Never run two validators with the same keys.\n"
    )
    assert _causes(text) == ["The problem was that the nodes still had connection issues, leading to a fork."]


def test_a_generic_first_heading_gives_way_to_the_descriptive_one_under_it() -> None:
    text = (
        "# 🛰️ Cumulo — Technical Incident Report\n## Network Degradation Event Affecting a Validator\n\n"
        "**Incident Date:** 11 December 2025\n\n## 1. Summary\n\nA stall.\n"
    )
    p = import_text(text, Path("story.md")).packet
    assert p is not None
    assert p.incident.title == "Network Degradation Event Affecting a Validator"
    named = text.replace("# 🛰️ Cumulo — Technical", "# Celestia Validator")  # a title that names its subject
    q = import_text(named, Path("story.md")).packet
    assert q is not None
    assert q.incident.title == "Celestia Validator Incident Report"


_WIRE_LIKE = """# 2023-01-04 - Outage of the website

## Timeline

*2023-01-04 05:13*: The website monitor triggered an alert.<br />
\\\\\\\\
*2023-01-04/06:34*: The provider blocked the attacking address.<br />
\\\\\\\\
*2023-01-04 07:20*: The provider told us the site is reliably available again.\\\\
"""


def test_a_slash_between_date_and_time_line_break_backslashes_and_available_again() -> None:
    # Wire's security responses (no licence found): "2023-01-04/11:34" stamps, rows separated by
    # "<br />" and a line of escaped backslashes, "is reliably available again" as the end.
    p = import_text(_WIRE_LIKE, Path("wire.md")).packet
    assert p is not None
    assert [e.at for e in p.timeline] == [_utc("2023-01-04 05:13"), _utc("2023-01-04 06:34"), _utc("2023-01-04 07:20")]
    assert not any(e.text.endswith("\\") for e in p.timeline)
    assert p.timeline[1].text.startswith("The provider blocked")
    assert p.incident.resolved_at == _utc("2023-01-04 07:20")
