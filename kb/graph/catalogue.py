"""The named-query catalogue: cypher/NAME.cypher, with cypher/<engine>/NAME.cypher overrides."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import pandas as pd

_REPO_DIR = Path(__file__).resolve().parents[2] / "cypher"
_PACKAGED_DIR = Path(__file__).resolve().parents[1] / "cypher_catalogue"


class UnknownQuery(KeyError):
    pass


class Queryable(Protocol):
    """What runs the catalogue's named queries: a KnowledgeBase. The one protocol every
    reader of the catalogue (graph reader, analysis, charts) types against."""

    def query(self, name: str, **params: Any) -> pd.DataFrame: ...


def catalogue_dir() -> Path:
    # A source checkout keeps the queries at the top level (cypher/); a wheel ships
    # them inside the package.
    return _REPO_DIR if _REPO_DIR.is_dir() else _PACKAGED_DIR


def names() -> list[str]:
    return sorted(p.stem for p in catalogue_dir().glob("*.cypher"))


@cache
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# Former names of queries now named by what they return (the five reads over every incident
# were named after their callers: charts_, loop_, patterns_); kept so older code still runs.
RENAMED: dict[str, str] = {
    "loop_incidents": "incidents",
    "incident_keys": "incidents",
    "charts_incidents": "incidents_with_factor_counts",
    "patterns_incidents": "incidents_with_text",
    "patterns_incident_times": "incidents_with_tags",
}


def query_text(name: str, dialect: str) -> str:
    name = RENAMED.get(name, name)
    base = catalogue_dir()
    for candidate in (base / dialect / f"{name}.cypher", base / f"{name}.cypher"):
        if candidate.is_file():
            return _read(candidate)
    raise UnknownQuery(f"no query named {name!r} in {base} (known: {', '.join(names())})")


def has_override(name: str, dialect: str) -> bool:
    return (catalogue_dir() / dialect / f"{name}.cypher").is_file()
