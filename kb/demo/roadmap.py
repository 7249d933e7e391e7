"""The roadmap: most items trace back to findings, a few (the untraced) to nothing the graph knows."""

from __future__ import annotations

import bisect
import math
import random
from datetime import datetime
from typing import Any

from kb.demo.clock import Horizon, add_months, quarter_of_index
from kb.demo.render import ClusterState, FindingRecord
from kb.demo.themes import THEME_BY_SLUG
from kb.demo.truth import RoadmapEntry
from kb.demo.wording import UNTRACED_ROADMAP

Doc = dict[str, Any]
BASE_ITEMS = 40
UNTRACED_SHARE = 0.2


def roadmap_size(n_incidents: int) -> int:
    # Grows with the square root: a company with 300 times the incidents does not have 300 times the roadmap.
    return max(BASE_ITEMS, round(BASE_ITEMS * math.sqrt(n_incidents / 320)))


class RoadmapPlanner:
    def __init__(self, rng: random.Random, horizon: Horizon, records: list[FindingRecord]) -> None:
        self.rng = rng
        self.horizon = horizon
        self.candidates = [r for r in records if r.impact >= 4 and r.status in ("agreed", "done")]
        self.candidates.sort(key=lambda r: r.published)
        self.times = [r.published for r in self.candidates]
        self.by_theme: dict[str, list[FindingRecord]] = {}
        for r in self.candidates:
            self.by_theme.setdefault(r.theme, []).append(r)
        self.used: set[str] = set()
        self.titles: set[str] = set()

    def plan(self, n_incidents: int, clusters: dict[str, ClusterState]) -> list[RoadmapEntry]:
        total = roadmap_size(n_incidents)
        untraced = max(5, round(total * UNTRACED_SHARE))
        entries: list[tuple[int, str, list[FindingRecord]]] = []  # quarter index, title, findings
        for state in clusters.values():
            rec = next((r for r in self.candidates if r.key == state.key_finding), None)
            if rec is not None:
                q = min(self.horizon.quarters - 1, self.horizon.quarter_index(rec.published) + 1)
                entries.append((q, self.title(rec), [rec, *self.companions(rec, q)]))
        traced = total - untraced
        for j in range(max(0, traced - len(entries))):
            q = 1 + (j * (self.horizon.quarters - 1)) // max(1, traced - len(clusters))
            rec = self.pick(q)
            if rec is None:
                continue
            entries.append((q, self.title(rec), [rec, *self.companions(rec, q)]))
        for j in range(untraced):
            title = UNTRACED_ROADMAP[j % len(UNTRACED_ROADMAP)]
            if j >= len(UNTRACED_ROADMAP):
                title += f" (phase {j // len(UNTRACED_ROADMAP) + 1})"
            entries.append((j * self.horizon.quarters // untraced, title, []))
        return self.keyed(entries)

    def pick(self, quarter: int) -> FindingRecord | None:
        """A random unused candidate published before the item's quarter starts."""
        cut = bisect.bisect_left(self.times, self.quarter_start(quarter))
        for _ in range(30):
            if cut == 0:
                return None
            rec = self.candidates[self.rng.randrange(cut)]
            if rec.key not in self.used:
                self.used.add(rec.key)
                return rec
        return None

    def companions(self, rec: FindingRecord, quarter: int) -> list[FindingRecord]:
        """Up to two more findings on the same theme from other incidents."""
        self.used.add(rec.key)
        start = self.quarter_start(quarter)
        pool = [r for r in self.by_theme.get(rec.theme, [])[:400] if r.published < start]
        out: list[FindingRecord] = []
        for r in self.rng.sample(pool, min(len(pool), 4)):
            if len(out) < self.rng.randint(0, 2) and r.key not in self.used and r.incident != rec.incident:
                self.used.add(r.key)
                out.append(r)
        return out

    def quarter_start(self, quarter: int) -> datetime:
        return add_months(self.horizon.start, 3 * quarter)

    def title(self, rec: FindingRecord) -> str:
        base = THEME_BY_SLUG[rec.theme].roadmap
        for candidate in (
            base,
            f"{base} for {rec.service}",
            *(f"{base} for {rec.service}, phase {k}" for k in range(2, 1000)),
        ):
            if candidate not in self.titles:
                self.titles.add(candidate)
                return candidate
        raise AssertionError("unreachable")

    def keyed(self, entries: list[tuple[int, str, list[FindingRecord]]]) -> list[RoadmapEntry]:
        entries.sort(key=lambda e: (e[0], e[1]))
        seq: dict[str, int] = {}
        out = []
        for q, title, recs in entries:
            quarter = quarter_of_index(self.horizon, q)
            year = quarter[:4]
            seq[year] = seq.get(year, 0) + 1
            out.append(
                RoadmapEntry(
                    key=f"RM-{year}-{seq[year]:02d}", title=title, quarter=quarter, findings=[r.key for r in recs]
                )
            )
        return out


def packet_links(entries: list[RoadmapEntry]) -> dict[str, list[Doc]]:
    """The RoadmapLink documents to put into each motivating incident's packet."""
    links: dict[str, list[Doc]] = {}
    for e in entries:
        per_incident: dict[str, list[str]] = {}
        for key in e.findings:
            incident, _, local = key.partition("/finding/")
            per_incident.setdefault(incident, []).append(local)
        for incident, locals_ in per_incident.items():
            links.setdefault(incident, []).append(
                {"key": e.key, "title": e.title, "quarter": e.quarter, "findings": locals_}
            )
    return links
