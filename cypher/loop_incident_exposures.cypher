// What each incident could repeat: its themes, and the barriers it challenged with one of $barrier_statuses.
// example: {"barrier_statuses": ["failed", "missing", "bypassed"]}
MATCH (i:Incident)-[:ANALYZED_IN]->(:Analysis)-[:IDENTIFIED]->(:Factor)-[:INSTANCE_OF]->(t:Theme)
RETURN DISTINCT i.key AS incident, i.started_at AS started_at, 'theme' AS via_kind, t.slug AS via
UNION
MATCH (i:Incident)-[c:CHALLENGED]->(b:Barrier)
WHERE c.status IN $barrier_statuses
RETURN DISTINCT i.key AS incident, i.started_at AS started_at, 'barrier' AS via_kind, b.slug AS via
