"""Writing figures: interactive HTML always; PNG and SVG through kaleido when a Chrome/Chromium is here.

kaleido 1.x drives a headless Chrome/Chromium that it does not ship. We look for one
(BROWSER_PATH, then the usual names on PATH, e.g. Debian's `chromium` package) and
point kaleido at it; when there is none, static export raises `NoBrowser` with a
message that says how to get one, and callers still have the HTML.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

from kb.charts.palette import SLIDE_SCALE

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
NO_BROWSER_MESSAGE = (
    "PNG and SVG export needs Chrome or Chromium for kaleido, and none was found. "
    "On Debian/Ubuntu: `sudo apt-get install chromium` (scripts/bootstrap does this when run as root); "
    "elsewhere install Chrome/Chromium, or set BROWSER_PATH to its executable. "
    "The HTML charts and the markdown summary were written all the same."
)


class NoBrowser(RuntimeError):
    pass


def find_browser() -> str | None:
    """The Chrome/Chromium kaleido will use: $BROWSER_PATH if it is executable, else the first on PATH."""
    env = os.environ.get("BROWSER_PATH")
    if env:
        return env if os.access(env, os.X_OK) else None
    for name in BROWSER_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def figure_size(fig: go.Figure) -> tuple[int, int]:
    """The figure's own layout size (kaleido's batch writer would otherwise use 700 x 500)."""
    return int(fig.layout.width or 1100), int(fig.layout.height or 600)


def write_html(fig: go.Figure, path: Path) -> Path:
    """A standalone page; plotly.min.js is written once beside it, so the pages work offline."""
    fig.write_html(
        path, include_plotlyjs="directory", full_html=True, config={"displaylogo": False, "responsive": True}
    )
    return path


def write_static(
    figures: Mapping[str, go.Figure],
    directory: Path,
    formats: Sequence[str] = ("png", "svg"),
    scale: float = SLIDE_SCALE,
) -> list[Path]:
    """NAME.png / NAME.svg for every figure in one kaleido session (one browser start for all).

    `scale` multiplies the figure's own size in the PNG (2: a 1280 x 720 chart is 2560 x 1440
    pixels, sharp on a slide); an SVG keeps the logical size.
    """
    browser = find_browser()
    if browser is None:
        raise NoBrowser(NO_BROWSER_MESSAGE)
    os.environ["BROWSER_PATH"] = browser  # kaleido (choreographer) reads it
    figs: list[go.Figure] = []
    paths: list[Path] = []
    widths: list[int] = []
    heights: list[int] = []
    for name, fig in figures.items():
        for fmt in formats:
            w, h = figure_size(fig)
            figs.append(fig)
            paths.append(directory / f"{name}.{fmt}")
            widths.append(w)
            heights.append(h)
    if figs:
        pio.write_images(figs, paths, width=widths, height=heights, scale=scale)
    return paths


def print_pdf(page: Path, pdf: Path, *, timeout: float = 120.0) -> Path:
    """The page printed by headless Chrome/Chromium (the page's @page rule sets a 16:9-ish sheet)."""
    browser = find_browser()
    if browser is None:
        raise NoBrowser(NO_BROWSER_MESSAGE.replace("PNG and SVG export", "PDF export"))
    args = [
        browser,
        "--headless",
        "--disable-gpu",
        "--no-pdf-header-footer",
        "--virtual-time-budget=15000",
        f"--print-to-pdf={pdf}",
        page.resolve().as_uri(),
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0 or not pdf.is_file():
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"{browser} did not print {page} to PDF: " + " | ".join(tail))
    return pdf
