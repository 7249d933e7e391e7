"""A reading process (kb.graph.parallel_read with Ladybug's packer) packs rows without loading pandas
(~0.4 CPU s and ~50 MB in each reader): pyarrow would import it at its first array only to ask whether
a value is a pandas object. A pandas conversion asked for later in that process still works."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHECK = """
import sys
from datetime import UTC, datetime
from kb.engines import arrow_rows
from kb.model.schema import PropKind
arrow_rows.load()
assert "pandas" not in sys.modules, "load() imported pandas"
kinds = {"text": PropKind.STRING, "at": PropKind.TIMESTAMP, "tags": PropKind.STRING_LIST}
at = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
rows = [{"text": "a", "at": at, "tags": ["x"]}, {"text": None, "at": None, "tags": []}]
table = arrow_rows.from_bytes(arrow_rows.to_bytes(arrow_rows.pack(rows, kinds)))
assert "pandas" not in sys.modules, "packing imported pandas"
assert arrow_rows.unpack(table) == [{**rows[0], "at": at.replace(tzinfo=None)}, rows[1]]
frame = table.to_pandas()  # asked for: pandas loads
assert "pandas" in sys.modules and list(frame["text"])[0] == "a"
print("ok")
"""


def test_a_reading_process_packs_without_pandas() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
