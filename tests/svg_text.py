"""Text boxes of an SVG written by plotly/kaleido, estimated without a layout engine.

There is no font rasteriser here, so a text's extent is an ESTIMATE: its width is the sum
of per-glyph advance widths approximating Helvetica/Arial (the house font falls back to
them: narrow glyphs like "i" or "." ~0.28 em, digits ~0.56 em, capitals ~0.67 em, "m"/"w"
~0.83 em, bold +8 %), its height runs from 0.75 em above the baseline to 0.22 em below.
Multi-line texts (plotly's <tspan class="line">) take each line's own y + dy; `dy` shifts apply. Translations of
enclosing groups are applied; a rotation (axis titles) rotates the box about its centre of
rotation. Checks built on this can miss an overlap of a few pixels or flag one that a
real font would not have; their tolerances (a couple of pixels) absorb most of that.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

SVG = "{http://www.w3.org/2000/svg}"
NARROW = set("ijlftI.,:;'!|()[] ")
WIDE = set("mwMW@%")
TRANSLATE = re.compile(r"translate\(\s*([-\d.e]+)[ ,]*([-\d.e]*)\s*\)")
ROTATE = re.compile(r"rotate\(\s*([-\d.e]+)(?:[ ,]+([-\d.e]+)[ ,]+([-\d.e]+))?\s*\)")
FONT_SIZE = re.compile(r"font-size:\s*([\d.]+)px")


@dataclass(frozen=True)
class TextBox:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    element: int  # which <text> element the line belongs to

    def overlap(self, other: TextBox) -> tuple[float, float]:
        return (min(self.x1, other.x1) - max(self.x0, other.x0), min(self.y1, other.y1) - max(self.y0, other.y0))


def glyph_em(ch: str) -> float:
    if ch in NARROW:
        return 0.28
    if ch in WIDE:
        return 0.83
    if ch.isdigit():
        return 0.56
    if ch.isupper():
        return 0.67
    if ord(ch) > 0x2000:  # arrows, ×, …, ■: roughly a capital
        return 0.75
    return 0.5


def text_width(text: str, size: float, bold: bool = False) -> float:
    return sum(glyph_em(c) for c in text) * size * (1.08 if bold else 1.0)


def _size(el: ET.Element, inherited: float) -> float:
    m = FONT_SIZE.search(el.get("style", ""))
    return float(m.group(1)) if m else inherited


def _translate(el: ET.Element) -> tuple[float, float]:
    tx = ty = 0.0
    for m in TRANSLATE.finditer(el.get("transform", "")):
        tx += float(m.group(1))
        ty += float(m.group(2) or 0)
    return tx, ty


def _hidden(el: ET.Element) -> bool:
    style = el.get("style", "")
    return "opacity: 0;" in style.replace("fill-opacity: 0;", "") or "display: none" in style


def text_boxes(svg: Path) -> tuple[float, float, list[TextBox]]:
    """(width, height, every visible line of text as a box) in the SVG's own (viewBox) units."""
    root = ET.parse(svg).getroot()
    view = root.get("viewBox")
    width, height = (
        (float(v) for v in view.split()[2:]) if view else (float(root.get("width", 0)), float(root.get("height", 0)))
    )
    boxes: list[TextBox] = []
    count = 0

    def walk(el: ET.Element, dx: float, dy: float, size: float) -> None:
        nonlocal count
        if _hidden(el):
            return
        tx, ty = _translate(el)
        dx, dy = dx + tx, dy + ty
        size = _size(el, size)
        if el.tag == f"{SVG}text":
            count += 1
            boxes.extend(_text(el, dx, dy, size, count))
            return
        for child in el:
            walk(child, dx, dy, size)

    walk(root, 0.0, 0.0, 12.0)
    return width, height, boxes


def _shift(value: str | None, size: float) -> float:
    """An SVG dy: "0.7em" or "12" / "12px"."""
    if not value:
        return 0.0
    value = value.strip()
    return float(value[:-2]) * size if value.endswith("em") else float(value.removesuffix("px"))


def _text(el: ET.Element, dx: float, dy: float, size: float, index: int) -> list[TextBox]:
    x = float(el.get("x", 0) or 0)
    y = float(el.get("y", 0) or 0) + _shift(el.get("dy"), size)
    anchor = el.get("text-anchor", "start")
    bold = "font-weight: bold" in el.get("style", "")
    lines = [t for t in el if t.tag == f"{SVG}tspan" and "line" in (t.get("class") or "")]
    texts: list[tuple[str, float, float, bool]] = []
    if lines:
        for i, t in enumerate(lines):
            lx = float(t.get("x", x) or x)
            # a line's y is its own y plus its dy (plotly: 0em, 1.3em, 2.6em ... from the same y)
            own_y = t.get("y")
            ly = float(own_y) + _shift(t.get("dy"), size) if own_y else y + i * 1.3 * size
            texts.append(
                (
                    "".join(t.itertext()),
                    lx,
                    ly,
                    bold or any(b.tag == f"{SVG}tspan" and "bold" in b.get("style", "") for b in t.iter()),
                )
            )
    else:
        texts.append(
            (
                "".join(el.itertext()),
                x,
                y,
                bold or "font-weight: bold" in "".join(b.get("style", "") for b in el.iter()),
            )
        )
    rot = ROTATE.search(el.get("transform", ""))
    out = []
    for text, lx, ly, b in texts:
        text = text.strip()
        if not text:
            continue
        w = text_width(text, size, b)
        x0 = lx - (w / 2 if anchor == "middle" else w if anchor == "end" else 0)
        corners = [(x0, ly - 0.75 * size), (x0 + w, ly + 0.22 * size)]
        if rot and float(rot.group(1)) % 360:
            a = math.radians(float(rot.group(1)))
            cx, cy = float(rot.group(2) or 0), float(rot.group(3) or 0)
            pts = [(px, py) for px in (corners[0][0], corners[1][0]) for py in (corners[0][1], corners[1][1])]
            rp = [
                (
                    cx + (px - cx) * math.cos(a) - (py - cy) * math.sin(a),
                    cy + (px - cx) * math.sin(a) + (py - cy) * math.cos(a),
                )
                for px, py in pts
            ]
            corners = [(min(p[0] for p in rp), min(p[1] for p in rp)), (max(p[0] for p in rp), max(p[1] for p in rp))]
        out.append(TextBox(text, corners[0][0] + dx, corners[0][1] + dy, corners[1][0] + dx, corners[1][1] + dy, index))
    return out


def problems(svg: Path, tolerance: float = 2.0) -> list[str]:
    """Every line of text that leaves the figure, and every pair of text lines that overlap."""
    width, height, boxes = text_boxes(svg)
    found = []
    for b in boxes:
        if b.x0 < -tolerance or b.y0 < -tolerance or b.x1 > width + tolerance or b.y1 > height + tolerance:
            found.append(
                f"{svg.name}: {b.text!r} leaves the {width:.0f}x{height:.0f} figure "
                f"({b.x0:.0f},{b.y0:.0f})-({b.x1:.0f},{b.y1:.0f})"
            )
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if a.element == b.element:
                continue
            ox, oy = a.overlap(b)
            if ox > tolerance and oy > tolerance:
                found.append(f"{svg.name}: {a.text!r} overlaps {b.text!r} by {ox:.0f}x{oy:.0f} px")
    return found
