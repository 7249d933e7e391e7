"""A Slack workspace export -> timeline events with kinds, participants, decision points; merged
into packet files (append only, conflicts reported) and into the graph on both engines."""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest import slack
from kb.cli import app
from kb.graph.reader import read_packets
from kb.integrations.slack import SlackImportError, import_into_folder, import_into_graph
from kb.knowledge_base import KnowledgeBase
from kb.model import EventKind
from kb.packets import read_packet, write_packet

from .conftest import ROOT

EXPORT = ROOT / "tests" / "data" / "slack-export"
CHANNEL = "inc-4471-checkout-5xx"
REAL_NAMES = ("Avery", "Kowalczyk", "Bram", "Oyelaran", "Chidinma", "Chidi", "Delphine", "Ezra")
runner = CliRunner()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("[FIRING:1] CheckoutHighErrorRate checkout-api (page)", EventKind.DETECTION),
        ("I got paged for HighLatency on search, p99 is 4s", EventKind.DETECTION),
        ("customers are reporting card payments failing at the last step", EventKind.DETECTION),
        ("we're seeing 503s from the edge in eu-west-1", EventKind.DETECTION),
        ("logs show PoolTimeoutException on every failing request", EventKind.DIAGNOSIS),
        ("root cause looks like a typo in the helm values", EventKind.DIAGNOSIS),
        ("I suspect the new connection pool settings", EventKind.DIAGNOSIS),
        ("rolling back payments-api now", EventKind.REPAIR),
        ("rollback complete, all pods on 2026.11.3-1", EventKind.REPAIR),
        ("restarted the consumers, lag is recovering", EventKind.REPAIR),
        ("failed over to the replica in us-east-2", EventKind.REPAIR),
        ("checkout 5xx back to normal (0.3%)", EventKind.REPAIR),
        ("We decided to freeze deploys until the schema check lands", EventKind.DECISION),
        ("let's go with the rollback, forward fix tomorrow", EventKind.DECISION),
        ("Posted an update on the status page: investigating", EventKind.COMMUNICATION),
        ("I'm taking IC. Bram, check the deploy log please", EventKind.COMMUNICATION),
        ("<!channel> status page updated to Monitoring", EventKind.COMMUNICATION),
        ("escalating to the database on-call", EventKind.COMMUNICATION),
        # Lines in the style of the real post-mortems' timelines (DFDS, 2i2c), paraphrased:
        ("Automated warning from AWS: the load balancer could not scale up", EventKind.DETECTION),
        ('Node starts reporting "no space left on device"', EventKind.DETECTION),
        ("Scaling down cluster by 2 nodes to free up IP addresses", EventKind.REPAIR),
        ("New certificates generated, service restored", EventKind.REPAIR),
        ("Solution completed, handed over to the team in DK for testing", EventKind.COMMUNICATION),
        ("Identified problem with the sync job overwriting parameters", EventKind.DIAGNOSIS),
        ("should we roll back or bump the pool size?", None),  # a question is not a repair
        ("lol my cat just walked over the keyboard", None),
        ("ok", None),
        ("on it", None),
    ],
)
def test_keyword_rules_on_realistic_messages(text: str, kind: EventKind | None) -> None:
    assert slack.classify(text) is kind


def test_the_fixture_channel_becomes_a_packet() -> None:
    export = slack.read_export(EXPORT, CHANNEL)
    assert export.channels == ["general", CHANNEL]
    assert len(export.channel.messages) == 29  # two day files; the day boundary is UTC midnight
    packet, rep = slack.new_packet(export, "INC-4471")
    assert (rep.messages, len(packet.timeline), rep.chatter) == (26, 18, 8)
    assert dict(rep.kinds) == {"detection": 3, "diagnosis": 3, "decision": 2, "repair": 6, "communication": 4}
    assert rep.skipped_subtypes == {"channel_join": 2, "channel_topic": 1}
    # The alert bot's attachment is the text; bots are not participants.
    first = packet.timeline[0]
    assert first.kind is EventKind.DETECTION and first.text.startswith("Alertmanager: [FIRING:1]")
    assert packet.incident.started_at == first.at == packet.incident.detected_at
    handles = [p.handle for p in packet.participants]
    assert handles == ["Avery Kowalczyk", "Bram Oyelaran", "Chidinma Nwosu", "Ezra Lindqvist", "Delphine Araújo"]
    # Decisions: the :decision: reaction and the "Decision:" keyword; the question before it is not one.
    assert [d.made_by for d in packet.decisions] == ["Avery Kowalczyk", "Avery Kowalczyk"]
    assert packet.decisions[0].decision.startswith("roll back payments-api to 2026.11.3-1")  # keyword dropped
    assert packet.decisions[1].decision.startswith("We decided to freeze")  # marked by its :decision: reaction
    assert "slack:C07INC4471" in packet.incident.tags and packet.provenance.reviewed is False
    # Markup: mentions as names, links as their label, entities decoded.
    texts = " ".join(e.text for e in packet.timeline)
    assert "@Bram Oyelaran" in texts and "Checkout errors - investigating" in texts and "&amp;" not in texts


def test_slack_ts_is_read_exactly_in_utc() -> None:
    at = slack.parse_ts("1793749752.000500", "f", "ts")
    assert at == datetime(2026, 11, 3, 23, 49, 12, 500, tzinfo=UTC)
    assert slack.parse_ts("1793749752", "f", "ts").microsecond == 0
    with pytest.raises(slack.SlackError, match=r"^f: ts: epoch seconds"):
        slack.parse_ts(1793749752.5, "f", "ts")


def test_pseudonyms_are_stable_and_hide_every_name() -> None:
    export = slack.read_export(EXPORT, CHANNEL)
    options = slack.SlackOptions(pseudonymise=True)
    one, _ = slack.new_packet(export, "INC-4471", options)
    two, _ = slack.new_packet(slack.read_export(EXPORT, CHANNEL), "INC-4471", options)
    assert one == two
    handles = [p.handle for p in one.participants]
    assert handles[0] == slack.pseudonym("U01AVERY") and all(h.startswith("person-") for h in handles)
    dumped = json.dumps(one.model_dump(mode="json"), ensure_ascii=False)
    assert not [name for name in REAL_NAMES if name.lower() in dumped.lower()]
    # Names typed in the text go too (whole words, any case), not only @-mentions.
    [thanks] = [m for m in export.channel.messages if m.text.startswith("will do, thanks")]
    text = slack.plain_text(export, thanks, options)
    assert text == f"will do, thanks {slack.pseudonym('U01AVERY')} and {slack.pseudonym('U03CHIDI')}"


def test_decision_reaction_and_keyword_are_the_users_choice() -> None:
    export = slack.read_export(EXPORT, CHANNEL)
    none = slack.SlackOptions(decision_reactions=("nope",), decision_keywords=("nope:",))
    packet, _ = slack.new_packet(export, "X", none)
    assert packet.decisions == []
    eyes = slack.SlackOptions(decision_reactions=("eyes",), decision_keywords=())
    packet, _ = slack.new_packet(export, "X", eyes)
    assert [d.decision[:13] for d in packet.decisions] == ["payments-api "]


def test_since_and_until_bound_the_messages() -> None:
    export = slack.read_export(EXPORT, CHANNEL)
    options = slack.SlackOptions(
        since=datetime(2026, 11, 4, 0, 0, tzinfo=UTC), until=datetime(2026, 11, 4, 0, 10, tzinfo=UTC)
    )
    packet, rep = slack.new_packet(export, "X", options)
    assert all(options.since <= e.at <= options.until for e in packet.timeline)  # type: ignore[operator]
    assert rep.messages == 6 and packet.incident.started_at == datetime(2026, 11, 4, 0, 0, 12, tzinfo=UTC)


def test_a_zipped_export_reads_as_the_folder(tmp_path: Path) -> None:
    archive = tmp_path / "Acme Slack export Nov 3 2026 - Nov 4 2026.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in EXPORT.rglob("*.json"):
            zf.write(f, f"export/{f.relative_to(EXPORT).as_posix()}")  # zipped with its folder
    from_zip, _ = slack.new_packet(slack.read_export(archive, CHANNEL), "INC-4471")
    from_dir, _ = slack.new_packet(slack.read_export(EXPORT, CHANNEL), "INC-4471")
    assert from_zip.timeline == from_dir.timeline and from_zip.participants == from_dir.participants


def _broken(tmp_path: Path, rel: str, content: str) -> Path:
    folder = tmp_path / "export"
    shutil.copytree(EXPORT, folder)
    (folder / rel).write_text(content, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("rel", "content", "message"),
    [
        ("users.json", '{"users": []}', "users.json: (document): a list of users"),
        ("users.json", '[{"name": "x"}]', "users.json: [0].id: a user id"),
        (f"{CHANNEL}/2026-11-03.json", '[{"text": "x"}]', "2026-11-03.json: [0].ts: present in every message"),
        (f"{CHANNEL}/2026-11-03.json", '[{"ts": "yesterday"}]', "2026-11-03.json: [0].ts: epoch seconds"),
        (
            f"{CHANNEL}/2026-11-04.json",
            '[{"ts": "1793750000.1", "reactions": "fire"}]',
            "2026-11-04.json: [0].reactions: a list of reactions",
        ),
        (f"{CHANNEL}/2026-11-04.json", "[{", "2026-11-04.json: "),
    ],
)
def test_a_bad_export_is_one_line_naming_file_and_field(tmp_path: Path, rel: str, content: str, message: str) -> None:
    folder = _broken(tmp_path, rel, content)
    with pytest.raises(slack.SlackError) as err:
        slack.read_export(folder, CHANNEL)
    text = str(err.value)
    assert message in text and "\n" not in text and text.startswith(str(folder))


def test_missing_users_json_and_unknown_channel(tmp_path: Path) -> None:
    folder = _broken(tmp_path, "users.json", "[]")
    (folder / "users.json").unlink()
    with pytest.raises(slack.SlackError, match="users.json: present"):
        slack.read_export(folder, CHANNEL)
    with pytest.raises(slack.SlackError, match=r"channel 'nope': a channel of this export \(general, inc-4471"):
        slack.read_export(EXPORT, "nope")
    listed_only = _broken(tmp_path / "b", "channels.json", '[{"id": "C1", "name": "inc-quiet"}]')
    with pytest.raises(slack.SlackError, match="channel 'inc-quiet': a channel with messages in this export"):
        slack.read_export(listed_only, "inc-quiet")
    not_zip = tmp_path / "export.zip"
    not_zip.write_text("hello", encoding="utf-8")
    with pytest.raises(slack.SlackError, match=r"export.zip: \(file\): a Slack export folder or .zip"):
        slack.read_export(not_zip)


def test_folder_merge_is_append_only_and_reports_conflicts(tmp_path: Path) -> None:
    export = slack.read_export(EXPORT, CHANNEL)
    options = slack.SlackOptions()
    first = import_into_folder(export, tmp_path, "INC-4471", options)
    path = Path(first.into)
    assert first.report.created and path == tmp_path / "INC-4471.yaml"
    written = path.read_bytes()
    again = import_into_folder(export, tmp_path, None, options)  # found by its slack: tag
    assert (again.report.added_events, again.report.already_present) == (0, 18)
    assert path.read_bytes() == written
    # A reviewer corrects detected_at and re-kinds an event; the next import keeps both and says so.
    text = written.decode()
    text = text.replace("detected_at: '2026-11-03T23:47:12.000120Z'", "detected_at: '2026-11-03T23:48:00Z'  # Grafana")
    text = text.replace("kind: detection\n  text: 'Ezra", "kind: communication\n  text: 'Ezra", 1)
    path.write_text(text, encoding="utf-8")
    merged = import_into_folder(export, tmp_path, None, options)
    assert merged.report.added_events == 0 and len(merged.report.conflicts) == 2
    assert (
        "detected_at: packet 2026-11-03T23:48:00+00:00, Slack 2026-11-03T23:47:12.000120+00:00"
        in merged.report.conflicts
    )
    assert path.read_text(encoding="utf-8") == text  # nothing rewritten, the comment kept
    assert "timeline slack-1793750292.000000: packet communication" in merged.report.conflicts[0]
    # A packet file that does not validate is named, never written, and no second packet is made for it.
    path.write_text(text.replace("severity: 3", "severity: 9"), encoding="utf-8")
    with pytest.raises(SlackImportError, match=r"INC-4471.yaml: not a valid packet \(incident.severity.*names this"):
        import_into_folder(export, tmp_path, None, options)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["INC-4471.yaml"]
    # Another incident's broken file is named and left alone; the import goes on.
    path.write_text(text, encoding="utf-8")
    (tmp_path / "INC-9.yaml").write_text("incident: {id: INC-9}\n", encoding="utf-8")
    result = import_into_folder(export, tmp_path, None, options)
    assert (
        result.into == str(path) and len(result.skipped) == 1 and "INC-9.yaml: not a valid packet" in result.skipped[0]
    )
    assert (tmp_path / "INC-9.yaml").read_text(encoding="utf-8") == "incident: {id: INC-9}\n"


def test_merge_into_a_reviewed_packet_adds_only_the_new(tmp_path: Path) -> None:
    export = slack.read_export(EXPORT, CHANNEL)
    packet, _ = slack.new_packet(export, "INC-4471")
    reviewed = packet.model_copy(
        update={"timeline": packet.timeline[:5], "decisions": [], "participants": packet.participants[:1]}
    )
    path = write_packet(reviewed, tmp_path / "INC-4471.yaml")
    result = import_into_folder(export, tmp_path, "INC-4471", slack.SlackOptions())
    assert (result.report.added_events, result.report.already_present) == (13, 5)
    assert (result.report.added_decisions, result.report.added_participants) == (2, 4)
    assert read_packet(path).timeline == packet.timeline


def test_a_file_the_command_did_not_create_is_not_written_over(tmp_path: Path) -> None:
    mine = tmp_path / f"{CHANNEL}.yaml"
    mine.write_text("notes: my own file\n", encoding="utf-8")
    with pytest.raises(
        SlackImportError, match="exists and is not a valid packet of incident inc-4471.* not written over"
    ):
        import_into_folder(slack.read_export(EXPORT, CHANNEL), tmp_path, None, slack.SlackOptions())
    assert mine.read_text(encoding="utf-8") == "notes: my own file\n"


def test_graph_import_twice_adds_nothing_and_times_read_back_exactly(any_kb: KnowledgeBase) -> None:
    export = slack.read_export(EXPORT, CHANNEL)
    first = import_into_graph(any_kb, export, "INC-4471", slack.SlackOptions())
    assert first.report.created and first.report.added_events == 18
    again = import_into_graph(any_kb, export, None, slack.SlackOptions())
    assert not again.report.created and (again.report.added_events, again.report.already_present) == (0, 18)
    [stored] = read_packets(any_kb, ["INC-4471"])
    # Microseconds and UTC intact on this engine (the graph keeps no provenance notes, people sorted).
    assert (stored.incident, stored.timeline, stored.decisions) == (
        first.packet.incident,
        first.packet.timeline,
        first.packet.decisions,
    )
    assert stored.timeline[1].at == datetime(2026, 11, 3, 23, 49, 12, 500, tzinfo=UTC)
    events = any_kb.query("packet_timeline", keys=["INC-4471"])
    assert len(events) == 18
    assert len(stored.decisions) == 2 and len(stored.participants) == 5


def test_cli_preview_writes_nothing_and_out_merges(tmp_path: Path) -> None:
    preview = runner.invoke(app, ["import", "slack", str(EXPORT), "--channel", CHANNEL, "--format", "json"])
    assert preview.exit_code == 0, preview.output
    [row] = json.loads(preview.stdout)
    assert row["action"] == "preview" and row["events"] == 18 and row["kinds"]["repair"] == 6
    out = tmp_path / "packets"
    args = ["import", "slack", str(EXPORT), "-c", CHANNEL, "--incident", "INC-4471", "--out", str(out)]
    assert runner.invoke(app, [*args, "--pseudonymise"]).exit_code == 0
    second = runner.invoke(app, [*args, "--pseudonymise", "--format", "json"])
    assert json.loads(second.stdout)[0]["events"] == 0
    assert read_packet(out / "INC-4471.yaml").participants[0].handle.startswith("person-")


def test_cli_ingest_and_errors(tmp_path: Path) -> None:
    db = tmp_path / "db"
    args = ["import", "slack", str(EXPORT), "-c", CHANNEL, "--ingest", "--db", str(db), "--format", "json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)[0]["into"] == "graph"
    assert json.loads(runner.invoke(app, args).stdout)[0]["present"] == 18
    several = runner.invoke(app, ["import", "slack", str(EXPORT)])
    assert several.exit_code == 2 and "--channel: the channel to read" in several.stderr
    assert "Traceback" not in several.output
    bad_since = runner.invoke(app, ["import", "slack", str(EXPORT), "-c", CHANNEL, "--since", "last week"])
    assert bad_since.exit_code == 2 and "--since last week: expected a date" in bad_since.stderr
    assert "decision-reaction" in runner.invoke(app, ["import", "slack", "--help"]).output
