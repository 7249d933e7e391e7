"""Crash leftovers and refused packets: what the crash-safe write path promises besides surviving
a kill (tests/test_crash_kill.py).

- Ladybug: a stale write copy (and Ladybug's files for it) is dropped at open; Ladybug's own
  log beside the live file is replayed, never deleted; a damaged WAL is detected at open with a
  one-line recovery step, and following that step opens the database as of its last write;
  a second kb process cannot write the same file while one holds it.
- Both engines: a failed write surfaces the engine's own error (not a failed ROLLBACK) and
  leaves nothing; one packet the engine refuses does not sink its batch; a 10,000-event
  packet with a 5 MB summary in a batch of others is stored whole.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import ladybug
import pytest
from typer.testing import CliRunner

import kb
from kb.cli import app
from kb.demo import generate_corpus
from kb.engines import EngineError, EngineUnavailable
from kb.engines.ladybug_files import wal_path, write_copy_path
from kb.graph import writer
from kb.knowledge_base import KnowledgeBase
from kb.model import EventPacket
from kb.packets import write_packet

TOO_BIG = 9_223_372_036_854_775_808  # 2**63: one more than INT64 can hold


def _packets(n: int, seed: int = 21) -> list[EventPacket]:
    return generate_corpus(n_incidents=n, seed=seed).packets


def _count(kbase: KnowledgeBase, label: str) -> int:
    return int(kbase.cypher(f"MATCH (n:{label}) RETURN count(n) AS c")["c"].iloc[0])


# -- Ladybug files ---------------------------------------------------------------------------


def test_stale_write_copies_are_dropped_at_open(tmp_path: Path) -> None:
    db = tmp_path / "graph.lbug"
    first, second = _packets(3), _packets(4, seed=22)
    with kb.connect(engine="ladybug", db=db) as kbase:
        kbase.ingest_packets(first)
    copy = write_copy_path(db)
    legacy = db.with_name(db.name + ".shadow")  # what kb called its copy before it had a name of its own
    for stale in (copy, legacy):  # what a write killed before its swap leaves, with Ladybug's files for it
        shutil.copyfile(db, stale)
        for suffix in (".wal", ".wal.checkpoint", ".shadow", ".checkpoint.apply.lock"):
            stale.with_name(stale.name + suffix).write_bytes(b"half a log")
    with kb.connect(engine="ladybug", db=db) as kbase:
        assert kbase.incident_count() == 3
        left = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith((copy.name, legacy.name)))
        assert left == []
        kbase.ingest_packets(second)  # and writes work again
        assert kbase.incident_count() == len({p.key for p in first + second})


def test_ladybugs_own_log_beside_the_live_file_is_replayed_never_deleted(tmp_path: Path) -> None:
    """A program killed after writing the file in place leaves Ladybug's WAL (and, inside a
    checkpoint, its shadow file graph.lbug.shadow): those hold committed pages, not kb's copy."""
    db = tmp_path / "graph.lbug"
    with kb.connect(engine="ladybug", db=db) as kbase:
        kbase.ingest_packets(_packets(2))
    in_place = (
        "import ladybug, os, sys\n"
        "conn = ladybug.Connection(ladybug.Database(sys.argv[1], auto_checkpoint=False))\n"
        "conn.execute(\"CREATE (:Service {name: 'in-the-log'})\")\n"
        "os._exit(0)\n"  # no close, so no checkpoint: the write is only in the log
    )
    subprocess.run([sys.executable, "-c", in_place, str(db)], check=True)
    assert wal_path(db).stat().st_size > 0
    names = "MATCH (s:Service) WHERE s.name = 'in-the-log' RETURN s.name AS n"
    with kb.connect(engine="ladybug", db=db, read_only=True) as reader:
        assert reader.cypher(names)["n"].tolist() == ["in-the-log"]
    with kb.connect(engine="ladybug", db=db) as kbase:
        assert kbase.cypher(names)["n"].tolist() == ["in-the-log"]
        assert kbase.incident_count() == 2
    assert not wal_path(db).exists()  # replayed into the file by Ladybug, not thrown away
    with kb.connect(engine="ladybug", db=db, read_only=True) as reader:
        assert reader.cypher(names)["n"].tolist() == ["in-the-log"]


def _damage_wal(db: Path) -> None:
    """Leave a WAL beside the database whose checksums fail, as a crash of an in-place writer can."""
    raw = ladybug.Database(str(db), auto_checkpoint=False)
    conn = ladybug.Connection(raw)
    conn.execute("CREATE (:Service {name: 'written-in-place'})")
    log = wal_path(db).read_bytes()
    conn.close()
    raw.close()
    wal_path(db).write_bytes(log[:-20])  # a torn tail


def test_damaged_wal_is_detected_and_the_recovery_step_works(tmp_path: Path) -> None:
    db = tmp_path / "graph.lbug"
    with kb.connect(engine="ladybug", db=db) as kbase:
        kbase.ingest_packets(_packets(3))
    _damage_wal(db)
    with pytest.raises(EngineUnavailable) as err:
        kb.connect(engine="ladybug", db=db)
    message = str(err.value)
    assert "\n" not in message
    step = re.search(r"`mv '([^']+)' '([^']+)'`", message)
    assert step, message
    Path(step.group(1)).rename(step.group(2))  # the step, as the user would run it
    with kb.connect(engine="ladybug", db=db) as kbase:
        assert kbase.incident_count() == 3


def test_damaged_wal_in_the_cli_is_one_line_with_the_step(tmp_path: Path) -> None:
    db = tmp_path / "graph.lbug"
    with kb.connect(engine="ladybug", db=db) as kbase:
        kbase.ingest_packets(_packets(2))
    _damage_wal(db)
    result = CliRunner().invoke(app, ["stats", "--db", str(db)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "mv '" in lines[0], result.output


def test_a_second_writer_is_told_who_holds_the_database(tmp_path: Path) -> None:
    db = tmp_path / "graph.lbug"
    with (
        kb.connect(engine="ladybug", db=db),
        pytest.raises(EngineUnavailable, match=r"open for writing in another process \(PID \d+"),
    ):
        kb.connect(engine="ladybug", db=db)
    with kb.connect(engine="ladybug", db=db) as kbase:  # released on close
        assert kbase.incident_count() == 0


# -- both engines ----------------------------------------------------------------------------


def test_failed_write_surfaces_the_engines_error_and_leaves_nothing(any_kb: KnowledgeBase) -> None:
    with pytest.raises(EngineError) as err:
        any_kb.engine.write([("CREATE (:Service {name: 'half-written'})", {}), ("THIS IS NOT CYPHER", {})])
    message = str(err.value)
    assert "No active transaction" not in message and "query: ROLLBACK" not in message
    assert "THIS" in message  # the statement that failed, as the engine reported it
    assert _count(any_kb, "Service") == 0
    any_kb.engine.write([("CREATE (:Service {name: 'after'})", {})])  # the engine is still usable
    assert _count(any_kb, "Service") == 1


def test_one_refused_packet_does_not_sink_its_batch(any_kb: KnowledgeBase) -> None:
    packets = _packets(6)
    bad = packets[3]
    bad.incident.customers_affected = TOO_BIG  # passes the model as it stands; no engine stores it
    refused: list[tuple[writer.Writable, EngineError]] = []
    writer.write_packets(any_kb.engine, packets, on_refused=lambda p, e: refused.append((p, e)))
    assert [p.key for p, _ in refused] == [bad.key]
    error = str(refused[0][1])
    assert "No active transaction" not in error and "query: ROLLBACK" not in error
    stored = set(any_kb.cypher("MATCH (i:Incident) RETURN i.key AS k")["k"])
    assert stored == {p.key for p in packets} - {bad.key}
    with pytest.raises(writer.PacketsNotWritten, match=bad.key):  # without a callback: raised after the rest
        writer.write_packets(any_kb.engine, [bad])


def test_ingest_paths_reports_a_refused_packet_as_that_files_rejection(any_kb: KnowledgeBase, tmp_path: Path) -> None:
    packets = _packets(5)
    for p in packets:
        write_packet(p, tmp_path / f"{p.key}.yaml")
    bad = tmp_path / f"{packets[2].key}.yaml"
    text = re.sub(r"^  customers_affected: .*$\n?", "", bad.read_text(encoding="utf-8"), count=1, flags=re.M)
    bad.write_text(text.replace("incident:\n", f"incident:\n  customers_affected: {TOO_BIG}\n", 1), encoding="utf-8")
    report = any_kb.ingest_paths([tmp_path])
    assert [r.file for r in report.rejected] == [bad]  # by validation or by the engine, never a lost batch
    assert len(report.accepted) == 4 and packets[2].key not in report.incidents
    assert any_kb.incident_count() == 4


def test_a_refused_write_of_packed_chunks_is_written_again_file_by_file(any_kb: KnowledgeBase, tmp_path: Path) -> None:
    # Values Arrow holds (so the rows are packed, on Ladybug) that the engine refuses as a whole: an
    # event key one packet makes is taken by a node stored before. The packed transaction leaves
    # nothing; the files are read again and written the way that finds the one packet refused.
    packets = _packets(5)
    for p in packets:
        write_packet(p, tmp_path / f"{p.key}.yaml")
    taken = writer.collect_rows([packets[1]]).nodes["TimelineEvent"][0]["key"]
    any_kb.engine.write([("CREATE (:TimelineEvent {key: $k, incident_key: 'elsewhere'})", {"k": taken})])
    written: list[int] = []
    report = any_kb.ingest_paths([tmp_path], on_batch=written.append)
    assert [r.file for r in report.rejected] == [tmp_path / f"{packets[1].key}.yaml"]
    assert "(whole packet)" in str(report.rejected[0]) and sum(written) == 5
    stored = set(any_kb.cypher("MATCH (i:Incident) RETURN i.key AS k")["k"])
    assert stored == set(report.incidents) == {p.key for p in packets} - {packets[1].key}
    assert _count(any_kb, "TimelineEvent") == 1 + sum(len(p.timeline) for p in packets if p.key in stored)


def test_huge_packet_in_a_batch_is_stored_whole(any_kb: KnowledgeBase) -> None:
    packets = _packets(8, seed=23)
    big = packets[0]
    event = big.timeline[0]
    big.timeline = [
        event.model_copy(update={"id": f"e{i}", "text": f"event {i} of a long incident"}) for i in range(10_000)
    ]
    big.incident.summary = "s" * 5_000_000
    any_kb.ingest_packets(packets)
    assert any_kb.incident_count() == 8
    events = any_kb.cypher(
        "MATCH (i:Incident {key: $k})-[:HAS_EVENT]->(e:TimelineEvent) RETURN count(e) AS c", k=big.key
    )["c"].iloc[0]
    assert events == 10_000
    length = any_kb.cypher("MATCH (i:Incident {key: $k}) RETURN size(i.summary) AS n", k=big.key)["n"].iloc[0]
    assert length == 5_000_000
    # Nulls stay null on the bulk path (pandas' NaN in text columns was stored wrongly before).
    sources = any_kb.cypher("MATCH (e:TimelineEvent) WHERE e.source IS NOT NULL RETURN count(e) AS c")["c"].iloc[0]
    assert sources == sum(1 for p in packets for e in p.timeline if e.source is not None)
