"""Slack import at scale: the fixture channel repeated into a month of day files, read and turned
into a packet, with and without pseudonyms, and merged again (which must add nothing). The
baseline is the same run's plain import; the ratios say what pseudonyms and a re-merge cost.

    python bench/bench_slack_import.py [--days 28] [--copies 13]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, timed  # noqa: E402

from ingest import slack  # noqa: E402

CHANNEL = "inc-4471-checkout-5xx"


def build(folder: Path, days: int, copies: int) -> int:
    shutil.copytree(ROOT / "tests" / "data" / "slack-export", folder)
    channel = folder / CHANNEL
    messages = [m for f in sorted(channel.glob("*.json")) for m in json.loads(f.read_text(encoding="utf-8"))]
    for f in channel.glob("*.json"):
        f.unlink()
    total = 0
    for day in range(days):
        out = []
        for copy in range(copies):  # each copy an hour later: distinct ts, the same words
            for m in messages:
                seconds, _, micros = m["ts"].partition(".")
                out.append({**m, "ts": f"{int(seconds) - (40 - day) * 86400 + copy * 3600}.{micros or '0'}"})
        (channel / f"2026-10-{day + 1:02d}.json").write_text(json.dumps(out), encoding="utf-8")
        total += len(out)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--copies", type=int, default=13)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kb-bench-slack-")) / "export"
    n = build(folder, args.days, args.copies)
    t_read, export = timed(lambda: slack.read_export(folder, CHANNEL))
    t_plain, (packet, report) = timed(lambda: slack.new_packet(export, "BENCH"))
    fresh = slack.read_export(folder, CHANNEL)  # the name pattern is built per export: count it
    t_pseudo, _ = timed(lambda: slack.new_packet(fresh, "BENCH", slack.SlackOptions(pseudonymise=True)))
    t_merge, (_, again) = timed(lambda: slack.merge(packet, export))
    assert again.added_events == 0
    print(f"{n} messages in {args.days} day files -> {len(packet.timeline)} events, {report.chatter} chatter")
    print(f"read {t_read:.2f} s; packet {t_plain:.2f} s ({n / t_plain:,.0f} messages/s)")
    print(f"pseudonymised {t_pseudo:.2f} s ({t_pseudo / t_plain:.2f}x the plain packet)")
    print(f"merge again {t_merge:.2f} s ({t_merge / t_plain:.2f}x), added {again.added_events}")
    shutil.rmtree(folder.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
