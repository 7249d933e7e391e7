"""The shape of bench/real_eval's hand labels, so a label that cannot count is caught before a run.

The held-out MoJ set (bench/real_eval/moj/) is in the repository, so its labels are also checked
against its documents: every name is a document, every repeat's earlier incident is earlier. (The
DFDS and 2i2c documents live outside the repository; their labels are checked for shape only.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

HERE = Path(__file__).resolve().parents[1] / "bench" / "real_eval"
MOJ = HERE / "moj"


def load(name: str) -> Any:
    return yaml.safe_load((HERE / name).read_text(encoding="utf-8"))


def moj_documents() -> set[str]:
    return {p.stem for p in MOJ.glob("*.md")}


def named(labels: dict[str, Any]) -> list[object]:
    """Every document name the labels use (YAML reads a bare 2020-02-12 as a date: not a name)."""
    out: list[object] = [m for g in labels["groups"].values() for m in g["members"]]
    for r in labels["repeats"]:
        out += [r["incident"], *r["earlier"]]
    for f in labels.get("follow_ups") or []:
        out += [f["document"], f["same_incident_as"]]
    return out + list(labels.get("ambiguous_repeats") or [])


def check_shape(labels: dict[str, Any]) -> None:
    assert set(labels) >= {"groups", "repeats"}
    for name, group in labels["groups"].items():
        assert group.get("why"), name
        assert len(group["members"]) >= 2, name
        assert len(set(group["members"])) == len(group["members"]), name
    for r in labels["repeats"]:
        assert r.get("why"), r["incident"]
        assert r["incident"] not in r["earlier"], r["incident"]
    repeated = {r["incident"] for r in labels["repeats"]}
    assert len(repeated) == len(labels["repeats"]), "one entry per repeat"
    assert not repeated & set(labels.get("ambiguous_repeats") or []), "a repeat cannot also be ambiguous"
    for f in labels.get("follow_ups") or []:
        assert f.get("why") and f["document"] != f["same_incident_as"]
    assert all(isinstance(n, str) for n in named(labels)), [n for n in named(labels) if not isinstance(n, str)]


@pytest.mark.parametrize("name", ["labels.yaml", "labels_moj.yaml"])
def test_labels_have_the_shape_real_eval_reads(name: str) -> None:
    check_shape(load(name))


def test_moj_labels_name_moj_documents_and_earlier_means_earlier() -> None:
    labels = load("labels_moj.yaml")
    docs = moj_documents()
    assert len(docs) == 33
    assert not [n for n in named(labels) if n not in docs]
    # Members of two groups would be counted against both: the MoJ groups do not overlap.
    members = [m for g in labels["groups"].values() for m in g["members"]]
    assert len(members) == len(set(members))
    for r in labels["repeats"]:
        assert r["earlier"], f"{r['incident']}: the earlier MoJ incident is in the set, name it"
        # File names start with the incident's date: an earlier incident sorts first.
        assert all(e[:10] < r["incident"][:10] for e in r["earlier"]), r["incident"]


def test_moj_documents_are_one_log_section_each_with_their_licence() -> None:
    for doc in MOJ.glob("*.md"):
        text = doc.read_text(encoding="utf-8")
        assert text.startswith(f"### Incident on {doc.stem[:10]}"), doc.name
        assert text.count("\n### Incident on ") == 0 and "\n## " not in text, doc.name
    notice = (MOJ / "NOTICE").read_text(encoding="utf-8")
    assert "0210e19f0c8b0cf34aa3f0346e3c5849ca4b1a58" in notice
    assert "MIT License" in notice and "Copyright (c) 2018 Ministry of Justice" in notice


@pytest.mark.parametrize("name", ["lint_judgements.yaml", "lint_judgements_moj.yaml"])
def test_lint_judgements_rows_are_complete(name: str) -> None:
    rows = load(name)
    for row in rows:
        assert {"doc", "rule", "location", "level", "right", "why"} <= set(row), row
        assert isinstance(row["doc"], str) and isinstance(row["right"], bool), row
        assert row["level"] in {"error", "warning", "info"}, row
    if name == "lint_judgements_moj.yaml":
        assert not [r["doc"] for r in rows if r["doc"] not in moj_documents()]
