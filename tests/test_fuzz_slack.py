"""Property-based fuzzing of the Slack export reader (ingest.slack): mutated users, channels and
message files, edited JSON text, and broken zips. Every export ends as a SlackError naming a
file of the export, or an accepted packet; no other exception, no hang."""

from __future__ import annotations

import contextlib
import copy
import json
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest import slack
from kb.model import EventPacket
from tests.fuzz_support import (
    EDGE_TEXT,
    TALLY,
    VALUES,
    fuzz_settings,
    hang_guard,
    paths,
    report_tally,
    set_path,
    similar,
    text_edits,
)

from .conftest import ROOT

pytestmark = pytest.mark.timeout(300)  # a generous guard against a hang; each case has its own too

EXPORT = ROOT / "tests" / "data" / "slack-export"
CHANNEL = "inc-4471-checkout-5xx"
DAY = f"{CHANNEL}/2026-11-04.json"
FILES = {rel: json.loads((EXPORT / rel).read_text(encoding="utf-8")) for rel in ("users.json", "channels.json", DAY)}
PATHS = {rel: list(paths(doc)) for rel, doc in FILES.items()}
OPTIONS = st.builds(
    slack.SlackOptions,
    pseudonymise=st.booleans(),
    decision_reactions=st.tuples(EDGE_TEXT),
    decision_keywords=st.tuples(EDGE_TEXT),
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("fuzz-slack")
    report_tally(request)


def _fresh(workdir: Path) -> Path:
    folder = workdir / "export"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(EXPORT, folder)
    return folder


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def check(export: Path, reader: str, options: slack.SlackOptions, channel: str | None = CHANNEL) -> None:
    try:
        with hang_guard():
            data = slack.read_export(export, channel)
            packet, _ = slack.new_packet(data, "FUZZ-1", options)
            merged, report = slack.merge(packet, data, options)
    except slack.SlackError as exc:
        text = str(exc)
        assert text.startswith(str(export)) and "\n" not in text and len(text) < 5_000, text[:300]
        TALLY[(reader, "rejected")] += 1
        return
    assert isinstance(merged, EventPacket) and report.added_events == 0  # a second merge adds nothing
    assert all(e.at.utcoffset() is not None and e.at.utcoffset().total_seconds() == 0 for e in packet.timeline)  # type: ignore[union-attr]
    TALLY[(reader, "accepted")] += 1


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, Any]:
    rel = draw(st.sampled_from(sorted(FILES)))
    doc = copy.deepcopy(FILES[rel])
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS[rel]))
        with contextlib.suppress(KeyError, IndexError, TypeError):
            set_path(doc, path, draw(similar(_at(doc, path)) if draw(st.booleans()) else VALUES))
    return rel, doc


@fuzz_settings(300)
@given(change=mutated(), options=OPTIONS)
def test_slack_structures(workdir: Path, change: tuple[str, Any], options: slack.SlackOptions) -> None:
    folder = _fresh(workdir)
    rel, doc = change
    (folder / rel).write_text(json.dumps(doc, allow_nan=True), encoding="utf-8")
    check(folder, "slack (structure)", options)


@fuzz_settings(150)
@given(data=st.data(), rel=st.sampled_from(sorted(FILES)))
def test_slack_text(workdir: Path, data: st.DataObject, rel: str) -> None:
    folder = _fresh(workdir)
    text = json.dumps(FILES[rel], indent=1, ensure_ascii=False)
    (folder / rel).write_bytes(data.draw(text_edits(text)).encode("utf-8", "surrogatepass"))
    check(folder, "slack (text)", slack.SlackOptions())


@fuzz_settings(60)
@given(cut=st.integers(0, 4000), channel=st.sampled_from([CHANNEL, None, "general", "#" + CHANNEL]))
def test_slack_zips(workdir: Path, cut: int, channel: str | None) -> None:
    archive = workdir / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(EXPORT.rglob("*.json")):
            zf.write(f, f.relative_to(EXPORT).as_posix())
    raw = archive.read_bytes()
    archive.write_bytes(raw[: len(raw) - cut] if cut else raw)  # truncated archives too
    check(archive, "slack (zip)", slack.SlackOptions(), channel)
