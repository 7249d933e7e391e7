"""The CLI's one error boundary, credential redaction and escaping of outside text.

Engine, driver, network, file and parse errors end as one line on stderr with exit status 2,
never a traceback; credentials in NEO4J_URI / JIRA_BASE_URL never reach the terminal;
stored text such as "GET [/api/checkout] returned 502" or "[red]x[/red]" is printed as
text, not read as Rich markup.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kb
from kb.demo import generate_corpus
from kb.integrations.jira import JiraError, JiraSettings
from kb.knowledge_base import KnowledgeBase
from kb.redaction import redact
from tests.conftest import ROOT

runner = CliRunner()
BRACKETS = "GET [/api/checkout] returned 502 [red]x[/red] [bold]"


def _one_error_line(output: str) -> str:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert "Traceback" not in output
    assert lines[0].startswith("error:"), output
    return lines[0]


@pytest.fixture
def bracket_db(tmp_path: Path) -> Path:
    db = tmp_path / "graph.lbug"
    packets = generate_corpus(n_incidents=3, seed=31).packets
    packets[0].incident.title = BRACKETS
    with kb.connect(engine="ladybug", db=db) as kbase:
        kbase.ingest_packets(packets)
    return db


def test_stored_brackets_are_printed_as_text_by_search_and_query(bracket_db: Path) -> None:
    from kb.cli import app

    key = generate_corpus(n_incidents=3, seed=31).packets[0].key
    for args in (["search", "checkout"], ["query", "packet_incidents", "-p", f'keys=["{key}"]']):
        result = runner.invoke(app, [*args, "--db", str(bracket_db)], env={"COLUMNS": "400"})
        assert result.exit_code == 0, result.output
        assert "[/api/checkout]" in result.output and "[red]x[/red]" in result.output, result.output


def test_bad_query_parameter_is_one_line(bracket_db: Path) -> None:
    from kb.cli import app

    result = runner.invoke(app, ["query", "packet_incidents", "-p", "keys=5", "--db", str(bracket_db)])
    assert result.exit_code == 2
    _one_error_line(result.output)


def test_a_path_that_cannot_be_a_database_is_one_line(tmp_path: Path) -> None:
    from kb.cli import app

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = runner.invoke(app, ["stats", "--db", str(blocker / "graph.lbug")])
    assert result.exit_code == 2
    assert str(blocker) in _one_error_line(result.output)


def test_unreachable_neo4j_is_one_line_without_the_password() -> None:
    """Through the real entry point (python -m kb), as a user runs it."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "NEO4J_URI": "bolt://neo4j:s3cret-pw@127.0.0.1:9",
        "NEO4J_PASSWORD": "other",
    }
    result = subprocess.run(
        [sys.executable, "-m", "kb", "stats", "--engine", "neo4j"], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 2
    line = _one_error_line(result.stderr)
    assert "s3cret-pw" not in result.stderr + result.stdout
    assert "127.0.0.1:9" in line and "NEO4J_URI" in line


def test_redact_hides_userinfo_and_secret_parameters() -> None:
    text = redact("bolt://neo4j:Pw1@db:7687 and https://me:T0k@jira.example/x?token=Abc9&a=1 but a@b stays")
    assert "Pw1" not in text and "T0k" not in text and "Abc9" not in text
    assert "bolt://***@db:7687" in text and "a@b stays" in text and "&a=1" in text


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "http://127.9.9.9",
        "http://localhost:1",
        "http://[::1]:8080",
        "https://site.atlassian.net",
    ],
)
def test_jira_accepts_https_and_loopback_http(url: str) -> None:
    JiraSettings(base_url=url, email="e", api_token="t", project="P")


@pytest.mark.parametrize(
    "url", ["http://jira.example.com", "http://10.0.0.1", "ftp://jira.example.com", "jira.example.com"]
)
def test_jira_refuses_plain_http_off_loopback(url: str) -> None:
    with pytest.raises(JiraError, match="https"):
        JiraSettings(base_url=url, email="e", api_token="t", project="P")


def test_jira_credentials_in_the_base_url_are_never_printed(bracket_db: Path) -> None:
    from kb.cli import app

    key = generate_corpus(n_incidents=3, seed=31).packets[0].key
    env = {
        "JIRA_BASE_URL": "http://me:hunter2@jira.example.com",
        "JIRA_EMAIL": "e@x",
        "JIRA_API_TOKEN": "t",
        "JIRA_PROJECT": "P",
    }
    result = runner.invoke(app, ["gate", key, "--push", "--db", str(bracket_db)], env=env)
    assert result.exit_code == 2
    assert "hunter2" not in result.output and "https" in result.output


@pytest.mark.neo4j
def test_concurrent_ingests_into_neo4j_both_succeed(neo4j_kb: KnowledgeBase, neo4j_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Two `kb ingest` of the same packets at once: the second writer retries as a replacement
    instead of dying with "already exists"."""
    from kb.demo import write_corpus
    from tests.graph_dump import graph_dump

    write_corpus(generate_corpus(n_incidents=20, seed=32), tmp_path)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "NEO4J_URI": neo4j_settings.uri,
        "NEO4J_USERNAME": neo4j_settings.user,
        "NEO4J_PASSWORD": neo4j_settings.password,
        "NEO4J_DATABASE": neo4j_settings.database,
    }
    cmd = [sys.executable, "-m", "kb", "ingest", str(tmp_path / "packets"), "--engine", "neo4j"]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    concurrent = graph_dump(neo4j_kb)
    neo4j_kb.engine.reset()
    neo4j_kb.ingest_paths([tmp_path / "packets"])
    sequential = graph_dump(neo4j_kb)
    # RELATED_TO depends on which incidents a check saw first (a known issue of its own); the rest must match.
    assert {k: v for k, v in concurrent.items() if "RELATED_TO" not in k} == {
        k: v for k, v in sequential.items() if "RELATED_TO" not in k
    }


def test_a_reader_that_leaves_early_gets_no_error_line() -> None:
    """`kb query | head -1`: the pipe closes under the command; it stops quietly (click's exit 1)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kb", "query"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the command writes a byte: its first write meets a closed pipe
    err = proc.stderr.read()
    assert proc.wait() == 1
    assert "error" not in err and "Traceback" not in err, err
