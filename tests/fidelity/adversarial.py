"""1 MB adversarial inputs for the importers: the shapes that made regexes and parsers
super-linear (a long line of spaces, thousands of "[" or "#", unclosed emphasis and links,
huge tables), inside an otherwise valid post-mortem so every stage of the import runs."""

from __future__ import annotations

from tests.pdf_pages import pdf_file

SIZE = 1_000_000
_HEAD = (
    "# Adversarial\n\n## Summary\n\nOn 2024-01-01 something broke.\n\n## Timeline\n\n| Time | Event |\n| --- | --- |\n"
)
_PATTERNS = (
    "x" + " " * 16_000 + "x\n\n",
    "[" * 16_000 + "\n\n",
    "#" * 16_000 + "\n\n",
    "*a" * 8_000 + "\n\n",
    "[a](" * 4_000 + "\n\n",
    "<" * 16_000 + "\n\n",
    "| 2024-01-01 12:00 | " + "~" * 16_000 + " |\n",
    "- 12:00 " + "1:1 " * 4_000 + "\n",
    "**" * 8_000 + "\n\n",
    "`" * 16_000 + "\n\n",
    "&amp;" * 3_000 + "\n\n",
    "Time: " + "times in " * 2_000 + "\n\n",
    "https://" + "a/" * 8_000 + "\n\n",
    "(" * 16_000 + "\n\n",
    "12:" * 5_000 + "\n\n",
    "- [ ] " + "#1" * 8_000 + "\n\n",
)


_CONTENT = "\n12:05 AM Engineers restarted the database pods again.\n\n"


def markdown(size: int = SIZE) -> str:
    parts = [_HEAD]
    total = len(_HEAD)
    i = 0
    while total < size:
        chunk = _PATTERNS[i % len(_PATTERNS)] + _CONTENT
        parts.append(chunk)
        total += len(chunk)
        i += 1
    parts.append("\n## Action Items\n\n- Fix it\n")
    return "".join(parts)


def pdf(size: int = SIZE) -> bytes:
    """A valid PDF whose page text is `size` bytes of the same adversarial lines."""
    lines = [line for chunk in _PATTERNS for line in (chunk + _CONTENT).split("\n") if line][:64]
    ops = [
        "BT /F1 10 Tf 12 TL 20 800 Td",
        "(OWNER OF REVIEW PROCESS) Tj T*",
        "(Someone) Tj T*",
        "(IMPACT TIME) Tj T*",
        "(Jan 1 at 10:00 to Jan 1 at 11:00) Tj T*",
        "(Adversarial) Tj T*",
        "(Status: Draft) Tj T*",
        "(Overview) Tj T*",
        "(Something broke.) Tj T*",
        "(Timeline) Tj T*",
        "(Jan 1, 2024) Tj T*",
    ]
    total = 0
    i = 0
    while total < size:
        text = lines[i % len(lines)].replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({text}) Tj T*")
        total += len(text)
        i += 1
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")  # uncompressed: the file itself is `size` bytes
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return pdf_file(objects)
