"""Credentials never reach the terminal: one helper for every message that may hold a URL.

A URL's user-info (`bolt://neo4j:secret@host`, `https://me:token@jira`) and secret-looking
query parameters (`?password=...`, `token=`, `api_key=`) are replaced by `***`. Used by the
engines (their descriptions and errors), the Jira client and the CLI's error boundary.
"""

from __future__ import annotations

import re

# Linear: each alternative is a run of one character class ending at a fixed delimiter.
_USERINFO = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]{0,30}://)[^/@\s?#]{1,500}@")
_SECRET_PARAM = re.compile(
    r"([?&;](?:password|passwd|pwd|token|api[_-]?key|secret|access[_-]?token)=)[^&;#\s]{1,500}", re.IGNORECASE
)


def redact(text: str) -> str:
    """`text` with the credentials of every URL in it replaced by ***."""
    text = _USERINFO.sub(r"\1***@", text)
    return _SECRET_PARAM.sub(r"\1***", text)
