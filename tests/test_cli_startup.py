"""Start-up: `kb --help` and `kb stats` load no heavy module, and the pydantic-free coercion of
kb.cli.startup gives what typer's own would (times are measured by bench/bench_startup.py)."""

from __future__ import annotations

import enum
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer import _coercion
from typer.main import get_command
from typer.testing import CliRunner

from kb.cli import app
from kb.cli.typer_coercion import PlainRuntimeParam
from kb.knowledge_base import KnowledgeBase

from .conftest import EXAMPLES

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

# Runs `kb ARGS` as a user does and prints, last, which modules it loaded.
_RUN_AND_LIST = (
    "import runpy, sys\n"
    "sys.argv = ['kb', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_module('kb', run_name='__main__')\n"
    "except SystemExit:\n"
    "    pass\n"
    "print(' '.join(sorted(sys.modules)))\n"
)
HEAVY = {"pandas", "numpy", "pydantic", "scipy", "plotly", "networkx", "yaml"}


def _loaded(*args: str) -> tuple[str, set[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("NEO4J_URI", None)
    env.pop("KB_ENGINE", None)
    run = subprocess.run(
        [sys.executable, "-c", _RUN_AND_LIST, *args], env=env, capture_output=True, text=True, check=True
    )
    out, _, modules = run.stdout.rstrip("\n").rpartition("\n")
    return out, {m.split(".")[0] for m in modules.split()}


def test_help_loads_no_heavy_module() -> None:
    out, loaded = _loaded("--help")
    assert "stats" in out
    assert not loaded & (HEAVY | {"ladybug"}), loaded & (HEAVY | {"ladybug"})


def test_help_loads_no_attrs_and_prints_what_it_prints_with_attrs_loaded() -> None:
    """kb.cli.help_imports: rich.pretty is loaded without attrs in a help run, and the help is the same."""
    out, loaded = _loaded("--help")
    assert "attr" not in loaded
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    run = "import runpy, sys; sys.argv = ['kb', '--help']; runpy.run_module('kb', run_name='__main__')"
    with_attrs, without = (
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        for code in ("import attr; " + run, run)
    )
    assert without.stdout == with_attrs.stdout and "repeats" in without.stdout


def test_stats_loads_no_pandas_or_pydantic_and_counts(tmp_path: Path) -> None:
    db = tmp_path / "g.lbug"
    assert runner.invoke(app, ["ingest", str(EXAMPLES), "--db", str(db)]).exit_code == 0
    out, loaded = _loaded("stats", "--db", str(db), "--format", "json")
    assert not loaded & HEAVY, loaded & HEAVY
    counts = {r["name"]: r["count"] for r in json.loads(out)}
    assert counts["Incident"] == 1 and counts["Factor"] == 4


def test_counts_are_the_stats_frame_on_both_engines(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_paths([EXAMPLES])
    frame = any_kb.stats()
    assert list(frame.columns) == ["kind", "name", "count"]
    assert [tuple(r) for r in frame.itertuples(index=False)] == any_kb.counts()
    assert ("node", "Factor", 4) in any_kb.counts() and any_kb.incident_count() == 1
    columns, rows = any_kb.engine.read_rows("MATCH (i:Incident) RETURN i.key AS key, i.started_at AS at")
    assert columns == ["key", "at"] and rows[0][0] == "INC-2025-001"
    assert rows[0][1].tzinfo is not None  # timestamps come back as UTC datetimes, as in a frame


class Color(enum.StrEnum):
    RED = "red"
    BLUE = "blue"


def _params() -> list[Any]:
    """Every option and argument of every kb command, as typer built them."""
    found: list[Any] = []

    def walk(command: Any) -> None:
        found.extend(p for p in command.params if hasattr(p, "type_descriptor"))
        for sub in getattr(command, "commands", {}).values():
            walk(sub)

    walk(get_command(app))
    return found


SAMPLES: list[Any] = ["json", "table", "ladybug", "7", "-3", "x.yaml", ".", "RED", "Json", "1.5", "", " 12"]
SAMPLES += [0, 1, 5, -2, 0.0, 0.005, 1.5, 2.0, float("nan"), True, False]  # defaults and flags: values, not text


def test_plain_coercion_matches_typer_for_every_kb_parameter(tmp_path: Path) -> None:
    params = _params()
    assert len(params) > 100  # the walk found the commands
    ctx = typer.Context(get_command(app))
    compared = 0
    for param in params:
        descriptor = param.type_descriptor
        if descriptor.file_annotation is not None:
            continue
        fast = PlainRuntimeParam(descriptor.parameter_info, descriptor.annotation, descriptor)
        typer_own = _coercion.build_runtime_param(descriptor)
        for value in SAMPLES:
            try:
                expected: Any = typer_own._coerce_value(value, param=param, ctx=ctx)
            except Exception as exc:  # typer refuses it: so must the fast path, with typer's message
                with pytest.raises(type(exc)) as refused:
                    fast._coerce_value(value, param=param, ctx=ctx)
                assert str(refused.value) == str(exc)
                continue
            got = fast._coerce_value(value, param=param, ctx=ctx)
            assert (got, type(got)) == (expected, type(expected)), (param.name, value)
            compared += 1
    assert compared > 300


@pytest.mark.parametrize(
    ("annotation", "info", "value", "expected"),
    [
        (Color, typer.Option(), "blue", Color.BLUE),
        (Color, typer.Option(case_sensitive=False), "BLUE", Color.BLUE),  # typer's own path
        (Path, typer.Option(), "a/b", Path("a/b")),
        (int, typer.Option(min=10), "12", 12),  # a bound: typer checks it
        (str, typer.Option(), "text", "text"),
    ],
)
def test_plain_coercion_cases(annotation: Any, info: Any, value: str, expected: Any) -> None:
    descriptor = _coercion.resolve_type_descriptor(annotation, info)
    fast = PlainRuntimeParam(info, annotation, descriptor)
    assert fast._coerce_value(value, param=None, ctx=None) == expected


def test_a_bad_choice_still_gets_typers_message(tmp_path: Path) -> None:
    wide = {"COLUMNS": "200", "TERMINAL_WIDTH": "200"}
    result = runner.invoke(app, ["stats", "--db", str(tmp_path / "g.lbug"), "--format", "yaml"], env=wide)
    assert result.exit_code == 2
    assert "'yaml' is not one of 'table', 'json', 'csv'" in result.output


def test_check_all_computed_loads_no_pandas(tmp_path: Path) -> None:
    # The lint reads rows, not frames; its follow-up test (kb.analysis.repeat_evidence) loaded pandas
    # for nothing: ~0.5 s of a first `kb check --all`.
    db = tmp_path / "g.lbug"
    assert runner.invoke(app, ["ingest", str(EXAMPLES), "--db", str(db)]).exit_code == 0
    for kept in tmp_path.glob("g.lbug.lint-*"):
        kept.unlink()  # computed, not read from what an ingest kept
    out, loaded = _loaded("check", "--all", "--db", str(db), "--format", "json")
    assert json.loads(out)["incidents"] == 1
    assert list(tmp_path.glob("g.lbug.lint-*")), "the lint was not computed"
    assert "pandas" not in loaded
