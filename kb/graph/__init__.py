"""The graph layer: packet -> rows, batched writes, graph -> packet, the named-query catalogue.

The schema (labels, keys, relationships, property kinds) is kb.model.schema.
"""

import sys

from kb.model import schema as _schema

# Code written before the schema moved to kb.model imports kb.graph.schema: the same module.
sys.modules.setdefault("kb.graph.schema", _schema)
