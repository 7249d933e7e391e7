"""The graph layer: schema, packet -> rows, batched writes, the named-query catalogue."""
