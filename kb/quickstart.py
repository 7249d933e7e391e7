"""A knowledge base that is never empty: for notebooks, `kb report`, `kb demo` and first-time users.

`open_kb()` opens the configured knowledge base (Neo4j when NEO4J_URI is set, else the
embedded database at KB_DB or the default path) and, when it holds no incident,
loads the deterministic demo corpus into it: packets, then the roadmap (including the
items no finding motivates, which only a roadmap import brings in).

`load_demo(..., out=DIR)` also writes the corpus to DIR, and never deletes or overwrites a
file it did not write itself: DIR/.kb-demo.json lists what an earlier run wrote (with a hash
of each file), so a re-run replaces and tidies only those files while the user leaves them unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kb.analysis.hooks import DEFAULT_HOOKS
from kb.knowledge_base import KnowledgeBase, connect

if TYPE_CHECKING:
    from kb.demo import DemoCorpus

DEMO_INCIDENTS = 320
DEMO_SEED = 7
MANIFEST = ".kb-demo.json"

Progress = Callable[[str], object]


class DemoError(Exception):
    """The demo would lose something it did not make (a user's file or data); the message says what."""


@dataclass
class DemoFiles:
    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    """Files an earlier demo run wrote that this corpus no longer has (e.g. a larger --incidents)."""
    kept: list[Path] = field(default_factory=list)
    """Such files that the user has changed since: left alone."""


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _manifest(out: Path) -> dict[str, str]:
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data.get("files", {}).items()}
    except (OSError, ValueError, AttributeError):
        return {}


def write_demo_files(corpus: DemoCorpus, out: Path, force: bool = False) -> DemoFiles:
    """Write the corpus to `out` (packets/, roadmap.yaml, truth.json, whatever the generator writes).

    A file that exists and that no earlier demo run wrote unchanged is the user's: DemoError names
    it (nothing is written), unless `force`. Files of an earlier run that this corpus lacks are removed
    when unchanged, kept otherwise."""
    from kb.demo import write_corpus  # lazy: the generator is only needed here

    out = Path(out)
    previous = _manifest(out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".kb-demo-", dir=out) as tmp:
        write_corpus(corpus, Path(tmp))
        fresh = sorted(p.relative_to(tmp).as_posix() for p in Path(tmp).rglob("*") if p.is_file())

        def ours(rel: str) -> bool:
            return rel in previous and _digest(out / rel) == previous[rel]

        foreign = [rel for rel in fresh if (out / rel).exists() and not ours(rel)]
        if foreign and not force:
            more = f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
            raise DemoError(
                f"{out} already holds {', '.join(foreign[:3])}{more}, not written by an earlier "
                "`kb demo` (or changed since): choose another --out, or add --force to overwrite"
            )
        result = DemoFiles()
        for rel in fresh:
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(Path(tmp) / rel, out / rel)
            result.written.append(out / rel)
    for rel in sorted(set(previous) - set(fresh)):
        path = out / rel
        if not path.exists():
            continue
        if _digest(path) == previous[rel]:
            path.unlink()
            result.removed.append(path)
        else:
            result.kept.append(path)
    hashes = {rel: _digest(out / rel) for rel in fresh}
    hashes.update({p.relative_to(out).as_posix(): previous[p.relative_to(out).as_posix()] for p in result.kept})
    (out / MANIFEST).write_text(
        json.dumps({"written_by": "kb demo", "files": hashes}, indent=1) + "\n", encoding="utf-8"
    )
    return result


def generate_demo(incidents: int = DEMO_INCIDENTS, seed: int = DEMO_SEED) -> DemoCorpus:
    from kb.demo import generate_corpus  # lazy: only a fresh database needs the generator

    return generate_corpus(n_incidents=incidents, seed=seed)


def load_demo(
    kbase: KnowledgeBase,
    incidents: int = DEMO_INCIDENTS,
    seed: int = DEMO_SEED,
    out: Path | None = None,
    *,
    force: bool = False,
    corpus: DemoCorpus | None = None,
    progress: Progress | None = None,
) -> DemoCorpus:
    """Generate the demo corpus (unless given) and load it (packets and the whole roadmap).

    With `out`, the corpus is also written there, first, by `write_demo_files` (so a conflict
    with the user's files stops the run before the database changes)."""
    from kb.analysis.hooks import refresh_answers
    from kb.analysis.similarity_store import refresh as refresh_similarity
    from kb.demo.output import write_roadmap
    from kb.roadmap import import_roadmap

    say = progress or (lambda _: None)
    if corpus is None:
        say(f"generating {incidents} incidents (seed {seed})")
        corpus = generate_demo(incidents, seed)
    if out is not None:
        say(f"writing packet files to {Path(out) / 'packets'}")
        write_demo_files(corpus, Path(out), force=force)
    say(f"loading {len(corpus.packets)} packets into {kbase.description}")
    kbase.ingest_packets(corpus.packets)
    say("importing the roadmap")
    if out is not None:
        import_roadmap(kbase, Path(out) / "roadmap.yaml")
    else:
        # The roadmap reaches the graph through its importer, which reads a file; nothing else is written.
        with tempfile.TemporaryDirectory(prefix="kb-demo-") as tmp:
            import_roadmap(kbase, write_roadmap(corpus, Path(tmp) / "roadmap.yaml"))
    refresh_similarity(kbase)  # the roadmap write moved the snapshot on: keep the ingest's index usable
    refresh_answers(kbase)  # and the answers of `kb repeats` and `kb hotspots`
    return corpus


def reset_risk(kbase: KnowledgeBase) -> str | None:
    """What emptying this knowledge base would lose that the demo did not make (None: nothing)."""
    if kbase.holds_only_demo_data():
        return None
    sources = ", ".join(f"{n} {s}" for s, n in sorted(kbase.incident_sources().items()) if s != "demo")
    return (
        f"{kbase.description} holds data that is not from the demo "
        f"({sources + ' incidents' if sources else 'no incident, but other nodes'}): use --keep to add the demo "
        "to it, --db PATH for another database, or --force to empty it"
    )


def replace_with_demo(
    kbase: KnowledgeBase,
    incidents: int = DEMO_INCIDENTS,
    seed: int = DEMO_SEED,
    out: Path | None = None,
    *,
    keep: bool = False,
    force: bool = False,
    files_force: bool | None = None,
    progress: Progress | None = None,
) -> DemoCorpus:
    """What `kb demo` does: empty the knowledge base (unless `keep`) and load a fresh demo corpus.

    Emptying a knowledge base that holds anything but demo data needs `force` (DemoError otherwise),
    and so does overwriting files the demo did not write (`files_force`, default: `force`);
    nothing is changed before every check has passed."""
    if not keep and not force:
        problem = reset_risk(kbase)
        if problem:
            raise DemoError(problem)
    say = progress or (lambda _: None)
    say(f"generating {incidents} incidents (seed {seed})")
    corpus = generate_demo(incidents, seed)
    if out is not None:
        say(f"writing packet files to {Path(out) / 'packets'}")
        write_demo_files(corpus, Path(out), force=force if files_force is None else files_force)
    if not keep:
        say(f"emptying {kbase.description}")
        kbase.reset()
    return load_demo(kbase, incidents, seed, corpus=corpus, progress=say)


def open_kb(
    engine: str | None = None,
    db: str | Path | None = None,
    *,
    demo_if_empty: bool = True,
    incidents: int = DEMO_INCIDENTS,
    seed: int = DEMO_SEED,
    read_only: bool = False,
) -> KnowledgeBase:
    """`kb.connect()`, plus the demo corpus when the knowledge base is empty (and `demo_if_empty`).

    `read_only=True` (notebooks, reports) loads the demo, when needed, through a short write
    connection and then returns a read-only one, which never blocks another process."""
    kbase = connect(engine=engine, db=db, hooks=DEFAULT_HOOKS, read_only=read_only)
    if demo_if_empty and kbase.incident_count() == 0:
        if read_only:
            kbase.close()
            with connect(engine=engine, db=db, hooks=DEFAULT_HOOKS) as writer:
                if writer.incident_count() == 0:
                    load_demo(writer, incidents=incidents, seed=seed)
            return connect(engine=engine, db=db, hooks=DEFAULT_HOOKS, read_only=True)
        load_demo(kbase, incidents=incidents, seed=seed)
    return kbase


__all__ = [
    "DEMO_INCIDENTS",
    "DEMO_SEED",
    "DemoError",
    "DemoFiles",
    "load_demo",
    "open_kb",
    "replace_with_demo",
    "reset_risk",
    "write_demo_files",
]
