"""The README's command examples are what the commands print on the demo corpus (scripts/readme_examples.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from .conftest import ROOT


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("readme_examples", ROOT / "scripts" / "readme_examples.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["readme_examples"] = module
    spec.loader.exec_module(module)
    return module


def test_readme_examples_match_the_demo(tmp_path: Path) -> None:
    script = _script()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = [m.group("name") for m in script.BLOCK.finditer(readme)]
    assert sorted(names) == sorted(script.EXAMPLES), "every example is marked once in README.md"
    fresh = script.render(readme, script.Demo(tmp_path))
    diff = script.stale(readme, fresh)
    assert diff == [], "README examples are stale: run `python scripts/readme_examples.py`\n" + "\n".join(diff[:60])


def test_a_stale_block_is_found() -> None:
    script = _script()
    readme = "<!-- example: roadmap -->\n```\n$ kb roadmap import x\nimported 1 item in 0.5 s\n```\n<!-- /example -->\n"
    fresh = readme.replace("1 item", "2 items").replace("0.5 s", "0.7 s")
    assert script.stale(readme, readme.replace("0.5 s", "9.1 s")) == []  # durations differ run to run
    assert any(line.startswith("+imported 2 items") for line in script.stale(readme, fresh))
