"""A canonical dump of a whole graph, to compare two databases: every node with all its
properties, every relationship with its endpoints' keys and all its properties.

Generated from kb.model.schema, so a property added to the schema is compared too.
Values are normalised (timestamps to UTC ISO strings, floats rounded, NaN/NaT to None)
and rows sorted, so the dump does not depend on the engine's return order.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import pandas as pd

from kb.knowledge_base import KnowledgeBase
from kb.model.schema import NODE_BY_LABEL, NODES, RELS


def canon(value: Any, unordered: bool = False) -> Any:
    """A value as comparable plain data; `unordered` sorts lists (collect() order is the engine's)."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 9)
    if isinstance(value, pd.Timestamp | datetime):
        stamp = pd.Timestamp(value)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        return stamp.isoformat()
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()
    if isinstance(value, list | tuple):
        items = [canon(v, unordered) for v in value]
        return tuple(sorted(items, key=repr) if unordered else items)
    if hasattr(value, "item"):
        return canon(value.item(), unordered)
    return value


def _rows(df: pd.DataFrame) -> list[tuple[Any, ...]]:
    cols = list(df.columns)
    return sorted(
        (tuple((c, canon(v)) for c, v in zip(cols, row, strict=True)) for row in df.itertuples(index=False)), key=repr
    )


def graph_dump(kbase: KnowledgeBase) -> dict[str, list[tuple[Any, ...]]]:
    """{"node:Label": rows, "rel:TYPE:Src->Dst": rows} for every label and relationship in the schema."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for spec in NODES:
        props = ", ".join(f"n.{p} AS {p}" for p in spec.all_props)
        out[f"node:{spec.label}"] = _rows(kbase.cypher(f"MATCH (n:{spec.label}) RETURN {props}"))
    for rel in RELS:
        for src, dst in rel.pairs:
            skey, dkey = NODE_BY_LABEL[src].key, NODE_BY_LABEL[dst].key
            props = "".join(f", e.{p} AS {p}" for p in rel.all_props)
            out[f"rel:{rel.type}:{src}->{dst}"] = _rows(
                kbase.cypher(
                    f"MATCH (a:{src})-[e:{rel.type}]->(b:{dst}) RETURN a.{skey} AS src, b.{dkey} AS dst{props}"
                )
            )
    return out


def dump_differences(
    a: dict[str, list[tuple[Any, ...]]], b: dict[str, list[tuple[Any, ...]]], limit: int = 5
) -> list[str]:
    """Readable differences, a few per part, for an assertion message."""
    out = []
    for part in sorted(set(a) | set(b)):
        ra, rb = set(a.get(part, [])), set(b.get(part, []))
        if ra != rb:
            only_a, only_b = sorted(ra - rb, key=repr)[:limit], sorted(rb - ra, key=repr)[:limit]
            out.append(
                f"{part}: {len(ra - rb)} only in the first, {len(rb - ra)} only in the second; "
                f"e.g. {only_a[:1]} vs {only_b[:1]}"
            )
    return out
