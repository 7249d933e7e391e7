"""Non-PagerDuty PDFs of real post-mortems, and how far `kb import pdf` agrees with the markdown
import of the same document.

    PYTHONPATH=. python bench/pdf_exports.py [--out ../pdf-data] [--make] [--report FILE]

Each markdown post-mortem (the tuned DFDS and 2i2c documents, the held-out tests/data/heldout)
is rendered to HTML (markdown_it) and printed to PDF by headless Chromium in three styles a
real export has:

- gdocs: a Google-Docs-like page: a title paragraph, numbered headings ("2. Timeline"),
  sub-headings as bold paragraphs, a timeline list as a Time | Event table, no page furniture;
- confluence: a wiki export: a breadcrumb and the title at the top of every page, "Page 2 of 5"
  and the export date at the bottom, the document's metadata as a table;
- browser: printed from a browser with Chromium's own header and footer (the date and the page
  title at the top, the file URL and "2/5" at the bottom), headings as written.

Then every PDF is imported with the PDF importer and its markdown with the markdown importer
(the reference), and the packets are compared field by field: per field, the documents that
agree, out of all.
"""

from __future__ import annotations

import argparse
import html
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.markdown import import_file  # noqa: E402
from kb.model import EventPacket  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" if (ROOT.parent / "shared").is_dir() else Path("/work/shared/data")
STYLES = ("gdocs", "confluence", "browser")
CHROMIUM = "/usr/bin/chromium"
_SKIP = ("readme", "license", "notice", "template")


def sources() -> list[Path]:
    """The markdown post-mortems with a markdown import to compare against."""
    found = sorted((SHARED / "postmortems-dfds").glob("*.md"))
    found += sorted((SHARED / "incident-reports-2i2c").glob("*.md"))
    found += sorted(p for p in (ROOT / "tests" / "data" / "heldout").rglob("*") if p.suffix in (".md", ".qmd"))
    return [p for p in found if not any(s in p.name.lower() for s in _SKIP)]


# -- rendering ---------------------------------------------------------------------------------


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    m = re.match(r"---\n(.*?)\n---\n", text, re.DOTALL)
    if not m:
        return {}, text
    try:
        meta = yaml.safe_load(m.group(1))
    except yaml.YAMLError:
        return {}, text
    return (meta if isinstance(meta, dict) else {}), text[m.end() :]


def _markdown_html(body: str) -> str:
    from markdown_it import MarkdownIt

    return str(MarkdownIt("commonmark").enable("table").render(body))


_TIME_ITEM = re.compile(
    r"<li>(?:<p>)?(?:<strong>)?((?:[^<:]{0,30}?)\d{1,2}:\d{2}(?:\s?[AaPp][Mm])?(?:\s?[A-Z]{2,4})?)(?:</strong>)?"
    r"\s*(?:[-–—:|]\s*)?(.*?)(?:</p>)?</li>",
    re.DOTALL,
)


def _timeline_tables(page: str) -> str:
    """In a section titled Timeline, a list whose items all start with a time becomes a table."""

    def table(m: re.Match[str]) -> str:
        items = re.findall(r"<li>.*?</li>", m.group(0), re.DOTALL)
        rows = [_TIME_ITEM.fullmatch(i) for i in items]
        if not rows or any(r is None for r in rows):
            return m.group(0)
        cells = "".join(f"<tr><td>{r.group(1).strip()}</td><td>{r.group(2).strip()}</td></tr>" for r in rows if r)
        return f"<table><tr><th>Time</th><th>Event</th></tr>{cells}</table>"

    parts = re.split(r"(<h[1-6]>.*?</h[1-6]>)", page)
    for i in range(2, len(parts), 2):
        if "timeline" in parts[i - 1].lower():
            parts[i] = re.sub(r"<ul>(?:(?!<ul>).)*?</ul>", table, parts[i], flags=re.DOTALL)
    return "".join(parts)


def _numbered_headings(page: str) -> str:
    """h2 -> "1. Summary"; h3 and below set in bold as a paragraph (Google Docs habits)."""
    counter = [0]

    def number(m: re.Match[str]) -> str:
        level, text = int(m.group(1)), m.group(2)
        if level == 2:
            counter[0] += 1
            return f"<h2>{counter[0]}. {text}</h2>"
        return f"<p><b>{text}</b></p>"

    return re.sub(r"<h([2-6])>(.*?)</h\1>", number, page)


_CSS = {
    "gdocs": "body{font-family:Arial,sans-serif;font-size:11pt;line-height:1.15;margin:0}"
    ".title{font-size:26pt} h2{font-size:16pt;font-weight:normal} table{border-collapse:collapse}"
    "td,th{border:1px solid #000;padding:4px;vertical-align:top} @page{margin:1in}",
    "confluence": "body{font-family:'Helvetica Neue',Helvetica,sans-serif;font-size:10pt;margin:0}"
    "h1{font-size:20pt} table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:3px}"
    "@page{margin:22mm 15mm;"
    "@top-left{content:'Engineering / Incident reviews';font-size:8pt;color:#555}"
    "@top-right{content:string(doctitle);font-size:8pt;color:#555}"
    "@bottom-left{content:'Exported on 03/12/2026';font-size:8pt}"
    "@bottom-right{content:'Page ' counter(page) ' of ' counter(pages);font-size:8pt}}"
    "h1{string-set:doctitle content()}",
    "browser": "body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;font-size:11pt}"
    "table{border-collapse:collapse} td,th{border:1px solid #d0d7de;padding:6px 13px}",
}


def render(source: Path, style: str) -> str:
    meta, body = _front_matter(source.read_text(encoding="utf-8-sig"))
    page = _markdown_html(body)
    head = ""
    title = str(meta.get("title") or "")
    if title:
        head += f"<h1>{html.escape(title)}</h1>"
    dated = [(k.capitalize(), meta[k]) for k in ("date", "author", "authors") if meta.get(k)]
    if style == "confluence":
        first_h1 = re.search(r"<h1>(.*?)</h1>", head + page, re.DOTALL)
        shown = re.sub(r"<[^>]+>", "", first_h1.group(1)) if first_h1 else source.stem
        title = title or shown
        if dated:
            rows = "".join(f"<tr><th>{k}</th><td>{html.escape(str(v))}</td></tr>" for k, v in dated)
            head += f"<table>{rows}</table>"
        head += "<p>Created by Incident Review Bot, last modified on Mar 03, 2026</p>"
        if not head.startswith("<h1>"):  # the page title comes first, then its metadata
            page = re.sub(r"<h1>.*?</h1>", "", page, count=1, flags=re.DOTALL)
            head = f"<h1>{html.escape(shown)}</h1>" + head
    else:
        head += "".join(f"<p>{k}: {html.escape(str(v))}</p>" for k, v in dated)
    page = head + page
    if style == "gdocs":
        page = _numbered_headings(_timeline_tables(page))
        page = re.sub(r"<h1>(.*?)</h1>", r'<p class="title">\1</p>', page, count=1, flags=re.DOTALL)
    doc_title = html.escape(title or source.stem)
    head_html = f'<meta charset="utf-8"><title>{doc_title}</title><style>{_CSS[style]}</style>'
    return f"<!doctype html><html><head>{head_html}</head><body>{page}</body></html>"


def print_pdf(page: str, out: Path, style: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / (out.stem + ".html")
        src.write_text(page, encoding="utf-8")
        furniture = [] if style == "browser" else ["--no-pdf-header-footer"]
        subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", *furniture, f"--print-to-pdf={out}"]
            + [src.as_uri()],
            check=True,
            capture_output=True,
            timeout=120,
        )


def _pdf_name(source: Path, style: str) -> str:
    return f"{source.parent.name}--{source.stem}.pdf"


def make(out: Path, jobs: int = 2) -> None:
    tasks = [(s, st) for st in STYLES for s in sources()]
    for st in STYLES:
        (out / st).mkdir(parents=True, exist_ok=True)

    def one(task: tuple[Path, str]) -> None:
        source, style = task
        print_pdf(render(source, style), out / style / _pdf_name(source, style), style)

    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(one, tasks))


# -- comparing ----------------------------------------------------------------------------------


def _norm(text: str | None) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", (text or "").lower()).split())


def _analysis(p: EventPacket, what: str) -> list[str]:
    return sorted(_norm(getattr(x, "statement", "")) for a in p.analyses for x in getattr(a, what))


FIELDS: dict[str, Callable[[EventPacket], Any]] = {
    "title": lambda p: _norm(p.incident.title),
    "started_at": lambda p: p.incident.started_at,
    "detected_at": lambda p: p.incident.detected_at,
    "mitigated_at": lambda p: p.incident.mitigated_at,
    "resolved_at": lambda p: p.incident.resolved_at,
    "timeline rows (count)": lambda p: len(p.timeline),
    "timeline (times, kinds)": lambda p: [(e.at, e.kind) for e in p.timeline],
    "timeline (text)": lambda p: [_norm(e.text) for e in p.timeline],
    "factors": lambda p: _analysis(p, "factors"),
    "findings/actions": lambda p: _analysis(p, "findings"),
    "work items (count)": lambda p: sum(len(f.work_items) for a in p.analyses for f in a.findings),
    "summary": lambda p: _norm(p.incident.summary),
}


def compare(out: Path) -> tuple[dict[str, dict[str, int]], dict[str, list[str]], int]:
    """Per style, per field, the documents whose PDF import agrees with the markdown import."""
    agree: dict[str, dict[str, int]] = {st: dict.fromkeys(FIELDS, 0) for st in STYLES}
    misses: dict[str, list[str]] = {st: [] for st in STYLES}
    total = 0
    for source in sources():
        reference = import_file(source).packet
        if reference is None:
            continue
        total += 1
        for style in STYLES:
            got = import_file(out / style / _pdf_name(source, style)).packet
            wrong = [f for f, read in FIELDS.items() if got is None or read(got) != read(reference)]
            for f in FIELDS:
                agree[style][f] += f not in wrong
            if wrong:
                misses[style].append(f"{source.parent.name}/{source.name}: {', '.join(wrong)}")
    return agree, misses, total


def table(agree: dict[str, dict[str, int]], total: int) -> Iterator[str]:
    yield "| field | " + " | ".join(STYLES) + " | all |"
    yield "| --- |" + " --- |" * (len(STYLES) + 1)
    for f in FIELDS:
        cells = [f"{agree[st][f]}/{total}" for st in STYLES]
        yield f"| {f} | " + " | ".join(cells) + f" | {sum(agree[st][f] for st in STYLES)}/{total * len(STYLES)} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT.parent / "pdf-data", help="where the PDFs are written")
    parser.add_argument("--make", action="store_true", help="render the PDFs first (Chromium)")
    parser.add_argument("--report", type=Path, help="also write the table and the misses to this markdown file")
    args = parser.parse_args()
    if args.make:
        make(args.out)
    agree, misses, total = compare(args.out)
    lines = list(table(agree, total))
    lines += ["", "Documents with a field that disagrees:"]
    for style in STYLES:
        lines += ["", f"{style}:"] + [f"- {m}" for m in misses[style]]
    print("\n".join(lines))
    if args.report:
        args.report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
