"""The keyword rules that give a Slack message its timeline kind (ingest.slack), in one place to read and tune.

First match wins, in the order of KIND_RULES: a message that reports a fix tends to mention the
symptom too, so repair is tried before detection. A question is never a repair or a decision
("should we roll back?"). The vocabulary was checked on realistic chat (tests/test_import_slack.py)
and on the timeline lines of the real post-mortems in /work/shared/data (README, kb import slack).
"""

from __future__ import annotations

import re

from kb.model import EventKind

# Subtypes that are housekeeping, never incident facts.
SKIPPED_SUBTYPES = frozenset(
    {
        "channel_join",
        "channel_leave",
        "channel_topic",
        "channel_purpose",
        "channel_name",
        "channel_archive",
        "channel_unarchive",
        "group_join",
        "group_leave",
        "pinned_item",
        "unpinned_item",
        "reminder_add",
        "tombstone",
        "message_deleted",
        "joiner_notification",
        "bot_add",
        "bot_remove",
    }
)

_W = r"(?<![\w-])"  # a word start that is not inside another word
KIND_RULES: tuple[tuple[EventKind, re.Pattern[str]], ...] = (
    # First match wins: a message that reports a fix also tends to mention the symptom.
    (
        EventKind.DECISION,
        re.compile(
            _W + r"(we(?:'ve| have)? decided|decided to|decision is|we(?:'ll| will) go with|let'?s go with"
            r"|agreed to|going with option|call(?:ing)? it:)",
            re.I,
        ),
    ),
    (
        EventKind.REPAIR,
        re.compile(
            _W + r"(rolled back|rolling back|roll ?back (?:is )?(?:complete|done|finished|deployed)"
            r"|reverted|reverting|revert (?:is )?(?:deployed|merged|done)|hot ?fix"
            r"|deployed (?:the |a )?fix|fix (?:is )?(?:deployed|out|live|rolled out)|restarted|restarting"
            r"|failed over|failing over|failover (?:done|complete)|scaled (?:up|out)|scaling (?:up|out)"
            r"|mitigated|mitigation (?:is )?(?:in place|applied|deployed)|recovered|recovering|back to normal|dropping"
            r"|resolved|drained|flushed|disabled the (?:flag|feature)|feature flag (?:off|disabled)|purged"
            r"|fixed|fixes it|solved|restored|re-?deployed|re-?deploying|downgraded|rolled over|cleared|killed"
            r"|re-?queued|(?:changes? )?applied|scaled down|scaling down"
            r"|(?:verified|systems?) (?:all systems )?operational"
            r"|is (?:back )?online|back up\b|manually deleted|deleted the (?:pod|pods|node|nodes))",
            re.I,
        ),
    ),
    (
        EventKind.COMMUNICATION,
        re.compile(
            _W + r"(status ?page|posted (?:an |the )?update|update (?:posted|sent)|^update:|comms|notif(?:y|ied)"
            r"|inform(?:ed)?\b|announce|<!channel>|<!here>|@channel|@here|support (?:team|ticket)|customer email"
            r"|incident commander|\bIC\b|taking (?:over )?(?:as )?IC|handing over|handover|escalat"
            r"|hand(?:ed)?[- ]over|asking (?:the )?teams?|asked (?:the )?teams?|brought to (?:the )?attention"
            r"|shares? (?:this |an |the )?update|reached out|let (?:the )?(?:customers?|users|community) know)",
            re.I,
        ),
    ),
    (
        EventKind.DIAGNOSIS,
        re.compile(
            _W + r"(root cause|caused by|culprit|looks like (?:it'?s|the|a)|suspect|found the|the cause"
            r"|logs show|narrowed (?:it )?down|correlates? with|due to|investigating|traced (?:it )?to"
            r"|identified|the issue (?:is|was) )",
            re.I,
        ),
    ),
    (
        EventKind.DETECTION,
        re.compile(
            _W + r"(alert(?:s|ed|ing)?\b|firing|\[firing|paged|triggered|pagerduty|we(?:'re| are) seeing"
            r"|customers? (?:are )?report|error rates?|spike|elevated|is down|are down|outage|alarm"
            r"|5\d\d(?:s|errors)?\b|404s?\b|timeouts?\b|latency|degraded|errors?\b|reports? (?:that|of|the issue)"
            r"|reported|first reports?|incoming report|warning from|automated warning|observes?\b|observed"
            r"|no space left|crash ?loop|oomkilled|unreachable"
            r"|(?:can ?not|can't|cannot|unable to) (?:access|log ?in|reach)"
            r"|ticket\b.{0,80}\bopened|opened a ticket)",
            re.I,
        ),
    ),
)
"""Keyword rules, in order; a question ("should we roll back?") is not a repair or a decision."""

_QUESTION_SKIPS = frozenset({EventKind.DECISION, EventKind.REPAIR})


def classify(text: str) -> EventKind | None:
    """The kind a message's words give it (KIND_RULES, first match), or None for chatter."""
    question = text.rstrip().endswith("?")
    for kind, pattern in KIND_RULES:
        if question and kind in _QUESTION_SKIPS:
            continue
        if pattern.search(text):
            return kind
    return None
