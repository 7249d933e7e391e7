"""`kb import pagerduty --merge-into DIR` keeps the user's hand-written packet: only what it adds changes."""

from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from kb.cli import app
from kb.packets import read_packet

from .conftest import ROOT

runner = CliRunner()
HAND = ROOT / "tests" / "fixtures" / "handwritten" / "INC-2024-017.yaml"
PD = ROOT / "tests" / "fixtures" / "pagerduty" / "incident-PXYZ123.json"


def test_merge_into_a_handwritten_packet_changes_only_what_it_adds(tmp_path: Path) -> None:
    folder = tmp_path / "packets"
    folder.mkdir()
    target = folder / HAND.name
    shutil.copy(HAND, target)
    before_text, before = HAND.read_text(encoding="utf-8"), read_packet(HAND)
    result = runner.invoke(
        app, ["import", "pagerduty", str(PD), "--merge-into", str(folder), "--as", "INC-2024-017", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert row["action"] == "merged" and row["added_events"] > 0
    after_text = target.read_text(encoding="utf-8")
    diff = list(difflib.ndiff(before_text.splitlines(), after_text.splitlines()))
    removed = [line[2:] for line in diff if line.startswith("- ")]
    added = [line[2:] for line in diff if line.startswith("+ ")]
    # A changed line may only be a flow list the merge appended to: the old items stay as written.
    rewritten = [old for old in removed if not any(new.startswith(old.rstrip("]")) for new in added)]
    assert rewritten == [], "the merge rewrote lines it did not add to:\n" + "\n".join(rewritten)
    assert removed == ["  notes: [written after the review meeting]"]
    # The user's forms survive: comments, flow lists, offsets, the severity label, folded text.
    for kept in (
        "# Checkout API errors",
        "severity: SEV2            # our scale",
        "services: [checkout-api, payments-gateway",
        "started_at: 2024-03-04T14:02:00-08:00",
        "customer_impact: >",
        '  - {at: 2024-03-04T14:09:00-08:00, kind: detection, text: "Alert: checkout error rate above 5%"}',
    ):
        assert kept in after_text, kept
    after = read_packet(target)
    assert len(after.timeline) == len(before.timeline) + row["added_events"]
    assert "pagerduty:PXYZ123" in after.incident.tags
    assert after.incident.acknowledged_at is not None and before.incident.acknowledged_at is None
    assert after.incident.started_at == before.incident.started_at and after.incident.severity == 2
    # Merging again adds nothing and leaves the file byte for byte.
    again = runner.invoke(app, ["import", "pagerduty", str(PD), "--merge-into", str(folder), "--format", "json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)[0]["added_events"] == 0
    assert target.read_text(encoding="utf-8") == after_text
