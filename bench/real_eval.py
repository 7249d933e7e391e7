"""Cross-incident intelligence measured on real post-mortems, against labels made by reading them.

Imports ../shared/data/postmortems-dfds and ../shared/data/incident-reports-2i2c with
`kb import markdown --ingest` into a fresh Ladybug database (the 2i2c PDFs are turned
into markdown text with pypdf first, unless `kb import` has a pdf command), then prints:

- `kb similar` recall@5 (any time), macro over the members of the labelled groups;
- `kb repeats` precision and recall against the labelled repeats (incident level, and
  pairs: the earlier incident it names must be an accepted one), per organisation too (2i2c,
  DFDS: what was tuned on one is checked on the other), and the follow-up documents of the
  same incident (`kb repeats --follow-ups`) against the labelled ones;
- each lint rule's precision on the hand-judged sample (bench/real_eval/lint_judgements.yaml),
  with n judged and right/judged per organisation; a rule that fires with no judgement is
  printed UNJUDGED, and the next sample of not yet judged firings is listed (--show-unjudged);
- what `kb clusters`, `kb hotspots`, `kb themes suggest`, `kb metrics` and `kb audit` say.

Then the same figures for a third organisation, HELD OUT: the Ministry of Justice Cloud Platform
incident log (bench/real_eval/moj/, 33 incidents, MIT), imported into a knowledge base of its own
(so the two organisations above are measured exactly as before). It was labelled by reading before
any analysis ran on it and nothing is tuned on it: it checks what was tuned on the other two.

    python bench/real_eval.py [--data ../shared/data] [--keep DIR] [--json]

Labels: bench/real_eval/labels.yaml (groups and repeats, with a reason each); for MoJ
bench/real_eval/labels_moj.yaml and bench/real_eval/lint_judgements_moj.yaml.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import kb  # noqa: E402

HERE = Path(__file__).resolve().parent / "real_eval"
HELD_OUT = HERE / "moj"
"""The held-out organisation's documents (one file per incident of the MoJ incident log)."""
FLOORS = {"recall_at_5": 0.85, "repeat_precision": 0.8, "lint_rule_precision": 0.8}
PDF_HEADINGS = {
    "Overview": "Summary",
    "What Happened": "What Happened",
    "Resolution": "Resolution",
    "Where we got lucky": "Where we got lucky",
    "What Went Well?": "What Went Well?",
    "What Didn't Go So Well?": "What Didn't Go So Well?",
    "Action Items": "Action Items",
    "Timeline": "Timeline",
}
K = 5
SAMPLE = 6
"""Lint firings judged per rule and round: the next SAMPLE not yet judged, in sha1(doc | rule |
location | level) order."""


def _kb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kb", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        check=False,
    )


def pdf_as_markdown(pdf: Path) -> str:
    """The PDF's text with its PagerDuty section names made headings; the title is the line before
    'Status:'. Only for this evaluation: the product's PDF import is the importer's job."""
    import pypdf  # noqa: PLC0415 (only needed here)

    with contextlib.redirect_stderr(io.StringIO()):
        text = "\n".join(p.extract_text() or "" for p in pypdf.PdfReader(pdf).pages)
    lines = [ln.rstrip() for ln in text.splitlines()]
    title = pdf.stem
    for i, ln in enumerate(lines):
        if ln.startswith("Status:") and i > 0:
            title = lines[i - 1].strip()
            break
    out = [f"# {pdf.stem[:10]} {title}", ""]
    for ln in lines:
        out.append(f"## {PDF_HEADINGS[ln.strip()]}" if ln.strip() in PDF_HEADINGS else ln)
    return "\n".join(out) + "\n"


def import_corpus(data: Path, work: Path) -> Path:
    db = work / "db"
    folders = [data / "postmortems-dfds", data / "incident-reports-2i2c"]
    has_pdf = "pdf" in _kb("import", "--help").stdout
    pdf_dir = work / "pdf-as-markdown"
    pdf_dir.mkdir(parents=True, exist_ok=True)
    if not has_pdf:
        for pdf in sorted((data / "incident-reports-2i2c").glob("*.pdf")):
            (pdf_dir / f"{pdf.stem}.md").write_text(pdf_as_markdown(pdf))
        folders.append(pdf_dir)
    for folder in folders:
        _import_markdown(folder, work / "packets" / folder.name, db)
    if has_pdf:
        r = _kb(
            "import",
            "pdf",
            str(data / "incident-reports-2i2c"),
            "--out",
            str(work / "packets" / "pdf"),
            "--ingest",
            "--db",
            str(db),
        )
        if r.returncode not in (0, 1):
            raise SystemExit(f"kb import pdf failed:\n{r.stderr[-2000:]}")
    return db


def _import_markdown(folder: Path, out: Path, db: Path) -> subprocess.CompletedProcess[str]:
    """`kb import markdown FOLDER --out OUT --ingest --db DB --format json`; exit 1 (some files not
    imported) is an answer, anything else stops the evaluation."""
    r = _kb("import", "markdown", str(folder), "--out", str(out), "--ingest", "--db", str(db), "--format", "json")
    if r.returncode not in (0, 1):
        raise SystemExit(f"kb import markdown {folder} failed:\n{r.stderr[-2000:]}")
    return r


def import_held_out(work: Path) -> tuple[Path, dict[str, Any]]:
    """Import the held-out MoJ documents into their own database; say how many imported and why
    the others did not (the importer's per-file report)."""
    db = work / "db-moj"
    reports = json.loads(_import_markdown(HELD_OUT, work / "packets" / "moj", db).stdout)
    status: dict[str, int] = defaultdict(int)
    for rep in reports:
        status[str(rep.get("status"))] += 1
    not_imported = [
        f"{Path(str(rep.get('file'))).stem}: {rep.get('status')} ({rep.get('reason')})"
        for rep in reports
        if rep.get("status") in ("failed", "template")
    ]
    return db, {"files": len(reports), "status": dict(sorted(status.items())), "not_imported": not_imported}


def doc_name(source_file: object) -> str:
    return Path(str(source_file)).stem if source_file else ""


def key_map(kbase: kb.KnowledgeBase) -> dict[str, str]:
    """Document name (file stem) -> incident key."""
    df = kbase.cypher("MATCH (i:Incident) RETURN i.key AS key, i.source_file AS file")
    out: dict[str, str] = {}
    for k, f in zip(df["key"], df["file"], strict=True):
        # DFDS files are "PM2019-009 - Title.md": the labels use the id before " - ".
        out[doc_name(f).split(" - ")[0]] = str(k)
    return out


def org_map(kbase: kb.KnowledgeBase) -> dict[str, str]:
    """Incident key -> organisation (the data folder its document came from): the held-out split."""
    df = kbase.cypher("MATCH (i:Incident) RETURN i.key AS key, i.source_file AS file")
    orgs = {"postmortems-dfds": "dfds", "incident-reports-2i2c": "2i2c", HELD_OUT.name: "moj"}
    return {str(k): orgs.get(Path(str(f)).parent.name, "other") for k, f in zip(df["key"], df["file"], strict=True)}


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 3) if den else None


def similar_recall(kbase: kb.KnowledgeBase, labels: dict[str, Any], keys: dict[str, str]) -> dict[str, Any]:
    from kb.analysis.similarity import SimilarityIndex  # noqa: PLC0415

    index = SimilarityIndex.build(kbase)
    per_member: list[float] = []
    per_group: dict[str, float] = {}
    missing: list[str] = []
    for name, group in labels["groups"].items():
        members = [keys[m] for m in group["members"] if m in keys]
        missing += [m for m in group["members"] if m not in keys]
        scores = []
        for m in members:
            others = set(members) - {m}
            if not others:
                continue
            top = set(index.similar(m, K, earlier_only=False)["similar"])
            scores.append(len(top & others) / min(len(others), K))
        per_member += scores
        per_group[name] = round(sum(scores) / len(scores), 3) if scores else float("nan")
    return {
        "recall_at_5": round(sum(per_member) / len(per_member), 3) if per_member else 0.0,
        "members": len(per_member),
        "per_group": per_group,
        "documents_missing": missing,
    }


def repeat_scores(
    kbase: kb.KnowledgeBase, labels: dict[str, Any], keys: dict[str, str], orgs: dict[str, str]
) -> dict[str, Any]:
    from kb.analysis.repeat_evidence import follow_up_documents  # noqa: PLC0415
    from kb.analysis.repeats import find_repeats  # noqa: PLC0415

    name_of = {v: k for k, v in keys.items()}
    group_of = {keys[m]: g for g, grp in labels["groups"].items() for m in grp["members"] if m in keys}
    truth: dict[str, set[str]] = {}
    for r in labels["repeats"]:
        if r["incident"] in keys:
            earlier = {keys[e] for e in r["earlier"] if e in keys}
            if not earlier:  # earlier report outside the corpus: any earlier member of its group
                g = group_of.get(keys[r["incident"]])
                earlier = {m for m, gg in group_of.items() if gg == g and m != keys[r["incident"]]}
            truth[keys[r["incident"]]] = earlier
    ambiguous = {keys[a] for a in labels.get("ambiguous_repeats", []) if a in keys}
    found = find_repeats(kbase)
    pairs = {(str(a), str(b)) for a, b in zip(found["incident"], found["earlier_incident"], strict=True)}
    flagged = {a for a, _ in pairs} - ambiguous
    right = flagged & set(truth)
    pair_scored = {(a, b) for a, b in pairs if a not in ambiguous}
    right_pairs = {(a, b) for a, b in pair_scored if a in truth and b in truth[a]}
    evidence = []
    if "evidence" in found.columns:
        for row in found.itertuples(index=False):
            evidence.append(
                f"{name_of.get(row.incident, row.incident)} <- "
                f"{name_of.get(row.earlier_incident, row.earlier_incident)}: {row.evidence}"
            )
    per_org: dict[str, str] = {}
    for org in sorted(set(orgs.values())):
        f_o = {a for a in flagged if orgs.get(a) == org}
        t_o = {a for a in truth if orgs.get(a) == org}
        per_org[org] = (
            f"flagged {len(f_o)}, labelled {len(t_o)}: precision {_ratio(len(f_o & t_o), len(f_o))} "
            f"recall {_ratio(len(f_o & t_o), len(t_o))}"
        )
    # Follow-up documents of the same incident: linked as such, never repeats.
    fu = follow_up_documents(kbase)
    fu_found = {(str(a), str(b)) for a, b in zip(fu["document"], fu["same_incident_as"], strict=True)}
    fu_truth = {
        (keys[f["document"]], keys[f["same_incident_as"]])
        for f in labels.get("follow_ups", [])
        if f["document"] in keys and f["same_incident_as"] in keys
    }
    return {
        "per_org": per_org,
        "follow_ups": {
            "found": len(fu_found),
            "labelled": len(fu_truth),
            "precision": _ratio(len(fu_found & fu_truth), len(fu_found)),
            "recall": _ratio(len(fu_found & fu_truth), len(fu_truth)),
            "evidence": [
                f"{name_of.get(a, a)} follows up {name_of.get(b, b)}: {e}"
                for a, b, e in zip(fu["document"], fu["same_incident_as"], fu["evidence"], strict=True)
            ],
        },
        "flagged": len(flagged),
        "labelled": len(truth),
        "precision": round(len(right) / len(flagged), 3) if flagged else None,
        "recall": round(len(right) / len(truth), 3) if truth else None,
        "pair_precision": round(len(right_pairs) / len(pair_scored), 3) if pair_scored else None,
        "false": sorted(name_of.get(a, a) for a in flagged - set(truth)),
        "missed": sorted(name_of.get(a, a) for a in set(truth) - flagged),
        "ambiguous_flagged": sorted(name_of.get(a, a) for a in {a for a, _ in pairs} & ambiguous),
        "evidence": evidence,
    }


def firing_id(doc: str, rule: str, location: str, level: str) -> str:
    return f"{doc} | {rule} | {location} | {level}"


def lint_scores(
    kbase: kb.KnowledgeBase,
    keys: dict[str, str],
    orgs: dict[str, str],
    judged_file: Path = HERE / "lint_judgements.yaml",
) -> dict[str, Any]:
    """Each rule's precision over the judged firings that fire now, by organisation too.

    A judgement applies to a firing by (doc, rule, location, level); one that also records
    `evidence` (the start of the firing's evidence when judged) applies only while the firing
    still says that, so a judgement made on other content is not counted. Later rows win."""
    from kb.lint import lint_graph  # noqa: PLC0415

    name_of = {v: k for k, v in keys.items()}
    judged: dict[str, tuple[bool, str | None]] = {}
    if judged_file.exists():
        for row in yaml.safe_load(judged_file.read_text()) or []:
            fid = firing_id(row["doc"], row["rule"], row["location"], row["level"])
            judged[fid] = (bool(row["right"]), row.get("evidence"))
    report = lint_graph(kbase, None, None, datetime(2026, 11, 29, tzinfo=UTC))
    fired: dict[str, list[str]] = defaultdict(list)
    levels: dict[str, set[str]] = defaultdict(set)
    text: dict[str, str] = {}
    verdict: dict[str, bool] = {}
    org_of: dict[str, str] = {}
    for f in report.findings:
        fid = firing_id(name_of.get(f.incident, f.incident), f.rule, f.location, f.level.value)
        fired[f.rule].append(fid)
        levels[f.rule].add(f.level.value)
        text[fid] = f"{f.message} || {f.evidence[:300]}"
        org_of[fid] = orgs.get(f.incident, "other")
        if fid in judged:
            right, seen = judged[fid]
            if seen is None or " ".join(f.evidence.split()).startswith(" ".join(str(seen).split())):
                verdict[fid] = right
    per_rule: dict[str, Any] = {}
    unjudged: list[str] = []
    to_judge: list[str] = []
    for rule, ids in sorted(fired.items()):
        verdicts = [verdict[i] for i in ids if i in verdict]
        unjudged += [i for i in ids if i not in verdict]
        # The next sample: the first SAMPLE not yet judged firings of each rule in a fixed (sha1) order.
        order = sorted(ids, key=lambda i: hashlib.sha1(i.encode()).hexdigest())
        to_judge += [f"{i}\n          {text[i]}" for i in [i for i in order if i not in verdict][:SAMPLE]]
        by_org = {}
        for org in sorted({org_of[i] for i in ids}):
            v = [verdict[i] for i in ids if i in verdict and org_of[i] == org]
            by_org[org] = f"{sum(v)}/{len(v)}"
        per_rule[rule] = {
            "fired": len(ids),
            "judged": len(verdicts),
            "levels": sorted(levels[rule]),
            "precision": round(sum(verdicts) / len(verdicts), 3) if verdicts else None,
            "right_by_org": by_org,
        }
    incidents = {f.incident for f in report.findings}
    return {
        "firings": len(report.findings),
        "errors": report.errors,
        "incidents_with_firings": len(incidents),
        "incidents": len(report.incidents),
        "per_rule": per_rule,
        "rules_unjudged": sorted(r for r, v in per_rule.items() if not v["judged"]),
        "rules_below_floor": sorted(
            r
            for r, v in per_rule.items()
            if v["precision"] is not None and v["precision"] < FLOORS["lint_rule_precision"]
        ),
        "unjudged": unjudged,
        "sample_unjudged": to_judge,
    }


def _quiet(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 (the evaluation reports a crash as a figure)
        return f"CRASH {type(exc).__name__}: {exc}"


def other_commands(kbase: kb.KnowledgeBase) -> dict[str, Any]:
    from kb.analysis.clusters import find_clusters  # noqa: PLC0415
    from kb.analysis.hotspots import hotspots  # noqa: PLC0415
    from kb.analysis.metrics import loop_metrics  # noqa: PLC0415
    from kb.analysis.subject_kinds import SUBJECT_KINDS  # noqa: PLC0415
    from kb.analysis.themes import suggest_themes  # noqa: PLC0415

    out: dict[str, Any] = {}
    cl = _quiet(find_clusters, kbase, min_together=2)
    out["clusters(min_support 2)"] = cl if isinstance(cl, str) else len(cl.clusters)
    hs = _quiet(hotspots, kbase, list(SUBJECT_KINDS))
    out["hotspots"] = hs if isinstance(hs, str) else len(hs)
    if not isinstance(hs, str) and len(hs):
        out["hotspots top"] = [
            f"{r.kind}:{r.subject} {r.incidents} inc, last major {r.last_major}/{r.of_last_major}"
            for r in hs.head(5).itertuples()
        ]
    sg = _quiet(suggest_themes, kbase)
    if isinstance(sg, str):
        out["themes suggest"] = sg
    else:
        out["themes suggest"] = len(sg)
        if "confidence" in sg.columns and len(sg):
            out["themes suggest >= 0.3"] = int((sg["confidence"] >= 0.3).sum())
    mt = _quiet(loop_metrics, kbase)
    out["metrics"] = mt if isinstance(mt, str) else f"{len(mt)} rows"
    try:
        from kb.lint.audit import audit  # noqa: PLC0415
    except ImportError:
        out["audit"] = "no kb audit"
    else:
        au = _quiet(audit, kbase)
        out["audit"] = au if isinstance(au, str) else au.headline()
    sev = kbase.cypher("MATCH (i:Incident) RETURN i.severity AS s")["s"]
    out["severity known"] = f"{int(sev.notna().sum())} of {len(sev)}"
    ent = kbase.cypher("MATCH (i:Incident)-[:AFFECTED]->(s:Service) RETURN count(*) AS c")["c"].iloc[0]
    out["AFFECTED links"] = int(ent)
    return out


def evaluate(kbase: kb.KnowledgeBase, labels: dict[str, Any], judged_file: Path) -> dict[str, Any]:
    keys = key_map(kbase)
    orgs = org_map(kbase)
    return {
        "documents": len(keys),
        "similar": similar_recall(kbase, labels, keys),
        "repeats": repeat_scores(kbase, labels, keys, orgs),
        "lint": lint_scores(kbase, keys, orgs, judged_file),
        "commands": other_commands(kbase),
    }


def print_figures(result: dict[str, Any], show_unjudged: int) -> None:
    s, r, lint = result["similar"], result["repeats"], result["lint"]
    print(
        f"kb similar  recall@5 {s['recall_at_5']:.3f} over {s['members']} group members (floor {FLOORS['recall_at_5']})"
    )
    for g, v in s["per_group"].items():
        print(f"    {g:28} {v}")
    if s["documents_missing"]:
        print(f"    labelled documents not imported: {', '.join(s['documents_missing'])}")
    print(
        f"kb repeats  flagged {r['flagged']} of {r['labelled']} labelled: precision {r['precision']} "
        f"recall {r['recall']}; pairs precision {r['pair_precision']} (floor {FLOORS['repeat_precision']})"
    )
    for org, v in r["per_org"].items():
        print(f"    {org:6} {v}")
    for label in ("false", "missed", "ambiguous_flagged"):
        if r[label]:
            print(f"    {label}: {', '.join(r[label])}")
    for e in r["evidence"]:
        print(f"    {e}")
    fu = r["follow_ups"]
    print(
        f"follow-ups (same incident, not repeats): {fu['found']} found of {fu['labelled']} labelled: "
        f"precision {fu['precision']} recall {fu['recall']}"
    )
    for e in fu["evidence"]:
        print(f"    {e}")
    print(
        f"kb check --all: {lint['firings']} firings ({lint['errors']} errors) on "
        f"{lint['incidents_with_firings']} of {lint['incidents']} incidents"
    )
    for rule, v in lint["per_rule"].items():
        precision = "UNJUDGED" if v["precision"] is None else f"precision {v['precision']:.3f}"
        by_org = ", ".join(f"{o} {x}" for o, x in v["right_by_org"].items())
        print(
            f"    {rule:26} fired {v['fired']:3}  judged {v['judged']:3}  {precision:16} "
            f"{'/'.join(v['levels']):13} right by org: {by_org}"
        )
    if lint["rules_unjudged"]:
        print(f"    rules that fire with no judgement: {', '.join(lint['rules_unjudged'])}")
    if lint["rules_below_floor"]:
        print(f"    rules under the floor {FLOORS['lint_rule_precision']}: {', '.join(lint['rules_below_floor'])}")
    print(
        f"    unjudged firings: {len(lint['unjudged'])}; next sample to judge ({SAMPLE} per rule): "
        f"{len(lint['sample_unjudged'])}"
    )
    for u in lint["sample_unjudged"][:show_unjudged]:
        print(f"      - {u}")
    for name, value in result["commands"].items():
        print(f"{name}: {value}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    if not (ROOT.parent / "shared" / "data").exists():
        ap.set_defaults(data=Path("/work/shared/data"))
    ap.add_argument("--keep", type=Path, help="Work in this folder (kept) instead of a temporary one.")
    ap.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    ap.add_argument(
        "--show-unjudged",
        type=int,
        default=0,
        help="List up to N lint firings of the judged sample that have no judgement yet.",
    )
    args = ap.parse_args()
    labels = yaml.safe_load((HERE / "labels.yaml").read_text())
    labels_moj = yaml.safe_load((HERE / "labels_moj.yaml").read_text())
    with tempfile.TemporaryDirectory(prefix="kb-real-eval-") as tmp:
        work = args.keep or Path(tmp)
        if args.keep and (work / "db").exists():
            raise SystemExit(f"{work}/db exists: give an empty --keep folder")
        db = import_corpus(args.data, work)
        with kb.connect(db=db) as kbase:
            result = evaluate(kbase, labels, HERE / "lint_judgements.yaml")
        db_moj, imported = import_held_out(work)
        with kb.connect(db=db_moj) as kbase:
            result["moj"] = {"import": imported, **evaluate(kbase, labels_moj, HERE / "lint_judgements_moj.yaml")}
    if args.json:
        print(json.dumps(result, indent=2, default=str))
        return
    print(f"real corpus: {result['documents']} incidents imported")
    print_figures(result, args.show_unjudged)
    moj = result["moj"]
    print()
    print(
        f"HELD-OUT organisation MoJ (Ministry of Justice Cloud Platform incident log; labelled before any "
        f"analysis ran, never tuned on), its own knowledge base: {moj['documents']} incidents from "
        f"{moj['import']['files']} files (import status {moj['import']['status']})"
    )
    for line in moj["import"]["not_imported"]:
        print(f"    not imported: {line}")
    print_figures(moj, args.show_unjudged)


if __name__ == "__main__":
    main()
