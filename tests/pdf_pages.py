"""Small text PDFs built in the test: pages of lines, as a word processor's export has them."""

from __future__ import annotations


def _escaped(line: str) -> str:
    # "ﬁ" is glyph 0xAE of the standard encoding: a typeset ligature, as exporters write them
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").replace("\ufb01", "\\256")


# The font's ToUnicode map says glyph 0xAE is U+FB01, as Chromium's and Word's embedded fonts do.
_LIGATURE_CMAP = (
    b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Lig def "
    b"1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfchar <AE> <FB01> endbfchar "
    b"endcmap CMapName currentdict /CMap defineresource pop end end"
)


def text_pdf(pages: list[list[str]]) -> bytes:
    """A valid PDF with one page per list of lines (Helvetica, 10 pt, top to bottom)."""
    count = len(pages)
    kids = " ".join(f"{3 + 2 * n} 0 R" for n in range(count))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode()]
    font = 3 + 2 * count
    for n, lines in enumerate(pages):
        ops = ["BT /F1 10 Tf 12 TL 40 800 Td", *(f"({_escaped(line)}) Tj T*" for line in lines), "ET"]
        stream = "\n".join(ops).encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Contents {4 + 2 * n} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream")
    objects.append(
        f"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /StandardEncoding "
        f"/ToUnicode {font + 1} 0 R >>".encode()
    )
    cmap = _LIGATURE_CMAP
    objects.append(b"<< /Length " + str(len(cmap)).encode() + b" >>\nstream\n" + cmap + b"\nendstream")
    return pdf_file(objects)


def pdf_file(objects: list[bytes]) -> bytes:
    """A PDF of these objects (numbered from 1; the first the catalog) with its cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
