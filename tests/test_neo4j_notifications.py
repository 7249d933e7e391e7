"""The server's notifications never reach a user's terminal.

The driver logs each notification the server sends (a property or relationship type that no
stored data has yet, say) at WARNING, and Python prints an unconfigured WARNING to stderr:
`kb metrics` on a graph without any due date printed several screenfuls of them. kb asks the
server to send none."""

from __future__ import annotations

import logging

import pytest

from kb.knowledge_base import KnowledgeBase

pytestmark = pytest.mark.neo4j


def test_a_query_naming_what_no_data_has_logs_no_notification(
    neo4j_kb: KnowledgeBase, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="neo4j")
    columns, rows = neo4j_kb.engine.read_rows(
        "MATCH (i:Incident) OPTIONAL MATCH (i)-[:NO_SUCH_TYPE]->(x) RETURN i.no_such_key AS k, x"
    )
    assert (columns, rows) == (["k", "x"], [])
    notifications = [r for r in caplog.records if r.name.startswith("neo4j.notifications")]
    assert notifications == [], [r.getMessage()[:200] for r in notifications]
