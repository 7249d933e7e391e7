"""`kb clusters`, `kb hotspots` and `kb themes learn` on real post-mortems, against hand labels.

Imports ../shared/data/postmortems-dfds and ../shared/data/incident-reports-2i2c (markdown and
PagerDuty PDFs) with `kb import markdown --ingest` into a fresh Ladybug database and scores
what the three commands say against bench/real_eval/cluster_labels.yaml (groups of incidents
sharing a recurring contributing factor or component, labelled by reading the documents before
tuning). Then prints the demo's planted-cluster figures (bench/real_eval_demo.py's measure), and
what the text clusters alone recover of them when the demo's structure is removed.

Matching (the same for clusters, hotspot subjects and learned themes): a found group F (its
incidents) HITS a label L when |F & L| >= 2 and |F & L| >= 0.5 |F| (most of what it shows belongs
together by the labels). precision = found groups that hit some label / found groups;
recall = labels hit by some found group / labels (with at least 2 members in the corpus);
covered = labelled incidents inside some hitting group / labelled incidents. Several found
groups may hit the same label (a label split in two is still found); a learned theme is scored
against the factor labels only.

Split (--split): each source imported alone (DFDS 10 documents, 2i2c 29), scored against the
labels restricted to its documents; the code was tuned looking at the full corpus, so read the
split as a check of how the figures hold on a smaller, other-team corpus, not as held-out data.

    python bench/real_eval_clusters.py [--data ../shared/data] [--split] [--no-demo] [--show]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import kb  # noqa: E402

LABELS = Path(__file__).resolve().parent / "real_eval" / "cluster_labels.yaml"
SOURCES = {"dfds": "postmortems-dfds", "2i2c": "incident-reports-2i2c"}


def _kb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kb", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        check=False,
    )


def import_sources(data: Path, work: Path, parts: list[str]) -> Path:
    db = work / "db"
    for part in parts:
        r = _kb("import", "markdown", str(data / SOURCES[part]), "--out", str(work / part), "--ingest", "--db", str(db))
        if r.returncode not in (0, 1):
            raise SystemExit(f"kb import markdown {part} failed:\n{r.stderr[-2000:]}")
    return db


def key_map(kbase: kb.KnowledgeBase) -> dict[str, str]:
    """Document name (file stem) -> incident key."""
    df = kbase.cypher("MATCH (i:Incident) RETURN i.key AS key, i.source_file AS file")
    return {Path(str(f)).stem: str(k) for k, f in zip(df["key"], df["file"], strict=True) if f}


def hits(found: set[str], label: set[str]) -> bool:
    both = len(found & label)
    return both >= 2 and both >= 0.5 * len(found)


def score(groups: list[set[str]], labels: dict[str, set[str]]) -> dict[str, Any]:
    labels = {n: m for n, m in labels.items() if len(m) >= 2}
    hit_labels: dict[str, list[int]] = {n: [] for n in labels}
    good = 0
    for i, g in enumerate(groups):
        matched = [n for n, m in labels.items() if hits(g, m)]
        good += bool(matched)
        for n in matched:
            hit_labels[n].append(i)
    labelled = set().union(*labels.values()) if labels else set()
    covered = set()
    for n, idx in hit_labels.items():
        for i in idx:
            covered |= groups[i] & labels[n]
    return {
        "found": len(groups),
        "precision": round(good / len(groups), 2) if groups else None,
        "recall": round(sum(bool(v) for v in hit_labels.values()) / len(labels), 2) if labels else None,
        "covered": f"{len(covered)}/{len(labelled)}",
        "labels_hit": sorted(n for n, v in hit_labels.items() if v),
    }


def evaluate(kbase: kb.KnowledgeBase, raw_labels: dict[str, Any], show: bool) -> dict[str, Any]:
    from kb.analysis.clusters import find_clusters  # noqa: PLC0415
    from kb.analysis.hotspots import hotspots, subject_incidents  # noqa: PLC0415
    from kb.analysis.learned_themes import learn_themes  # noqa: PLC0415

    keys = key_map(kbase)
    name_of = {v: k for k, v in keys.items()}
    labels = {n: {keys[m] for m in c["members"] if m in keys} for n, c in raw_labels.items()}
    factor_labels = {n: m for n, m in labels.items() if raw_labels[n]["kind"] == "factor"}
    out: dict[str, Any] = {"incidents": len(keys)}

    res = find_clusters(kbase)
    cl = [set(r.incidents) for r in res.clusters.itertuples(index=False)]
    out["clusters"] = score(cl, labels)
    if show:
        for r in res.clusters.itertuples(index=False):
            inc = ", ".join(name_of.get(i, i)[:28] for i in r.incidents)
            print(f"  cluster {r.cluster}: {r.name} [{r.support}] {inc}")

    hs = hotspots(kbase)
    subj = subject_incidents(kbase)
    top = hs.head(10)
    hs_groups = [set(subj.get((r.kind, r.subject), ())) for r in top.itertuples(index=False)]
    out["hotspots"] = {
        "subjects": len(hs),
        "kinds": hs["kind"].value_counts().to_dict() if len(hs) else {},
        "top10": score(hs_groups, labels),
        "severity_known": int(kbase.query("incidents_with_tags")["severity"].notna().sum()),
        "headline_1": hs["headline"].iloc[0] if len(hs) else "",
    }
    if show:
        for r in top.itertuples(index=False):
            print(f"  hotspot {r.kind}:{r.subject} {r.incidents} incidents; {r.headline}")

    lt = learn_themes(kbase)
    factors = kbase.query("patterns_factors")
    inc_of = dict(zip(factors["factor"], factors["incident"], strict=True))
    th = [{str(inc_of[f]) for f in r.members if f in inc_of} for r in lt.itertuples(index=False)]
    out["themes"] = score(th, factor_labels)
    if show:
        for r in lt.itertuples(index=False):
            print(f"  theme {r.theme} ({r.confidence}): {r.incidents} incidents, {r.factors} factors")
    return out


def demo_figures() -> str:
    from kb.analysis.clusters import find_clusters, score_clusters  # noqa: PLC0415
    from kb.demo import generate_corpus  # noqa: PLC0415

    corpus = generate_corpus(n_incidents=320, seed=7)
    with tempfile.TemporaryDirectory(prefix="kb-demo-") as tmp, kb.connect(db=Path(tmp) / "db") as kbase:
        kbase.ingest_packets(corpus.packets)
        result = find_clusters(kbase)
        s = score_clusters(result, corpus.truth.clusters)
    return (
        f"demo (320 incidents, seed 7): {len(result.clusters)} clusters; planted precision {s.precision:.2f} "
        f"recall {s.recall:.2f}; evidence incidents precision {s.incident_precision:.2f} recall {s.incident_recall:.2f}"
    )


def demo_text_only() -> str:
    """The demo's packets with their themes, barriers and stated services removed, marked imported and
    unreviewed: what the text clusters recover of the planted clusters (incident sets, the matching above)."""
    from kb.analysis.clusters import find_clusters  # noqa: PLC0415
    from kb.demo import generate_corpus  # noqa: PLC0415

    corpus = generate_corpus(n_incidents=320, seed=7)
    packets = []
    for p in corpus.packets:
        d = p.model_dump()
        d["provenance"] = (d.get("provenance") or {}) | {"source": "markdown", "imported": True, "reviewed": False}
        for a in d["analyses"]:
            a["barriers"] = []
            for f in a["factors"]:
                f["themes"] = []
        if d["incident"].get("services"):
            d["incident"]["services"] = []
        packets.append(type(p).model_validate(d))
    with tempfile.TemporaryDirectory(prefix="kb-demo-") as tmp, kb.connect(db=Path(tmp) / "db") as kbase:
        kbase.ingest_packets(packets)
        result = find_clusters(kbase)
    planted = {c.name: {str(i) for i in c.incidents} for c in corpus.truth.clusters}
    s = score([set(i) for i in result.clusters["incidents"]], planted)
    return (
        f"demo, text only (themes, barriers, services removed; imported, unreviewed): {s['found']} clusters; "
        f"precision {s['precision']} recall {s['recall']} planted incidents covered {s['covered']}"
    )


def run(data: Path, parts: list[str], raw: dict[str, Any], show: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="kb-real-clusters-") as tmp:
        db = import_sources(data, Path(tmp), parts)
        with kb.connect(db=db) as kbase:
            r = evaluate(kbase, raw, show)
    print(f"== {'+'.join(parts)}: {r['incidents']} incidents")
    for what in ("clusters", "themes"):
        s = r[what]
        print(
            f"{what}: {s['found']} found; precision {s['precision']} recall {s['recall']} "
            f"covered {s['covered']}; labels hit: {', '.join(s['labels_hit']) or '-'}"
        )
    h = r["hotspots"]
    t = h["top10"]
    print(
        f"hotspots: {h['subjects']} subjects {h['kinds']}; top 10 precision {t['precision']} "
        f"(labels hit: {', '.join(t['labels_hit']) or '-'}); incidents of known severity {h['severity_known']}; "
        f"first: {h['headline_1']}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent.parent / "shared" / "data")
    ap.add_argument("--split", action="store_true", help="also score each source imported alone")
    ap.add_argument("--no-demo", action="store_true")
    ap.add_argument("--show", action="store_true", help="print every cluster, hotspot and theme")
    args = ap.parse_args()
    data = args.data if args.data.exists() else Path("/work/shared/data")
    raw = yaml.safe_load(LABELS.read_text())["clusters"]
    run(data, ["dfds", "2i2c"], raw, args.show)
    if args.split:
        for part in ("dfds", "2i2c"):
            run(data, [part], raw, args.show)
    if not args.no_demo:
        print(demo_figures())
        print(demo_text_only())


if __name__ == "__main__":
    main()
