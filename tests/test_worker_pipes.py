"""Messages to and from worker processes (kb.workers) arrive whole, also when the worker is stopped
and continued again and again while it writes or reads (as a sampling profiler does): the lint pool
once waited until its deadline for the end of a message under `py-spy --subprocesses`."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

from kb import workers as pipes

ECHO = "import sys; from kb import workers as w; [w.send(sys.stdout.buffer, m) for m in w.messages(sys.stdin.buffer)]"


def test_big_messages_arrive_whole_while_the_worker_is_paused_again_and_again() -> None:
    worker = subprocess.Popen([sys.executable, "-c", ECHO], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert worker.stdin is not None and worker.stdout is not None
    done = threading.Event()

    def pause() -> None:
        while not done.is_set() and worker.poll() is None:
            worker.send_signal(signal.SIGSTOP)
            time.sleep(0.001)
            worker.send_signal(signal.SIGCONT)
            time.sleep(0.002)

    # (a worker that lost a message's end would leave this test waiting: it is killed, and the read fails)
    watchdog = threading.Timer(30, worker.kill)
    watchdog.start()
    threading.Thread(target=pause, daemon=True).start()
    try:
        for n in range(40):
            message = [n, bytes([n]) * 900_000, "x" * (n * 5_000)]
            pipes.send(worker.stdin, message)
            assert pipes.receive(worker.stdout) == message
    finally:
        done.set()
        watchdog.cancel()
        worker.send_signal(signal.SIGCONT)
        pipes.stop([worker])
