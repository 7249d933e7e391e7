"""The import direction of kb and ingest, checked on the source (every import, lazy ones included).

The contract, top to bottom; a module may import its own layer and the layers below it:

    kb (the package's public API, kb/__init__.py), kb.cli, kb.__main__
      -> kb.report, kb.charts, kb.export, kb.integrations, kb.quickstart
      -> kb.analysis, kb.lint, kb.roadmap
      -> kb.knowledge_base
      -> kb.graph
      -> kb.engines
      -> kb.packets, kb.packet_update   (packet files <-> kb.model; round-trip edits)
      -> kb.model
      -> kb.redaction, kb.file_guard, kb.atomic_file, kb.gc_pause, kb.workers   (import nothing of kb)
    ingest -> kb.model;  kb.demo -> kb.packets, kb.model, kb.gc_pause   (side branches: never an engine)

Packages of one layer must not import each other in a cycle either. Above the facade
(kb.knowledge_base) nothing reaches the engine object (`<kbase>.engine`): the facade offers
reads, writes, reset and the tool-made writes. Run as a script, this file prints every
violation (the issue's before/after measure).
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The one statement of the contract: layers from the top down.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("kb", "kb.cli", "kb.__main__"),
    ("kb.report", "kb.charts", "kb.export", "kb.integrations", "kb.quickstart"),
    ("kb.analysis", "kb.lint", "kb.roadmap"),
    ("kb.knowledge_base",),
    ("kb.graph",),
    ("kb.engines",),
    ("kb.packets", "kb.packet_update"),
    ("kb.model",),
    ("kb.redaction", "kb.file_guard", "kb.atomic_file", "kb.gc_pause", "kb.workers"),
)
# Side branches: a package here may import only itself and the packages listed.
SIDE: dict[str, tuple[str, ...]] = {
    "ingest": ("ingest", "kb.model"),
    "kb.demo": ("kb.demo", "kb.packets", "kb.model", "kb.gc_pause"),
}
FACADE_LAYER = 3  # index of kb.knowledge_base in LAYERS: layers above it never touch `.engine`


def unit_of(module: str) -> str | None:
    """The layer unit (a name of LAYERS or SIDE) a dotted module name belongs to; longest prefix wins."""
    names = [n for layer in LAYERS for n in layer] + list(SIDE)
    best = None
    for n in names:
        if (module == n or module.startswith(n + ".")) and (best is None or len(n) > len(best)):
            best = n
    return best


def rank(unit: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if unit in layer)


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """(line, imported module) for every import statement, top-level or inside a function."""
    module = module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import: resolve against the package
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from kb import graph` imports the package kb.graph; `from kb.graph.x import y`, kb.graph.x
            found += [(node.lineno, f"{base}.{a.name}") for a in node.names] if base == "kb" else [(node.lineno, base)]
    return found


def allowed(src_unit: str, dst_unit: str) -> bool:
    if src_unit in SIDE:
        return dst_unit in SIDE[src_unit]
    if dst_unit in SIDE:
        # Who may use a side branch: the top of the house (cli, public API) and the quickstart.
        return rank(src_unit) <= 1
    return rank(dst_unit) >= rank(src_unit)


@dataclass(frozen=True)
class Violation:
    where: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.where}:{self.line}: {self.message}"


def source_files(root: Path = ROOT) -> list[Path]:
    return sorted(p for d in ("kb", "ingest") for p in (root / d).rglob("*.py"))


def direction_violations(root: Path = ROOT) -> list[Violation]:
    out = []
    for path in source_files(root):
        src = unit_of(module_name(path, root))
        assert src is not None, f"{path} is in no layer: add its package to LAYERS or SIDE"
        for line, target in imports_of(path, root):
            dst = unit_of(target)
            if dst is None or dst == src:
                continue
            if not allowed(src, dst):
                out.append(Violation(str(path.relative_to(root)), line, f"{src} imports {target} (against the layers)"))
    return out


def cycles() -> list[Violation]:
    """Import cycles between the units (packages) of the house, e.g. kb.graph <-> kb.engines."""
    edges: dict[str, set[str]] = defaultdict(set)
    where: dict[tuple[str, str], tuple[str, int]] = {}
    for path in source_files():
        src = unit_of(module_name(path))
        for line, target in imports_of(path):
            dst = unit_of(target)
            if src and dst and dst != src:
                edges[src].add(dst)
                where.setdefault((src, dst), (str(path.relative_to(ROOT)), line))
    out = []
    for (a, b), (file, line) in sorted(where.items()):
        if a < b and a in edges.get(b, set()):
            out.append(Violation(file, line, f"cycle: {a} -> {b} -> {a} (also {where[(b, a)][0]})"))
    return out


def engine_reach() -> list[Violation]:
    """`x.engine` attribute access above the facade."""
    out = []
    for path in source_files():
        src = unit_of(module_name(path))
        if src is None or src in SIDE or rank(src) >= FACADE_LAYER:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "engine":
                out.append(
                    Violation(str(path.relative_to(ROOT)), node.lineno, f"{src} reaches `.engine` past the facade")
                )
    return out


# -- the tests ---------------------------------------------------------------------------------


def test_imports_flow_one_way() -> None:
    assert [str(v) for v in direction_violations()] == []


def test_no_cycles_between_packages() -> None:
    assert [str(v) for v in cycles()] == []


def test_nothing_above_the_facade_touches_the_engine() -> None:
    assert [str(v) for v in engine_reach()] == []


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    """The checker itself can fail: an upward import, a lazy one inside a function, a relative one."""
    probe = tmp_path / "kb" / "engines" / "probe.py"
    probe.parent.mkdir(parents=True)
    (tmp_path / "kb" / "model").mkdir()
    (tmp_path / "kb" / "model" / "m.py").write_text("import pandas\nfrom kb.model import common\n", encoding="utf-8")
    probe.write_text(
        "import kb.model\n\ndef f():\n    from kb.analysis import gate\n    from ..graph import writer\n",
        encoding="utf-8",
    )
    found = direction_violations(tmp_path)
    assert [v.line for v in found] == [4, 5]
    assert "imports kb.analysis " in found[0].message and "imports kb.graph " in found[1].message


def test_every_module_has_a_layer() -> None:
    assert all(unit_of(module_name(p)) for p in source_files())


if __name__ == "__main__":
    problems = direction_violations() + cycles() + engine_reach()
    for v in problems:
        print(v)
    print(
        f"{len(direction_violations())} import(s) against the direction, {len(cycles())} cycle(s), "
        f"{len(engine_reach())} `.engine` reach(es) above the facade"
    )
    sys.exit(1 if problems else 0)
