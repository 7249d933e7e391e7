"""`kb check --all` validates and lints the packets in worker processes at scale (kb.lint.workers):
the same results, to the kept digests, as linting in one process; no worker for a small graph; a
worker that dies costs time, not results."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from kb import workers as pipes
from kb.knowledge_base import KnowledgeBase
from kb.lint import LintConfig
from kb.lint import runner as lint_runner
from kb.lint import workers as lint_workers
from kb.lint.kept import IncidentLint
from kb.quickstart import load_demo
from tests.conftest import engines_fixture
from tests.test_real_lint_repeats import provisioning_reports

NOW = datetime(2026, 11, 30, tzinfo=UTC)


def _load(kbase: KnowledgeBase) -> None:
    """A demo, and imported reports whose lint reads their related earlier ones and tells a follow-up apart."""
    load_demo(kbase, incidents=30, seed=7)
    kbase.ingest_packets(provisioning_reports())


demo = engines_fixture(_load)


def _every(kbase: KnowledgeBase) -> list[IncidentLint]:
    """Every incident's lint computed (nothing kept before), with the digests kb.lint.kept keeps."""
    config = LintConfig()
    return lint_runner.lint_every(kbase, config, lint_runner._plan(config), NOW, None)[0]


def _workers_answers(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Workers for any graph, a few packets a task; the list fills with whether they answered."""
    answered: list[bool] = []
    lint = lint_workers.LintWorkers.lint

    def recording(self: lint_workers.LintWorkers, *args: Any) -> Any:
        got = lint(self, *args)
        answered.append(got is not None)
        return got

    monkeypatch.setattr(lint_workers, "PARALLEL_MIN_PACKETS", 1)
    monkeypatch.setattr(lint_workers, "PACKETS_PER_TASK", 7)
    monkeypatch.setattr(lint_workers.LintWorkers, "lint", recording)
    return answered


def test_workers_lint_as_one_process_does(demo: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    in_process = _every(demo)
    related = [f for e in in_process for f in e.findings if f.rule == "no-related-check" and "not cited" in f.evidence]
    assert related  # (the related earlier incidents, less the follow-ups, are read)
    answered = _workers_answers(monkeypatch)
    assert _every(demo) == in_process
    assert answered == [True]


def test_a_small_graph_starts_no_worker(demo: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("a worker was started")

    monkeypatch.setattr(pipes, "start", refuse)
    assert len(_every(demo)) == 33


def test_a_dead_worker_costs_time_not_results(demo: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    in_process = _every(demo)
    answered = _workers_answers(monkeypatch)
    post = lint_workers.LintWorkers._post

    def killing_one(self: lint_workers.LintWorkers, *args: Any) -> None:
        victim: subprocess.Popen[bytes] = self.workers[-1]
        if victim.poll() is None:
            victim.kill()
            victim.wait()
        post(self, *args)

    monkeypatch.setattr(lint_workers.LintWorkers, "_post", killing_one)
    assert _every(demo) == in_process
    assert answered == [False]  # (the workers did not answer: this process linted)


def test_a_worker_that_stops_answering_is_killed_at_the_deadline(
    demo: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_process = _every(demo)
    answered = _workers_answers(monkeypatch)
    post = lint_workers.LintWorkers._post
    stopped: list[subprocess.Popen[bytes]] = []

    def stopping_one(self: lint_workers.LintWorkers, *args: Any) -> None:
        if not stopped:
            self.workers[-1].send_signal(signal.SIGSTOP)  # (alive, reading and answering nothing)
            stopped.append(self.workers[-1])
        post(self, *args)

    monkeypatch.setattr(lint_workers.LintWorkers, "_post", stopping_one)
    monkeypatch.setattr(lint_workers, "DEADLINE_SECONDS", 2.0)
    monkeypatch.setattr(lint_workers, "DEADLINE_SECONDS_PER_PACKET", 0.0)
    started = time.monotonic()
    assert _every(demo) == in_process
    assert answered == [False]  # (killed at the deadline: this process linted)
    assert time.monotonic() - started < 30
    assert [w.returncode for w in stopped] == [-signal.SIGKILL]


def test_no_worker_started_lints_here(demo: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    in_process = _every(demo)
    answered = _workers_answers(monkeypatch)
    monkeypatch.setattr(pipes, "start", lambda *_: None)
    assert _every(demo) == in_process
    assert answered == [False]


def test_workers_paused_again_and_again_answer_in_time(demo: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers stopped and continued every few milliseconds, as a sampling profiler does (the pool once
    hung under `py-spy --subprocesses`): they answer, with the same results, well before the deadline."""
    in_process = _every(demo)
    answered = _workers_answers(monkeypatch)
    start, stop = lint_workers.LintWorkers.__init__, lint_workers.LintWorkers.stop
    pausing: list[threading.Event] = []

    def sampled(self: lint_workers.LintWorkers, setup: lint_workers.Setup) -> None:
        start(self, setup)
        done = threading.Event()
        pausing.append(done)

        def pause_all() -> None:
            while not done.is_set():
                for worker in self.workers:
                    if worker.poll() is None:
                        worker.send_signal(signal.SIGSTOP)
                        time.sleep(0.002)
                        worker.send_signal(signal.SIGCONT)
                time.sleep(0.003)

        threading.Thread(target=pause_all, daemon=True).start()

    def stopped(self: lint_workers.LintWorkers) -> None:
        pausing[-1].set()
        stop(self)

    monkeypatch.setattr(lint_workers.LintWorkers, "__init__", sampled)
    monkeypatch.setattr(lint_workers.LintWorkers, "stop", stopped)
    monkeypatch.setattr(lint_workers, "DEADLINE_SECONDS", 20.0)
    monkeypatch.setattr(lint_workers, "DEADLINE_SECONDS_PER_PACKET", 0.0)
    for _ in range(3):
        started = time.monotonic()
        assert _every(demo) == in_process
        assert time.monotonic() - started < 20
    assert answered == [True, True, True]
