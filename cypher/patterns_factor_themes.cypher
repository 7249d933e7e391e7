// Factor -> theme links with where they came from (packet, suggested) and their confidence.
MATCH (f:Factor)-[r:INSTANCE_OF]->(t:Theme)
RETURN f.key AS factor, t.slug AS theme, r.origin AS origin, r.confidence AS confidence
ORDER BY factor, theme
