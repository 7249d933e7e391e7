"""Graph -> Event Packets: the inverse of kb.graph.rows, used by export, lint and advice.

Reads many incidents with one query per part (not one per incident), so linting
a whole corpus costs a fixed number of round trips.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from kb.engines.frames import plain
from kb.graph.catalogue import Queryable
from kb.model import EventPacket
from kb.model.schema import PACKET_ORIGIN

if TYPE_CHECKING:  # the frames come from the engine: this module makes none
    import pandas as pd


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    cols = list(df.columns)
    values = [_plain_column(df[c]) for c in cols]
    return [dict(zip(cols, row, strict=True)) for row in zip(*values, strict=True)]


def _plain_column(col: pd.Series) -> list[Any]:
    """`plain` of every cell, a column at a time: the same values, without a call per string or number."""
    kind = col.dtype.kind
    if kind in "iub":
        return list(col.tolist())
    if kind == "f":
        return [None if v != v else v for v in col.tolist()]  # NaN -> None
    if kind == "O":
        return [v if type(v) is str else plain(v) for v in col]
    return [plain(v) for v in col]


def _by_incident(records: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec in records:
        out[rec.pop("incident")].append(rec)
    return out


Rows = Callable[[str], list[dict[str, Any]]]


def _rows(kbase: Queryable, keys: Sequence[str] | None, names: Sequence[str]) -> Rows:
    """Each named query's rows as dicts of plain values. A KnowledgeBase answers with rows (no
    DataFrame), the `names` queries in one batch (side by side on a server) and, for every
    incident, without the key filter; another Queryable through frames."""
    many = getattr(kbase, "query_rows_many", None)
    if many is not None:
        batch: dict[str, list[dict[str, Any]]] = (
            many(names, every_incident=True) if keys is None else many(names, keys=list(keys))
        )
        return batch.pop  # each part is read once
    query_rows = getattr(kbase, "query_rows", None)
    if query_rows is not None:
        if keys is None:
            return lambda name: query_rows(name, every_incident=True)
        listed = list(keys)
        return lambda name: query_rows(name, keys=listed)
    listed = [str(k) for k in kbase.query("incidents")["incident"]] if keys is None else list(keys)
    return lambda name: _records(kbase.query(name, keys=listed))


def _suffix(key: str) -> str:
    return key.rsplit("/", 1)[-1]


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def read_packets(kbase: Queryable, keys: Sequence[str] | None) -> list[EventPacket]:
    """Rebuild the Event Packets of the given incidents from the graph (missing keys are skipped;
    None: every incident), ordered by key."""
    return [EventPacket.model_validate(data) for data in read_packet_data(kbase, keys)]


PARTS = (
    "timeline",
    "metrics",
    "logs",
    "decisions",
    "impacts",
    "participants",
    "analyses",
    "factors",
    "influences",
    "impact_edges",
    "barriers",
    "findings",
    "addresses",
    "work_items",
    "objectives",
    "roadmap",
)
"""The parts of a packet besides its incident, one query each (`packet_<part>`)."""
SHARED_PARTS = ("barriers", "work_items", "objectives", "roadmap")
"""Parts read from nodes that several packets write (a barrier, a work item, an objective, a roadmap
item): ingesting one packet may change them in another's. The rest are the incident's own nodes."""

Parts = dict[str, dict[str, list[dict[str, Any]]]]
"""Each part's rows by incident key (without the `incident` column)."""


def read_packet_data(kbase: Queryable, keys: Sequence[str] | None) -> list[dict[str, Any]]:
    """What `read_packets` validates into Event Packets: each incident's packet as plain data (a
    lint keeps results per incident for it, and validates only the packets it must lint again)."""
    return packet_data(*read_packet_rows(kbase, keys))


def read_packet_rows(kbase: Queryable, keys: Sequence[str] | None) -> tuple[list[dict[str, Any]], Parts]:
    """What `packet_data` builds the packets of the given incidents from (None: every one): their
    `packet_incidents` rows and every part's rows."""
    if keys is not None and not keys:
        return [], {name: {} for name in PARTS}
    rows = _rows(kbase, keys, ["packet_incidents", *(f"packet_{name}" for name in PARTS)])
    return rows("packet_incidents"), {name: _by_incident(rows(f"packet_{name}")) for name in PARTS}


def read_parts(kbase: Queryable, keys: Sequence[str] | None, names: Iterable[str]) -> Parts:
    """The rows of the named parts (of PARTS) for the given incidents (None: every one), by incident."""
    if keys is not None and not keys:
        return {name: {} for name in names}
    names = list(names)
    rows = _rows(kbase, keys, [f"packet_{name}" for name in names])
    return {name: _by_incident(rows(f"packet_{name}")) for name in names}


def canonical_incident(row: dict[str, Any]) -> None:
    """A `packet_incidents` row with its services and teams sorted, in place: `collect(DISTINCT ...)`
    gives them in an order that may differ from one read to the next (seen on Ladybug), and a lint
    digests the row (kb.lint.runner) to tell whether the incident changed. A packet lists them sorted."""
    for name in ("services", "teams"):
        if row[name]:
            row[name] = sorted(row[name])


def packet_data(incidents: Iterable[dict[str, Any]], part: Parts) -> list[dict[str, Any]]:
    """The packets of the `packet_incidents` rows from their parts' rows (`read_parts`), in that order."""
    part = {
        name: part[name] if isinstance(part[name], defaultdict) else defaultdict(list, part[name]) for name in PARTS
    }
    packets: list[dict[str, Any]] = []
    for inc in incidents:
        k = inc["incident"]
        data: dict[str, Any] = {
            "incident": {
                "id": k,
                "title": inc["title"],
                "severity": _int(inc["severity"]),
                "services": sorted(inc["services"] or []),
                "teams": sorted(inc["teams"] or []),
                **{
                    f: inc[f]
                    for f in (
                        "started_at",
                        "detected_at",
                        "acknowledged_at",
                        "mitigated_at",
                        "resolved_at",
                        "customer_impact",
                        "revenue_impact",
                        "summary",
                        "compiled_at",
                        "owner",
                        "compile_by",
                        "responder_hours",
                    )
                },
                "customers_affected": _int(inc["customers_affected"]),
                "tags": inc["tags"] or [],
            },
            "provenance": {
                "source": inc["source"] or "manual",
                "file": inc["source_file"],
                "imported": bool(inc["imported"]),
                "reviewed": inc["reviewed"] is not False,
            },
            "timeline": [
                {"id": _suffix(e["key"]), "at": e["at"], "kind": e["kind"], "text": e["text"], "source": e["source"]}
                for e in part["timeline"][k]
            ],
            "metrics": [
                {"name": m["name"], "unit": m["unit"], "link": m["link"], "points": json.loads(m["points"] or "[]")}
                for m in sorted(part["metrics"][k], key=lambda m: int(_suffix(m["key"])))
            ],
            "logs": [
                {f: g[f] for f in ("at", "source", "level", "text")}
                for g in sorted(part["logs"][k], key=lambda g: int(_suffix(g["key"])))
            ],
            "decisions": [
                {
                    "id": _suffix(d["key"]),
                    "at": d["at"],
                    "decision": d["decision"],
                    "rationale": d["rationale"],
                    "alternatives": d["alternatives"] or [],
                    "made_by": d["made_by"],
                }
                for d in part["decisions"][k]
            ],
            "impacts": [
                {
                    "stakeholder": m["stakeholder"],
                    "statement": m["statement"],
                    "customers_affected": _int(m["customers_affected"]),
                    "revenue_impact": m["revenue_impact"],
                }
                for m in sorted(part["impacts"][k], key=lambda m: int(_suffix(m["key"])))
            ],
            "participants": [
                {"handle": p["handle"], "role": p["role"], "team": p["team"]} for p in part["participants"][k]
            ],
            "analyses": _analyses(k, part),
            "roadmap": _roadmap(part["roadmap"][k]),
        }
        packets.append(data)
    return packets


def _analyses(k: str, part: dict[str, dict[str, list[dict[str, Any]]]]) -> list[dict[str, Any]]:
    out = []
    for a in part["analyses"][k]:
        akey = a["key"]

        def mine(rows: Iterable[dict[str, Any]], akey: str = akey) -> list[dict[str, Any]]:
            return [r for r in rows if r["analysis"] == akey]

        influences = [{"source": r["source"], "target": "impact"} for r in mine(part["impact_edges"][k])]
        influences += [{"source": r["source"], "target": r["target"]} for r in mine(part["influences"][k])]
        rc = (
            {"checked_at": a["related_checked_at"], "note": a["related_note"], "related": a["related"] or []}
            if a["related_checked_at"]
            else None
        )
        out.append(
            {
                "id": _suffix(akey),
                "method": a["method"],
                "facilitator": a["facilitator"],
                "published_at": a["published_at"],
                "validated_at": a["validated_at"],
                "factors": [
                    {
                        "id": f["local_id"],
                        "statement": f["statement"],
                        "category": f["category"],
                        "category_guessed": bool(f["category_guessed"]),
                        "read_from": f.get("read_from") or None,
                        "themes": sorted(f["themes"] or []),
                    }
                    for f in mine(part["factors"][k])
                ],
                "influences": influences,
                "barriers": [
                    {
                        "barrier": b["barrier"],
                        "name": b["name"],
                        "kind": b["kind"],
                        "status": b["status"],
                        "note": b["note"],
                        "defeated_by": sorted(b["defeated_by"] or []),
                    }
                    for b in mine(part["barriers"][k])
                ],
                "findings": [_finding(f, part, k) for f in mine(part["findings"][k])],
                "related_check": rc,
            }
        )
    return out


def _finding(f: dict[str, Any], part: dict[str, dict[str, list[dict[str, Any]]]], k: str) -> dict[str, Any]:
    fkey = f["key"]
    prefix = {"Factor": "", "Theme": "theme:", "Barrier": "barrier:"}
    addresses = [prefix[r["kind"]] + r["target"] for r in part["addresses"][k] if r["finding"] == fkey]
    work = [w for w in part["work_items"][k] if w["finding"] == fkey]
    # Keys of packet-made items without an external id end in /work/N: keep that order.
    work.sort(key=lambda w: (w["external_id"] is None, w["key"]))
    okrs = [o for o in part["objectives"][k] if o["finding"] == fkey and o["origin"] == PACKET_ORIGIN]
    return {
        "id": f["local_id"],
        "statement": f["statement"],
        "owner": f["owner"],
        "tags": f["tags"] or [],
        "impact": _int(f["impact"]),
        "effort": _int(f["effort"]),
        "status": f["status"],
        "deferred_reason": f["deferred_reason"],
        "due_at": f["due_at"],
        "addresses": addresses,
        "work_items": [
            {x: w[x] for x in ("system", "external_id", "title", "url", "status", "created_at", "closed_at", "due_at")}
            for w in work
        ],
        "okrs": [
            {
                "id": _suffix(o["key"]),
                "objective": o["objective"],
                "key_results": o["key_results"] or [],
                "quarter": o["quarter"],
            }
            for o in okrs
        ],
    }


def _roadmap(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    items: dict[str, dict[str, Any]] = {}
    for r in rows:
        item = items.setdefault(
            r["key"], {"key": r["key"], "title": r["title"], "quarter": r["quarter"], "findings": []}
        )
        item["findings"].append(r["finding"])
    return list(items.values())
