"""write_corpus: the corpus as files that `kb ingest` and the notebooks can read."""

from __future__ import annotations

from pathlib import Path

import yaml

from kb.demo.truth import DemoCorpus
from kb.packets import write_packet


def write_corpus(corpus: DemoCorpus, directory: str | Path) -> Path:
    """packets/<id>.yaml for every packet, roadmap.yaml (every roadmap item) and truth.json."""
    root = Path(directory)
    packets = root / "packets"
    packets.mkdir(parents=True, exist_ok=True)
    for packet in corpus.packets:
        write_packet(packet, packets / f"{packet.key}.yaml")
    write_roadmap(corpus, root / "roadmap.yaml")
    (root / "truth.json").write_text(corpus.truth.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return root


def write_roadmap(corpus: DemoCorpus, path: Path) -> Path:
    """Every roadmap item (traced or not) as the YAML that `kb roadmap import` reads."""
    items = [e.model_dump(mode="json") for e in corpus.roadmap]
    path.write_text(yaml.safe_dump(items, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8")
    return path
