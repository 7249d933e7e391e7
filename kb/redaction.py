"""Credentials never reach the terminal: one helper for every message that may hold a URL.

A URL's user-info (`bolt://neo4j:secret@host`, `https://me:token@jira`) and secret-looking
query parameters (`?password=...`, `token=`, `api_key=`) are replaced by `***`. Used by the
engines (their descriptions and errors), the Jira client and the CLI's error boundary.
"""

from __future__ import annotations

import re
from functools import cache

# Linear: each alternative is a run of one character class ending at a fixed delimiter.
_USERINFO = r"([A-Za-z][A-Za-z0-9+.\-]{0,30}://)[^/@\s?#]{1,500}@"
_SECRET_PARAM = r"([?&;](?:password|passwd|pwd|token|api[_-]?key|secret|access[_-]?token)=)[^&;#\s]{1,500}"


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Compiled on first use, not at import: their bounded repeats take ~5 ms to compile (start-up)."""
    return re.compile(_USERINFO), re.compile(_SECRET_PARAM, re.IGNORECASE)


def redact(text: str) -> str:
    """`text` with the credentials of every URL in it replaced by ***."""
    userinfo, secret_param = _patterns()
    text = userinfo.sub(r"\1***@", text)
    return secret_param.sub(r"\1***", text)
