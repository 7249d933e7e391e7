"""incident-kb: post-incident reviews as a learning loop, in one graph."""

from kb.knowledge_base import IngestReport, KnowledgeBase, connect
from kb.model import EventPacket

__all__ = ["EventPacket", "IngestReport", "KnowledgeBase", "connect"]
__version__ = "0.1.0"
