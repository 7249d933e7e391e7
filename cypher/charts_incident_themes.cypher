// Each incident's start time with the themes its factors carry (one row per incident and theme).
MATCH (i:Incident)-[:ANALYZED_IN]->(:Analysis)-[:IDENTIFIED]->(f:Factor)-[:INSTANCE_OF]->(t:Theme)
RETURN DISTINCT i.key AS incident, i.started_at AS started_at, i.severity AS severity, t.slug AS theme
ORDER BY incident, theme
