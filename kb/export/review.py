"""An Event Packet -> the readable review document in markdown.

Sections: summary, impact, timeline, the causal web in words, findings with their gate
status, and the check against similar past incidents (RELATED_TO edges) where one exists.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from kb.model import IMPACT, Analysis, EventPacket, Finding, FindingStatus


def gate_status(finding: Finding) -> str:
    """Where a finding stands at the integration gate: done, rejected, tracked, proposed as
    OKR, deferred, or open (agreed or proposed, with nothing carrying it yet)."""
    if finding.status is FindingStatus.DONE:
        return "done"
    if finding.status is FindingStatus.REJECTED:
        return "rejected"
    if finding.work_items:
        ids = ", ".join(w.external_id or w.title or w.system for w in finding.work_items)
        return f"tracked ({ids})"
    if finding.okrs:
        return f"proposed as OKR ({'; '.join(o.objective for o in finding.okrs)})"
    if finding.status is FindingStatus.DEFERRED:
        return f"deferred: {finding.deferred_reason}" if finding.deferred_reason else "open (deferred without a reason)"
    if finding.status is FindingStatus.PROPOSED:
        return "open (still proposed)"
    return "open (agreed, not tracked yet)"


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def _span(a: datetime | None, b: datetime | None) -> str | None:
    if a is None or b is None:
        return None
    minutes = (b - a) / timedelta(minutes=1)
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def review_markdown(packet: EventPacket, related: pd.DataFrame | None = None, metrics_link: str | None = None) -> str:
    """The review document; `metrics_link` names the page with the metric charts drawn, if one was written."""
    inc = packet.incident
    out: list[str] = [f"# {inc.id}: {inc.title}", ""]
    facts = [
        ("Severity", f"SEV{inc.severity}" if inc.severity is not None else "unknown"),
        ("Services", ", ".join(inc.services) or "—"),
        ("Teams", ", ".join(inc.teams) or "—"),
        ("Started", _when(inc.started_at)),
        ("Detected", _when(inc.detected_at)),
        ("Acknowledged", _when(inc.acknowledged_at)),
        ("Mitigated", _when(inc.mitigated_at)),
        ("Resolved", _when(inc.resolved_at)),
    ]
    for label, (a, b) in (
        ("Time to detection", (inc.started_at, inc.detected_at)),
        ("Time to mitigation", (inc.started_at, inc.mitigated_at)),
        ("Time to resolution", (inc.started_at, inc.resolved_at)),
    ):
        if (span := _span(a, b)) is not None:
            facts.append((label, span))
    if inc.tags:
        facts.append(("Tags", ", ".join(inc.tags)))
    prov = packet.provenance
    origin = prov.source + (f" ({prov.file})" if prov.file else "")
    if prov.imported:
        origin += ", imported" + ("" if prov.reviewed else ", not yet reviewed")
    facts.append(("Source", origin))
    out += [f"- **{k}:** {v}" for k, v in facts]
    out += ["", "## Summary", "", inc.summary or "_No summary recorded._", ""]
    out += _impact(packet)
    out += _timeline(packet)
    out += _metrics(packet, metrics_link)
    out += _people(packet)
    for analysis in packet.analyses:
        out += _causal_web(analysis)
    out += _findings(packet)
    out += _related(packet, related)
    return "\n".join(out).rstrip() + "\n"


def _impact(packet: EventPacket) -> list[str]:
    inc = packet.incident
    lines = ["## Impact", ""]
    if inc.customer_impact:
        lines.append(inc.customer_impact)
    figures = []
    if inc.customers_affected is not None:
        figures.append(f"{inc.customers_affected:,} customers affected")
    if inc.revenue_impact is not None:
        figures.append(f"{inc.revenue_impact:,.0f} of revenue at stake")
    if figures:
        lines.append("; ".join(figures) + ".")
    for imp in packet.impacts:
        extra = []
        if imp.customers_affected is not None:
            extra.append(f"{imp.customers_affected:,} customers")
        if imp.revenue_impact is not None:
            extra.append(f"{imp.revenue_impact:,.0f} revenue")
        lines.append(f"- **{imp.stakeholder}:** {imp.statement}" + (f" ({', '.join(extra)})" if extra else ""))
    if len(lines) == 2:
        lines.append("_No impact recorded._")
    return [*lines, ""]


def _timeline(packet: EventPacket) -> list[str]:
    lines = ["## Timeline", ""]
    if not packet.timeline:
        return [*lines, "_No timeline recorded._", ""]
    lines += ["| Time (UTC) | Kind | Event |", "| --- | --- | --- |"]
    for ev in sorted(packet.timeline, key=lambda e: e.at):
        source = f" _({ev.source})_" if ev.source else ""
        lines.append(f"| {ev.at:%Y-%m-%d %H:%M} | {ev.kind.value} | {_cell(ev.text)}{source} |")
    for d in packet.decisions:
        why = f" because {d.rationale}" if d.rationale else ""
        alt = f" (alternatives: {', '.join(d.alternatives)})" if d.alternatives else ""
        lines.append(f"\nDecision at {d.at:%Y-%m-%d %H:%M}: {d.decision}{why}{alt}.")
    return [*lines, ""]


def _number_text(value: float) -> str:
    return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"


def _metrics(packet: EventPacket, link: str | None) -> list[str]:
    """Each snapshot drawn as a line of text over the incident window, detection (D) and mitigation (M) under it."""
    from kb.charts.metrics import marks, metric_sparkline, window

    if not packet.metrics:
        return []
    lines = ["## Metrics", ""]
    if link:
        lines += [f"Charts: [{link}]({link.replace(' ', '%20')}) (interactive, one per snapshot).", ""]
    for snap in packet.metrics:
        unit = f" ({snap.unit})" if snap.unit else ""
        head = f"**{snap.name}**{unit}"
        if snap.link:
            head += f" — [dashboard]({snap.link})"
        if not snap.points:
            lines += [head + ": no points recorded.", ""]
            continue
        lo, hi = window(packet, snap)
        values = [p.value for p in snap.points]
        peak = max(snap.points, key=lambda p: p.value)
        count = f"{len(values)} point{'s' if len(values) > 1 else ''}"
        lines.append(
            f"{head}: {count}, {lo:%Y-%m-%d %H:%M} to {hi:%H:%M} UTC; min {_number_text(min(values))}, "
            f"max {_number_text(max(values))} at {peak.at:%H:%M}."
        )
        line, under = metric_sparkline(packet, snap)
        lines += ["", "```text", line] + ([under] if under.strip() else []) + ["```", ""]
    if legend := "; ".join(f"{label[0].upper()}: {label} {at:%Y-%m-%d %H:%M}" for label, at in marks(packet)):
        lines += [f"_{legend} UTC._", ""]
    return lines


def _people(packet: EventPacket) -> list[str]:
    if not packet.participants:
        return []
    lines = ["## People", ""]
    for p in packet.participants:
        team = f", {p.team}" if p.team else ""
        lines.append(f"- {p.handle} ({p.role.value.replace('_', ' ')}{team})")
    return [*lines, ""]


def _causal_web(a: Analysis) -> list[str]:
    method = a.method.value.replace("_", " ")
    lines = [f"## Causal web ({method}, analysis {a.id})", ""]
    if a.facilitator:
        lines.append(f"Facilitated by {a.facilitator}.")
        lines.append("")
    by_id = {f.id: f for f in a.factors}

    def name(fid: str) -> str:
        f = by_id[fid]
        return f"{fid} “{f.statement}”"

    if not a.factors:
        lines.append("_No factors recorded._")
    for f in a.factors:
        guessed = ", guessed" if f.category_guessed else ""
        themes = f"; themes: {', '.join(f.themes)}" if f.themes else ""
        lines.append(f"- **{f.id}** ({f.category.value}{guessed}{themes}): {f.statement}")
    if a.influences:
        lines += ["", "How the factors combined:", ""]
        for inf in a.influences:
            if inf.target == IMPACT:
                lines.append(f"- {name(inf.source)} contributed directly to the impact.")
            else:
                lines.append(f"- {name(inf.source)} contributed to {name(inf.target)}.")
    if a.barriers:
        lines += ["", "Barriers:", ""]
        for b in a.barriers:
            label = b.name or b.barrier
            kind = f" ({b.kind.value})" if b.kind else ""
            by = f", defeated by {', '.join(b.defeated_by)}" if b.defeated_by else ""
            note = f": {b.note}" if b.note else ""
            lines.append(f"- {label}{kind} {b.status.value}{by}{note}.")
    return [*lines, ""]


def _findings(packet: EventPacket) -> list[str]:
    findings = [f for a in packet.analyses for f in a.findings]
    lines = ["## Findings and the integration gate", ""]
    if not findings:
        return [*lines, "_No findings recorded._", ""]
    for f in findings:
        lines.append(f"### {f.id}: {gate_status(f)}")
        lines += ["", f.statement, ""]
        meta: list[str] = [f"status {f.status.value}"]
        if f.owner:
            meta.append(f"owner {f.owner}")
        if f.impact is not None or f.effort is not None:
            meta.append(f"impact {f.impact or '?'} / effort {f.effort or '?'}")
        if f.addresses:
            meta.append(f"addresses {', '.join(f.addresses)}")
        if f.tags:
            meta.append(f"tags {', '.join(f.tags)}")
        lines += ["- " + "; ".join(meta)]
        lines += [
            f"- work item: {w.system} {w.external_id or ''} {w.title or ''} ({w.status or 'no status'})".replace(
                "  ", " "
            )
            for w in f.work_items
        ]
        lines += [f"- OKR proposal: {o.objective}" + (f" ({o.quarter})" if o.quarter else "") for o in f.okrs]
        lines.append("")
    return lines


def _number(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _related(packet: EventPacket, related: pd.DataFrame | None) -> list[str]:
    lines = ["## Similar past incidents", ""]
    checks = [a.related_check for a in packet.analyses if a.related_check]
    for rc in checks:
        note = f": {rc.note}" if rc.note else ""
        lines.append(f"The analysis checked for similar incidents on {rc.checked_at:%Y-%m-%d}{note}.")
    rows = [] if related is None else list(related.itertuples(index=False))
    if rows:
        if checks:
            lines.append("")
        for r in rows:
            score = _number(getattr(r, "score", None))
            basis = getattr(r, "basis", None)
            why = ", ".join(
                x
                for x in (
                    f"score {score:.2f}" if score is not None else "",
                    f"{basis}" if isinstance(basis, str) and basis else "",
                )
                if x
            )
            title = f" — {r.title}" if isinstance(r.title, str) else ""
            lines.append(f"- {r.related}{title}" + (f" ({why})" if why else ""))
    elif not checks:
        lines.append("_No check against past incidents is recorded for this incident._")
    return [*lines, ""]
