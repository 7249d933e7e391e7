"""Regenerate the README's command examples from the demo corpus, so they cannot drift.

    python scripts/readme_examples.py           # rewrite the marked blocks in README.md
    python scripts/readme_examples.py --check   # exit 1 (with a diff) when a block is stale

A block is marked in README.md as

    <!-- example: NAME -->
    ```
    $ kb ...
    output
    ```
    <!-- /example -->

and NAME is one of EXAMPLES below. Each example runs the real command (in-process, through
the typer app) against a fresh demo database (`kb demo` defaults: 320 incidents, seed 7) in a
temporary directory. Examples that need "an incident with a warning" pick it from the corpus
instead of naming one, so a change of the demo generator changes the example, not breaks it.
Durations ("0.6 s") are compared as "N s": they differ run to run.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from typer.testing import CliRunner  # noqa: E402

from kb.cli import app  # noqa: E402

NOW = "2026-10-01"  # the demo corpus ends in 2026Q3: "today" for ages and metrics
BLOCK = re.compile(r"(<!-- example: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /example -->)", re.DOTALL)
DURATION = re.compile(r"\b\d+(?:\.\d+)? s\b")


class Demo:
    """A demo database and its files in a temporary directory; commands run with it as cwd."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.db = root / "graph.lbug"
        self.runner = CliRunner()
        self.env = {
            "KB_DB": str(self.db),
            "NEO4J_URI": "",
            "KB_ENGINE": "ladybug",
            "COLUMNS": "100",
            "TERMINAL_WIDTH": "100",
            "NO_COLOR": "1",
        }
        self.run(["demo", "--out", "demo-output", "--quiet"])

    def run(
        self, args: list[str], db: Path | None = None, columns: int = 100, stdout_only: bool = False
    ) -> tuple[int, str]:
        env = {**self.env, "KB_DB": str(db or self.db), "COLUMNS": str(columns), "TERMINAL_WIDTH": str(columns)}
        cwd = os.getcwd()
        os.chdir(self.root)
        try:
            result = self.runner.invoke(app, args, env=env)
        finally:
            os.chdir(cwd)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise RuntimeError(f"kb {' '.join(args)} failed: {result.exception!r}\n{result.output}")
        return result.exit_code, result.stdout if stdout_only else result.output

    def incident_keys(self) -> list[str]:
        import json

        _, out = self.run(["query", "incidents", "--format", "json"], stdout_only=True)
        return [r["incident"] for r in json.loads(out)]


def _shown(command: str, output: str, code: int | None = None) -> str:
    lines = [f"$ {command}", *output.rstrip("\n").splitlines()]
    if code is not None:
        lines += ["$ echo $?", str(code)]
    return "\n".join(line.rstrip() for line in lines)


def ingest(demo: Demo) -> str:
    code, out = demo.run(["ingest", str(ROOT / "examples" / "packets"), "--quiet"], db=demo.root / "fresh.lbug")
    return _shown("kb ingest examples/packets", out.replace(str(ROOT) + "/", ""))


def recommend(demo: Demo) -> str:
    """The first demo incident whose recorded analysis under-fits (the command warns)."""
    for key in demo.incident_keys():
        code, out = demo.run(["recommend", key])
        if "\nwarning:" in out:
            return _shown(f"kb recommend {key}      # after `kb demo`", out)
    raise RuntimeError("no demo incident gets a recommendation warning")


def check(demo: Demo) -> str:
    """The first demo incident with an error-level lint finding (exit status 1)."""
    import json

    _, out = demo.run(["check", "--all", "--now", NOW, "--format", "json"], stdout_only=True)
    failing = {f["incident"] for f in json.loads(out)["findings"] if f["level"] == "error"}
    key = next((k for k in demo.incident_keys() if k in failing), None)
    if key is None:
        raise RuntimeError("no demo incident has an error-level lint finding")
    code, out = demo.run(["check", key, "--now", NOW])
    return _shown(f"kb check {key} --now {NOW}      # after `kb demo`", out, code)


def roadmap(demo: Demo) -> str:
    code, out = demo.run(["roadmap", "import", "demo-output/roadmap.yaml"])
    return _shown("kb roadmap import demo-output/roadmap.yaml", out)


def metrics(demo: Demo) -> str:
    code, out = demo.run(["metrics", "--as-of", NOW])
    return _shown(f"kb metrics --as-of {NOW}      # after `kb demo`", out)


def pagerduty(demo: Demo) -> str:
    packets = demo.root / "packets"
    packets.mkdir(exist_ok=True)
    hand = ROOT / "tests" / "fixtures" / "handwritten" / "INC-2024-017.yaml"
    shutil.copy(hand, packets / hand.name)
    pd = ROOT / "tests" / "fixtures" / "pagerduty" / "incident-PXYZ123.json"
    code, out = demo.run(
        ["import", "pagerduty", str(pd), "--merge-into", "packets", "--as", "INC-2024-017"], columns=200
    )
    before, after = hand.read_text(encoding="utf-8"), (packets / hand.name).read_text(encoding="utf-8")
    diff = [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if not line.startswith(("---", "+++"))
    ]
    shown = "cp tests/fixtures/handwritten/INC-2024-017.yaml packets/\n$ " + (
        "kb import pagerduty tests/fixtures/pagerduty/incident-PXYZ123.json --merge-into packets --as INC-2024-017"
    )
    compare = (
        "diff -U0 tests/fixtures/handwritten/INC-2024-017.yaml packets/INC-2024-017.yaml"
        "   # the hand-written file keeps its form: lines added, one flow list extended"
    )
    return (
        _shown(shown, out.replace(str(ROOT) + "/", ""))
        + f"\n$ {compare}\n"
        + "\n".join(diff[:14])
        + ("\n..." if len(diff) > 14 else "")
    )


EXAMPLES: dict[str, Callable[[Demo], str]] = {
    "ingest": ingest,
    "recommend": recommend,
    "check": check,
    "roadmap": roadmap,
    "metrics": metrics,
    "pagerduty": pagerduty,
}


def render(readme: str, demo: Demo) -> str:
    def block(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in EXAMPLES:
            raise KeyError(f"README.md marks an unknown example {name!r}; known: {', '.join(EXAMPLES)}")
        return f"{match.group(1)}```\n{EXAMPLES[name](demo)}\n```\n{match.group(4)}"

    return BLOCK.sub(block, readme)


def stale(readme: str, fresh: str) -> list[str]:
    """The diff between the README and the regenerated one, durations aside."""
    a, b = DURATION.sub("N s", readme).splitlines(), DURATION.sub("N s", fresh).splitlines()
    return list(difflib.unified_diff(a, b, "README.md", "regenerated", lineterm=""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when a block is stale")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    args = parser.parse_args()
    readme = args.readme.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="kb-readme-") as tmp:
        fresh = render(readme, Demo(Path(tmp)))
    if args.check:
        diff = stale(readme, fresh)
        print("\n".join(diff) if diff else "README examples are up to date")
        return 1 if diff else 0
    if fresh != readme:
        args.readme.write_text(fresh, encoding="utf-8")
        print(f"rewrote {len(BLOCK.findall(readme))} example block(s) in {args.readme}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
