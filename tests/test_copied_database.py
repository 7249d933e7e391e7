"""A database file copied or restored into place: its content is unknown to kb (its generation id names
another file), so readers keep no answers for it. The next writer to open it names the content, and
readers keep answers again; a writer never renames content that is already named."""

from __future__ import annotations

import shutil
from pathlib import Path

import kb
from kb.engines.ladybug_files import generation_path, read_generation

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _copy(db: Path, folder: Path) -> Path:
    folder.mkdir()
    for f in db.parent.iterdir():
        if f.name == db.name or f.name.startswith(db.name + "."):
            shutil.copy(f, folder / f.name)  # a new file: another inode, as a restore gives
    return folder / db.name


def test_a_writer_names_a_copied_databases_content_and_readers_keep_answers_again(tmp_path: Path) -> None:
    db = tmp_path / "a" / "g.lbug"
    db.parent.mkdir()
    with kb.connect(engine="ladybug", db=db) as writer:
        writer.ingest_paths([EXAMPLES])
    named = read_generation(db)
    assert named is not None
    copy = _copy(db, tmp_path / "b")
    with kb.connect(engine="ladybug", db=copy, read_only=True) as reader:
        assert reader.snapshot() is None  # unknown content: nothing kept is trusted, nothing is kept
    with kb.connect(engine="ladybug", db=copy):
        pass  # a writer that writes nothing (`kb init`)
    fresh = read_generation(copy)
    assert fresh is not None and fresh != named  # a new id: what was kept for the original is not reused
    with kb.connect(engine="ladybug", db=copy, read_only=True) as reader:
        assert reader.snapshot() == fresh
        kb.similar(reader, reader.query_rows("incidents")[-1]["incident"])
    assert copy.with_name(copy.name + ".similarity.npz").exists()  # a reader kept the index again
    # The original, named already, keeps its id through a writer that writes nothing.
    with kb.connect(engine="ladybug", db=db):
        pass
    assert read_generation(db) == named


def test_a_blank_id_left_by_a_crash_between_swap_and_id_is_named_by_the_next_writer(tmp_path: Path) -> None:
    db = tmp_path / "g.lbug"
    with kb.connect(engine="ladybug", db=db) as writer:
        writer.ingest_paths([EXAMPLES])
    generation_path(db).write_text("", encoding="ascii")  # what swap_in leaves if killed in between
    with kb.connect(engine="ladybug", db=db, read_only=True) as reader:
        assert reader.snapshot() is None
    with kb.connect(engine="ladybug", db=db):
        pass
    assert read_generation(db) is not None
