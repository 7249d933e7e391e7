"""kb.graph.counts_file: the counts a writer leaves for `kb stats` are used only for the content they
were counted on, a reader never writes them, and `kb stats` with them opens no engine."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from kb.graph import counts_file
from kb.knowledge_base import connect, saved_counts

from .conftest import EXAMPLES

ROOT = Path(__file__).resolve().parents[1]


def _file(db: Path) -> Path:
    return db.with_name(f"{db.name}.{counts_file.NAME}")


def _kb_stats(db: Path) -> tuple[list[dict[str, object]], set[str]]:
    """`kb stats --format json` as a user runs it, and the top-level modules it loaded."""
    code = (
        "import runpy, sys\n"
        "sys.argv = ['kb', 'stats', '--db', sys.argv[1], '--format', 'json']\n"
        "try:\n"
        "    runpy.run_module('kb', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('MODULES ' + ' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("NEO4J_URI", None)
    env.pop("KB_ENGINE", None)
    out = subprocess.run([sys.executable, "-c", code, str(db)], env=env, capture_output=True, text=True, check=True)
    text, _, modules = out.stdout.rpartition("MODULES ")
    return json.loads(text), set(modules.split())


def test_a_writer_leaves_the_counts_and_stats_reads_them_without_an_engine(tmp_path: Path) -> None:
    db = tmp_path / "g.lbug"
    with connect(db=db) as kbase:
        kbase.ingest_paths([EXAMPLES])
        counted = kbase._counted()
    assert _file(db).is_file()
    with connect(db=db, read_only=True) as reader:
        assert reader.counts() == counted
    rows, loaded = _kb_stats(db)
    assert [(r["kind"], r["name"], r["count"]) for r in rows] == counted
    assert ("node", "Incident", 1) in counted
    assert "ladybug" not in loaded and "pandas" not in loaded


def test_counts_of_another_content_are_never_shown(tmp_path: Path) -> None:
    db = tmp_path / "g.lbug"
    with connect(db=db) as kbase:
        kbase.ingest_paths([EXAMPLES])
    # The file says 999 incidents for this very content: stats shows it (so the file is what is read) ...
    data = json.loads(_file(db).read_text())
    data["counts"][0][2] = 999
    _file(db).write_text(json.dumps(data))
    assert _kb_stats(db)[0][0]["count"] == 999
    # ... until a write changes the content: that writer's close counts again.
    with connect(db=db) as kbase:
        kbase.write([("MATCH (i:Incident) DETACH DELETE i", {})])
    rows, _ = _kb_stats(db)
    assert rows[0] == {"kind": "node", "name": "Incident", "count": 0}
    # A stale file (another snapshot) or a copy of the database (another file) is not used.
    data = json.loads(_file(db).read_text())
    data["counts"][0][2] = 999
    _file(db).write_text(json.dumps({**data, "snapshot": "elsewhere"}))
    assert saved_counts(db=db) is None
    assert _kb_stats(db)[0][0]["count"] == 0
    _file(db).write_text(json.dumps(data))
    copy = tmp_path / "copy.lbug"
    shutil.copyfile(db, copy)
    shutil.copyfile(db.with_name(db.name + ".generation"), copy.with_name(copy.name + ".generation"))
    shutil.copyfile(_file(db), _file(copy))
    assert saved_counts(db=copy) is None
    assert _kb_stats(copy)[0][0]["count"] == 0


def test_a_reader_never_writes_the_counts(tmp_path: Path) -> None:
    db = tmp_path / "g.lbug"
    with connect(db=db) as kbase:
        kbase.ingest_paths([EXAMPLES])
    _file(db).unlink()
    with connect(db=db, read_only=True) as reader:
        assert ("node", "Incident", 1) in reader.counts()
    rows, loaded = _kb_stats(db)
    assert ("node", "Incident", 1) in [(r["kind"], r["name"], r["count"]) for r in rows]
    assert not _file(db).exists()
    assert "ladybug" in loaded  # it had to open the database and count


def test_a_damaged_or_foreign_file_is_counted_again(tmp_path: Path) -> None:
    db = tmp_path / "g.lbug"
    with connect(db=db) as kbase:
        kbase.ingest_paths([EXAMPLES])
    good = _file(db).read_text()
    for text in ("{", "[]", json.dumps({**json.loads(good), "format": "kb-counts-0"}), ""):
        _file(db).write_text(text)
        assert saved_counts(db=db) is None
        assert ("node", "Incident", 1) in [(r["kind"], r["name"], r["count"]) for r in _kb_stats(db)[0]]
    # Rows of another schema (a label this version does not have) are not this version's counts.
    data = json.loads(good)
    data["counts"][0][1] = "Incidents"
    _file(db).write_text(json.dumps(data))
    assert saved_counts(db=db) is None
