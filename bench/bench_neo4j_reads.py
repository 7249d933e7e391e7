"""Every catalogue query on the Neo4j server of NEO4J_URI, read as one record and record by record.

    set -a; . ./.neo4j-test.env; set +a   # a server holding a graph (e.g. after `kb ingest`)
    python bench/bench_neo4j_reads.py [--repeat 3]

Runs each catalogue query (and its every-incident form) both ways in this process, interleaved,
checks that the two frames are equal (values, dtypes, columns, row order) and prints the client's
CPU seconds of each way and the server's (the CPU time of the process KB_NEO4J_PID names, when it
runs on this machine, as scripts/neo4j_server.py's env file gives it). Exit 1 if any frame differs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import kb  # noqa: E402
from kb.graph import catalogue  # noqa: E402

_EXAMPLE = re.compile(r"^//\s*example:\s*(\{.*\})\s*$", re.MULTILINE)
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def server_cpu() -> float:
    """CPU seconds of the server process (0 when it is not a process of this machine)."""
    pid = os.environ.get("KB_NEO4J_PID")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def params_of(text: str, keys: list[str]) -> dict[str, Any]:
    found = _EXAMPLE.search(text)
    params: dict[str, Any] = json.loads(found.group(1)) if found else {}
    for p in set(_PARAM.findall(text)) - params.keys():
        params[p] = {"keys": keys, "key": keys[0], "incident": keys[0], "limit": 10}.get(p)
    return params


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1)
    opts = ap.parse_args()
    kbase = kb.connect(engine="neo4j")
    engine: Any = kbase.engine
    keys = [str(k) for k in kbase.cypher("MATCH (i:Incident) RETURN i.key AS key ORDER BY key")["key"]]
    if not keys:
        print("the graph holds no incidents: ingest some first", file=sys.stderr)
        return 2
    texts = [catalogue.query_text(n, "neo4j") for n in catalogue.names()]
    texts += [t for t in (catalogue.query_text_every(n, "neo4j") for n in catalogue.names()) if t is not None]
    cpu = {"one record": 0.0, "by records": 0.0}
    server = dict.fromkeys(cpu, 0.0)
    differ = 0
    for text in texts:
        params = params_of(text, keys)
        frames = {}
        for _ in range(opts.repeat):
            for way in cpu:
                engine._columns.pop(text, None)
                if way == "by records":
                    engine._columns[text] = None
                c, s = time.process_time(), server_cpu()
                frames[way] = engine.read(text, params)
                cpu[way] += time.process_time() - c
                server[way] += server_cpu() - s
        a, b = frames.values()
        if not (a.equals(b) and list(a.dtypes) == list(b.dtypes) and list(a.columns) == list(b.columns)):
            differ += 1
            print("differs:", " ".join(text.split())[:120])
    kbase.close()
    print(f"{len(texts)} queries over {len(keys):,} incidents, {opts.repeat} run(s) each way; {differ} differ")
    for way in cpu:
        print(f"  {way:10}  client {cpu[way]:6.2f} CPU s   server {server[way]:6.2f} CPU s")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
