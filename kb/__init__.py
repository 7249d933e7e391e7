"""incident-kb: post-incident reviews as a learning loop, in one graph."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kb.knowledge_base import IngestReport, KnowledgeBase, connect
    from kb.model import EventPacket

__all__ = ["EventPacket", "IngestReport", "KnowledgeBase", "connect"]
__version__ = "0.1.0"

# Loaded on first use (PEP 562): `import kb` stays cheap, so `kb --help` does not pay for pandas and pydantic.
_LAZY = {"IngestReport": "kb.knowledge_base", "KnowledgeBase": "kb.knowledge_base", "connect": "kb.knowledge_base",
         "EventPacket": "kb.model"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kb' has no attribute {name!r}")
