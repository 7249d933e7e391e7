"""The integration gate: what became of each finding (work items, OKR proposals, deferrals)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from kb.demo.clock import Horizon, localise, quarter_label, shift_quarter
from kb.demo.organisation import TEAM_BY_NAME
from kb.demo.wording import DEFERRED_REASONS, OKR_OBJECTIVES, OKR_RESULTS

Doc = dict[str, Any]


class Gate:
    """Hands out Jira keys per project in creation order and decides each finding's fate."""

    def __init__(self, rng: random.Random, horizon: Horizon) -> None:
        self.rng = rng
        self.horizon = horizon
        self.counters = {t.jira_project: 100 for t in TEAM_BY_NAME.values()}

    def work_item(
        self, team: str, title: str, created: datetime, closed: datetime | None, status: str, zone: str
    ) -> Doc:
        project = TEAM_BY_NAME[team].jira_project if team in TEAM_BY_NAME else "PLAT"
        self.counters[project] += 1
        key = f"{project}-{self.counters[project]}"
        item: Doc = {
            "system": "jira",
            "external_id": key,
            "title": title[:1].upper() + title[1:],
            "url": f"https://jira.example.com/browse/{key}",
            "status": status,
            "created_at": localise(created, zone),
        }
        if closed is not None:
            item["closed_at"] = localise(closed, zone)
        return item

    def decide(
        self, finding: Doc, *, impact: int, effort: int, published: datetime | None, team: str, action: str, zone: str
    ) -> None:
        """Set status, work items, deferral on `finding` (a packet dict), as the gate would have."""
        rng, end = self.rng, self.horizon.end
        if published is None:
            return  # the analysis is not published yet: still proposed
        if (end - published).days < 10:
            if rng.random() < 0.4:
                finding["status"] = "agreed"
                created = published + timedelta(days=rng.uniform(0.2, 3))
                if created < end:
                    finding["work_items"] = [self.work_item(team, action, created, None, "To Do", zone)]
            return
        feasible = impact >= 4 and effort <= 3
        # The gate gets better at turning findings into work as the practice matures.
        tracked = (0.8 if feasible else 0.3) + 0.1 * self.horizon.fraction(published)
        r = rng.random()
        if r < tracked:
            created = published + timedelta(days=rng.uniform(0.3, 6))
            closed = created + timedelta(days=rng.uniform(5, 60) * (0.5 + effort / 3))
            if closed <= end and rng.random() < 0.8:
                finding["status"] = "done" if rng.random() < 0.7 else "agreed"
                finding["work_items"] = [self.work_item(team, action, created, closed, "Done", zone)]
            else:
                finding["status"] = "agreed"
                status = "In Progress" if rng.random() < 0.6 else "To Do"
                finding["work_items"] = [self.work_item(team, action, created, None, status, zone)]
            return
        r = (r - tracked) / (1 - tracked)
        if r < (0.35 if feasible else 0.3):
            finding["status"] = "agreed"  # agreed, yet nothing tracks it: the gate is open
        elif r < 0.5:
            finding["status"] = "deferred"
            finding["deferred_reason"] = rng.choice(DEFERRED_REASONS)
        elif r < 0.62 and not feasible:
            finding["status"] = "rejected"
        # else: left proposed

    def okr(self, finding: Doc, *, category: str, published: datetime | None, details: dict[str, str]) -> None:
        if published is None:
            return
        quarter = shift_quarter(quarter_label(published), 1)
        results = self.rng.sample(OKR_RESULTS, 2)
        finding["okrs"] = [
            {
                "id": f"O{finding['id'][1:]}",
                "objective": OKR_OBJECTIVES[category].format_map(details),
                "key_results": [r.format_map({**details, "quarter": quarter}) for r in results],
                "quarter": quarter,
            }
        ]
        finding.setdefault("status", "agreed")
