"""The named-query catalogue: cypher/NAME.cypher, with cypher/<engine>/NAME.cypher overrides."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from kb.engines.base import CatalogueText

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
def _read(path: Path) -> CatalogueText:
    return CatalogueText(path.read_text(encoding="utf-8"))


# Former names of queries now named by what they return (the five reads over every incident
# were named after their callers: charts_, loop_, patterns_); kept so older code still runs.
RENAMED: dict[str, str] = {
    "loop_incidents": "incidents",
    "incident_keys": "incidents",
    "charts_incidents": "incidents_with_factor_counts",
    "patterns_incidents": "incidents_with_text",
    "patterns_incident_times": "incidents_with_tags",
}


def query_text(name: str, dialect: str) -> CatalogueText:
    name = RENAMED.get(name, name)
    base = catalogue_dir()
    for candidate in (base / dialect / f"{name}.cypher", base / f"{name}.cypher"):
        if candidate.is_file():
            return _read(candidate)
    raise UnknownQuery(f"no query named {name!r} in {base} (known: {', '.join(names())})")


_KEY_FILTER = re.compile(r"^WHERE [\w.]+ IN \$keys\n", re.MULTILINE)


def query_text_every(name: str, dialect: str) -> CatalogueText | None:
    """The query over every incident: its one `WHERE x IN $keys` line dropped (None when it has
    none). On Ladybug an IN over 10,000 keys costs several times the read it filters."""
    text = query_text(name, dialect)
    every, n = _KEY_FILTER.subn("", text)
    return CatalogueText(every) if n == 1 and "$keys" not in every else None


def has_override(name: str, dialect: str) -> bool:
    return (catalogue_dir() / dialect / f"{name}.cypher").is_file()


def description(name: str) -> str:
    """The query's first comment line (each file starts with `// what it returns`)."""
    for line in query_text(name, "").splitlines():
        if line.strip().startswith("//"):
            return line.strip().removeprefix("//").strip()
        if line.strip():
            break
    return ""


def parameters(name: str) -> list[str]:
    """The $parameters the query uses, in order of first use (over the shared text and every override)."""
    base = catalogue_dir()
    texts = [query_text(name, "")] + [_read(p) for p in sorted(base.glob(f"*/{name}.cypher"))]
    found: dict[str, None] = {}
    for text in texts:
        code = "\n".join(line.split("//", 1)[0] for line in text.splitlines())
        for match in re.finditer(r"\$([A-Za-z_][A-Za-z0-9_]*)", code):
            found.setdefault(match.group(1))
    return list(found)
