"""Roadmap import (YAML and CSV), traceability and `kb trace`; both engines and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kb.analysis.trace import UnknownRoadmapItem, trace, traceability, untraced
from kb.cli import app
from kb.knowledge_base import KnowledgeBase
from kb.roadmap import RoadmapError, import_roadmap
from tests.loop_fixture import loop_packets

ROADMAP_YAML = """\
- key: RM-10
  title: Config schema registry
  quarter: 2025Q3
  findings: [INC-B/finding/R1, INC-D/finding/R1]
- {key: RM-11, title: Pool autoscaling, quarter: 2025Q3, findings: [INC-C/finding/R1]}
- {key: RM-12, title: New logo, quarter: 2025Q4}
"""


def _links(kbase: KnowledgeBase) -> set[tuple[str, str, str]]:
    rows = kbase.query("loop_roadmap_trace").dropna(subset=["finding"])
    return {(r.item, r.finding, r.link_origin) for r in rows.itertuples()}


def test_import_yaml_and_trace(any_kb: KnowledgeBase, tmp_path: Path) -> None:
    any_kb.ingest_packets(loop_packets())
    path = tmp_path / "roadmap.yaml"
    path.write_text(ROADMAP_YAML)
    result = import_roadmap(any_kb, path)
    assert (result.items, result.links, result.untraced) == (3, 3, ["RM-12"])
    assert _links(any_kb) == {
        ("RM-1", "INC-A/finding/R1", "packet"),
        ("RM-3", "INC-C/finding/R1", "packet"),
        ("RM-10", "INC-B/finding/R1", "roadmap-import"),
        ("RM-10", "INC-D/finding/R1", "roadmap-import"),
        ("RM-11", "INC-C/finding/R1", "roadmap-import"),
    }
    chain = trace(any_kb, "RM-10")
    assert chain[["finding", "analysis", "incident"]].values.tolist() == [
        ["INC-B/finding/R1", "INC-B/analysis/B1", "INC-B"],
        ["INC-D/finding/R1", "INC-D/analysis/D1", "INC-D"],
    ]
    assert chain.iloc[0]["title"] == "Config schema registry" and chain.iloc[0]["quarter"] == "2025Q3"
    assert untraced(any_kb)["item"].tolist() == ["RM-2", "RM-12"]
    share = traceability(any_kb).set_index("item")
    assert share.at["RM-10", "incidents"] == 2 and not share.at["RM-12", "traced"]
    with pytest.raises(UnknownRoadmapItem, match="no roadmap item 'RM-99'"):
        trace(any_kb, "RM-99")


def test_reimport_replaces_imported_links_only(any_kb: KnowledgeBase, tmp_path: Path) -> None:
    any_kb.ingest_packets(loop_packets())
    path = tmp_path / "roadmap.yaml"
    path.write_text(ROADMAP_YAML)
    import_roadmap(any_kb, path)
    path.write_text(
        "roadmap:\n  - {key: RM-10, title: Config schema registry, quarter: 2025Q3, "
        "findings: [INC-B/finding/R1]}\n  - {key: RM-3, title: Load-test every pool, "
        "findings: [INC-D/finding/R2]}\n"
    )
    import_roadmap(any_kb, path)
    links = _links(any_kb)
    assert ("RM-10", "INC-D/finding/R1", "roadmap-import") not in links
    assert ("RM-10", "INC-B/finding/R1", "roadmap-import") in links
    # RM-3's packet link stays beside the imported one; RM-11 was not in the file and keeps its link.
    assert {
        ("RM-3", "INC-C/finding/R1", "packet"),
        ("RM-3", "INC-D/finding/R2", "roadmap-import"),
        ("RM-11", "INC-C/finding/R1", "roadmap-import"),
    } <= links
    # Re-ingesting the packets keeps imported links.
    any_kb.ingest_packets(loop_packets())
    assert ("RM-10", "INC-B/finding/R1", "roadmap-import") in _links(any_kb)


def test_import_csv(any_kb: KnowledgeBase, tmp_path: Path) -> None:
    any_kb.ingest_packets(loop_packets())
    path = tmp_path / "roadmap.csv"
    path.write_text(
        "key,title,quarter,findings\nRM-20,Hotfix path closure,2025Q3,INC-B/finding/R1; "
        "INC-A/finding/R1\nRM-21,Unlinked,,\n"
    )
    result = import_roadmap(any_kb, path)
    assert (result.items, result.links, result.untraced) == (2, 2, ["RM-21"])
    assert {("RM-20", "INC-B/finding/R1", "roadmap-import"), ("RM-20", "INC-A/finding/R1", "roadmap-import")} <= (
        _links(any_kb)
    )
    assert untraced(any_kb).set_index("item").loc["RM-21"].isna()["quarter"]


@pytest.mark.parametrize(
    ("text", "suffix", "message"),
    [
        # The first item is fine, the second is not: nothing at all is written.
        (
            "- {key: RM-50, title: fine, findings: [INC-A/finding/R1]}\n"
            "- {key: RM-1, title: x, findings: [INC-A/finding/R9]}\n",
            ".yaml",
            "item 2 (RM-1), field findings.0: 'INC-A/finding/R9' is not a finding in the knowledge base",
        ),
        ("- {key: RM-1, title: x, quarter: Q3-2025}\n", ".yaml", "item 1 (RM-1), field quarter"),
        ("- {key: RM-1}\n", ".yaml", "item 1 (RM-1), field title"),
        ("- {key: RM-1, title: a}\n- {key: RM-1, title: b}\n", ".yaml", "item 2, field key: 'RM-1' appears twice"),
        ("{not: a list}\n", ".yaml", "expected a list of roadmap items"),
        ("name,when\nx,y\n", ".csv", "expected a header row with columns key, title"),
        ("key: [unclosed\n", ".yml", "not valid YAML"),
        ("x", ".txt", "expected a .csv, .yaml or .yml file"),
    ],
)
def test_bad_files_write_nothing(
    ladybug_kb: KnowledgeBase, tmp_path: Path, text: str, suffix: str, message: str
) -> None:
    ladybug_kb.ingest_packets(loop_packets())
    before = _links(ladybug_kb)
    path = tmp_path / f"roadmap{suffix}"
    path.write_text(text)
    with pytest.raises(RoadmapError) as err:
        import_roadmap(ladybug_kb, path)
    assert str(err.value).startswith(f"{path}: ") and message in str(err.value)
    assert _links(ladybug_kb) == before
    assert "RM-50" not in set(ladybug_kb.query("loop_roadmap_trace")["item"])


def test_cli_roadmap_and_trace(loop_db: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"NEO4J_URI": "", "KB_ENGINE": "ladybug"}
    path = tmp_path / "roadmap.yaml"
    path.write_text(ROADMAP_YAML)
    imported = runner.invoke(app, ["roadmap", "import", str(path), "--db", str(loop_db)], env=env)
    assert imported.exit_code == 0, imported.output
    assert "imported 3 roadmap item(s) with 3 link(s) to findings; 1 without a finding" in imported.output
    traced = runner.invoke(app, ["trace", "RM-10", "--db", str(loop_db), "--format", "json"], env=env)
    assert traced.exit_code == 0
    assert [r["incident"] for r in json.loads(traced.output)] == ["INC-B", "INC-D"]
    table = runner.invoke(app, ["trace", "RM-10", "--db", str(loop_db)], env=env)
    assert table.exit_code == 0 and "Config schema registry" in table.output
    loose = runner.invoke(app, ["trace", "--untraced", "--db", str(loop_db), "--format", "csv"], env=env)
    assert loose.exit_code == 0 and loose.output.splitlines() == [
        "item,title,quarter",
        "RM-2,Shiny new dashboard,2025Q2",
        "RM-12,New logo,2025Q4",
    ]
    assert runner.invoke(app, ["trace", "RM-99", "--db", str(loop_db)], env=env).exit_code == 2
    assert runner.invoke(app, ["trace", "--db", str(loop_db)], env=env).exit_code == 2
    assert runner.invoke(app, ["trace", "RM-1", "--untraced", "--db", str(loop_db)], env=env).exit_code == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {key: RM-1, title: x, findings: [INC-A/finding/R9]}\n")
    refused = runner.invoke(app, ["roadmap", "import", str(bad), "--db", str(loop_db)], env=env)
    assert refused.exit_code == 2 and "INC-A/finding/R9" in refused.output
    assert (
        runner.invoke(app, ["roadmap", "import", str(tmp_path / "none.yaml"), "--db", str(loop_db)], env=env).exit_code
        == 2
    )
