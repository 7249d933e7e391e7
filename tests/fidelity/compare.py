"""The import of each labelled document against its hand-counted expectations (expected.yaml).

Shared by tests/test_import_fidelity.py and bench/import_fidelity.py. A share "captured" is
sum(min(got, expected)) / sum(expected): an importer cannot make up for a missed event in one
document by inventing two in another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# ../shared/data beside the checkout (a worktree sits one level deeper)
DATA = next(
    (p / "shared" / "data" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared" / "data").is_dir()),
    ROOT.parent / "shared" / "data",
)
SHAPES = HERE / "shapes"
COUNTS = ("events", "factors", "findings", "work_items", "participants")
ANCHORS = ("started", "detected", "mitigated")


@dataclass
class DocResult:
    file: str
    status: str
    reason: str | None
    expected: dict[str, Any]
    got: dict[str, int] = field(default_factory=dict)
    anchors: dict[str, tuple[datetime | None, datetime | None]] = field(default_factory=dict)
    """anchor -> (expected, got), for the anchors the document states."""

    @property
    def imported(self) -> bool:
        return self.status == "imported"

    @property
    def anchors_right(self) -> bool:
        return self.imported and all(e == g for e, g in self.anchors.values())


def load(path: Path = HERE / "expected.yaml") -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = yaml.safe_load(path.read_text())["documents"]
    return docs


def _instant(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


def measure(docs: list[dict[str, Any]], base: Path) -> list[DocResult]:
    from ingest.markdown import import_file

    out = []
    for doc in docs:
        result = import_file(base / doc["file"])
        rep, packet = result.report, result.packet
        r = DocResult(doc["file"], rep.status, rep.reason, doc)
        if packet is not None:
            findings = [f for a in packet.analyses for f in a.findings]
            r.got = {
                "events": len(packet.timeline),
                "factors": sum(len(a.factors) for a in packet.analyses),
                "findings": len(findings),
                "work_items": sum(len(f.work_items) for f in findings),
                "participants": len(packet.participants),
            }
            inc = packet.incident
            got = {"started": inc.started_at, "detected": inc.detected_at, "mitigated": inc.mitigated_at}
            for name in ANCHORS:
                if name in doc:
                    r.anchors[name] = (_instant(doc[name]), got[name])
        out.append(r)
    return out


def share(results: list[DocResult], what: str) -> tuple[int, int]:
    """(captured, expected) over all documents for one count."""
    captured = sum(min(r.got.get(what, 0), r.expected[what]) for r in results)
    return captured, sum(r.expected[what] for r in results)
