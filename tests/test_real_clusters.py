"""kb clusters, hotspots and learned themes on real, imported, unreviewed post-mortems (issue 12), on both
engines: the 2i2c incident reports (../shared/data/incident-reports-2i2c, BSD-3-Clause, 7 markdown + 22
PagerDuty PDFs), imported as `kb import markdown` does, nothing hand-tagged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest.markdown import import_paths
from ingest.markdown.batch import unique_packets
from kb.analysis.clusters import find_clusters
from kb.analysis.entities import find_mentions
from kb.analysis.hotspots import hotspots, subject_incidents
from kb.analysis.learned_themes import apply_decisions, learn_themes, proposals_yaml
from kb.cli import app
from kb.knowledge_base import KnowledgeBase

from .conftest import SHARED_DATA, engines_fixture
from .test_imported_corpus import imported

TWO_I2C = SHARED_DATA / "incident-reports-2i2c"
QUOTA = [
    "2025-10-16-invalid-nfs-configuration.pdf",
    "2025-10-16-oom-quota-enforcer-neurohackademy.pdf",
    "2025-10-17-utf8-decoding-xfs-quota.pdf",
]
PYTHIA = [
    "2026-01-29-build-pods-fail-to-launch-pythia.pdf",
    "2026-03-03-projectpythia-binderhub-unable-to-build-images.pdf",
    "2026-03-09-BinderHub-URL-responds-Bad-GatewayforProjectPythia.pdf",
]

pytestmark = pytest.mark.skipif(not TWO_I2C.is_dir(), reason=f"real documents not found at {TWO_I2C}")


def _load(kbase: KnowledgeBase) -> None:
    kbase.ingest_packets(unique_packets(import_paths([TWO_I2C])))


real_kb = engines_fixture(_load)


def _keys(kbase: KnowledgeBase, files: list[str]) -> set[str]:
    df = kbase.cypher("MATCH (i:Incident) RETURN i.key AS key, i.source_file AS file")
    by_name = {Path(str(f)).name: str(k) for k, f in zip(df["key"], df["file"], strict=True)}
    return {by_name[f] for f in files}


def test_text_clusters_find_the_recurring_component(real_kb: KnowledgeBase) -> None:
    result = find_clusters(real_kb)
    clusters = result.clusters
    assert len(clusters) >= 3
    # Nobody confirmed a theme: every cluster rests on text evidence, below a confirmed one's certainty.
    assert set(clusters["basis"]) <= {"text", "factor"}
    assert (clusters["confidence"] < 1.0).all() and (clusters["support"] >= 2).all()
    sets = [set(i) for i in clusters["incidents"]]
    for group in (QUOTA, PYTHIA):
        keys = _keys(real_kb, group)
        assert any(keys <= s for s in sets), f"{group} not in one cluster: {clusters[['name', 'incidents']]}"
    quota = next(r for r in clusters.itertuples(index=False) if _keys(real_kb, QUOTA) <= set(r.incidents))
    assert "xfs-quota" in quota.components
    assert set(result.evidence["incident"]) >= _keys(real_kb, QUOTA)


def test_factor_clusters_are_the_learned_proposals(real_kb: KnowledgeBase) -> None:
    clusters = find_clusters(real_kb).clusters
    factors = real_kb.query("patterns_factors")
    incident_of = dict(zip(factors["factor"], factors["incident"], strict=True))
    learned = [{incident_of[f] for f in r.members} for r in learn_themes(real_kb).itertuples(index=False)]
    assert learned
    found = [set(r.incidents) for r in clusters.itertuples(index=False) if r.basis == "factor"]
    assert found and all(s in learned for s in found)


def test_hotspots_count_what_is_known(real_kb: KnowledgeBase) -> None:
    df = hotspots(real_kb)
    row = df[(df["kind"] == "component") & (df["subject"] == "xfs-quota")].iloc[0]
    assert row["basis"] == "text" and row["incidents"] == 3 and row["evidence"] == pytest.approx(0.75)
    # xfs-quota's documents state no severity: unknown, not assumed SEV3, not major.
    assert (row["sev_unknown"], row["sev3"], row["last_major"]) == (3, 0, 0)
    assert "found in the text" in row["headline"]
    guessed = df[df["basis"] == "guessed"]
    assert not guessed.empty and (guessed["evidence"] == 0).all()
    # A keyword guess is listed but never ranks above evidence found in the text (among subjects
    # of the same count of major incidents, the first sort key).
    calm = df[df["last_major"] == 0]
    assert calm.index[calm["basis"] == "guessed"].min() > calm.index[calm["evidence"] > 0].max()
    assert set(subject_incidents(real_kb)[("component", "xfs-quota")]) == _keys(real_kb, QUOTA)


def test_hotspots_prefer_concentrated_subjects(real_kb: KnowledgeBase) -> None:
    # Found in the text only, a subject named in many reports is in the majors and the recent ones by
    # chance: the one SEV1 (dubois) names kubernetes (7 of 29 reports) and database (3), so database
    # leads; jupyterhub (12 of 29, 2 recent) ranks below helm (3 of 29, 2 recent).
    df = hotspots(real_kb)
    at = {(k, s): i for i, (k, s) in enumerate(zip(df["kind"], df["subject"], strict=True))}
    assert df["last_major"][at[("component", "kubernetes")]] == df["last_major"][at[("component", "database")]] == 1
    assert at[("component", "database")] < at[("component", "kubernetes")]
    assert at[("component", "helm")] < at[("service", "jupyterhub")]
    assert df.iloc[0]["subject"] == "database" and df.iloc[0]["last_major"] == 1
    # A keyword guess gets no credit for majors or recency: below every subject with evidence.
    assert df.index[df["basis"] == "guessed"].min() > df.index[df["evidence"] > 0].max()


def test_dates_and_weekdays_are_never_learned_entities(any_kb: KnowledgeBase) -> None:
    # Two of twelve reports name the same system and the same month and weekday, twice each and in
    # their titles: the system is learned as a component, the month and the weekday are not.
    packets = [
        imported(
            f"DOC-{n:02d}",
            3 * n,
            "July Monday outage of the zephyr hub" if n < 2 else f"Outage {n} of the storage {n}",
            "On a Monday in July the Zephyr hub failed; Zephyr came back Monday evening, July 14."
            if n < 2
            else f"Report {n}: the storage hosts stopped answering.",
            [f"Factor {n}"],
            [],
        )
        for n in range(12)
    ]
    any_kb.ingest_packets(packets)
    learned = find_mentions(any_kb)
    learned = learned[learned["learned"]]
    assert "zephyr" in set(learned["name"])
    assert not {"july", "monday", "evening"} & set(learned["name"])


def test_accepting_a_learned_theme_keeps_the_text_clusters(any_kb: KnowledgeBase) -> None:
    any_kb.ingest_packets(unique_packets(import_paths([TWO_I2C / f for f in QUOTA + PYTHIA])))
    before = find_clusters(any_kb).clusters
    assert any(_keys(any_kb, QUOTA) <= set(i) for i in before["incidents"])
    proposals = learn_themes(any_kb, threshold=0.1)
    assert not proposals.empty
    apply_decisions(any_kb, proposals_yaml(proposals))
    # The accepted theme's incidents now have a confirmed theme, yet stay imported and unreviewed:
    # one accepted theme is no stated co-occurrence, so their text clusters must not vanish.
    accepted = set(any_kb.query("patterns_incident_theme_evidence")["incident"])
    assert accepted
    after = find_clusters(any_kb).clusters
    assert any(_keys(any_kb, QUOTA) <= set(i) for i in after["incidents"])
    assert accepted & set().union(*map(set, after["incidents"]))


def test_cli_clusters_and_hotspots_on_imported_reports(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for f in QUOTA + PYTHIA:
        shutil.copy(TWO_I2C / f, docs / f)
    db = str(tmp_path / "db")
    runner = CliRunner()
    r = runner.invoke(app, ["import", "markdown", str(docs), "--ingest", "--db", db])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["clusters", "--db", db, "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert rows and {row["basis"] for row in rows} <= {"text", "factor"}
    assert all(0 < row["confidence"] < 1 for row in rows)
    r = runner.invoke(app, ["hotspots", "--db", db, "--by", "component", "--format", "json"])
    assert r.exit_code == 0, r.output
    subjects = {row["subject"]: row for row in json.loads(r.output)}
    assert subjects["xfs-quota"]["basis"] == "text" and subjects["xfs-quota"]["incidents"] == 3
    # Costed over the subject's own incidents, so a subject found in the text is costed too.
    r = runner.invoke(app, ["hotspots", "--db", db, "--by", "component", "--weight", "cost", "--format", "json"])
    assert r.exit_code == 0, r.output
    costed = {row["subject"]: row for row in json.loads(r.output)}
    assert "revenue unknown for 3" in costed["xfs-quota"]["cost_missing"]
    r = runner.invoke(app, ["hotspots", "--db", db, "--by", "nonsense"])
    assert r.exit_code != 0 and "--by 'nonsense'" in r.output


def test_severity_read_where_stated_and_counted_in_hotspots(real_kb: KnowledgeBase) -> None:
    # Only the dubois PagerDuty report states one ('Priority set to “P1” by ...'); the rest say nothing.
    incidents = real_kb.query("incidents_with_tags")
    stated = incidents.dropna(subset=["severity"])
    assert stated["incident"].tolist() == list(_keys(real_kb, ["2026-02-11-dubois-user-image-issue.pdf"]))
    assert stated["severity"].tolist() == [1]
    df = hotspots(real_kb)
    assert (df["sev1"] <= 1).all() and (df["sev3"] == 0).all()
    assert (df["sev1"] + df["sev_unknown"] == df["incidents"]).all()
    assert (df["of_last_major"] == 1).all() and df["last_major"].iloc[0] == 1
    assert "1 of the last 1 SEV1-2 incidents involved" in df["headline"].iloc[0]


@pytest.mark.parametrize("reviewed", [True, False])
def test_a_keyword_guess_never_makes_a_stated_cluster(any_kb: KnowledgeBase, reviewed: bool) -> None:
    # Twelve imported reports; six carry the same two themes. Reviewed, the themes are stated and recur
    # together: a stated cluster. Unreviewed, they are the importer's keyword guesses: no stated cluster.
    packets = [
        imported(
            f"DOC-{n:02d}",
            7 * n,
            f"Outage {n} of the {'billing' if n % 2 else 'search'} service",
            f"Report {n}: the {'billing' if n % 2 else 'search'} hosts stopped answering.",
            [f"Factor {n} of the {'billing' if n % 2 else 'search'} outage"],
            [],
            reviewed=reviewed,
            themes=["capacity-exhaustion", "monitoring-gap"] if n % 2 else [],
        )
        for n in range(12)
    ]
    any_kb.ingest_packets(packets)
    stated = find_clusters(any_kb).clusters
    stated = stated[stated["basis"] == "stated"]
    if reviewed:
        assert len(stated) == 1
        assert set(stated["themes"].iloc[0]) == {"capacity-exhaustion", "monitoring-gap"}
    else:
        assert stated.empty
