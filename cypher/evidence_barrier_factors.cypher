// Factors that defeated the barrier $slug in incidents that challenged it with one of $statuses.
// example: {"slug": "config-validation", "statuses": ["failed", "missing", "bypassed"]}
MATCH (i:Incident)-[c:CHALLENGED]->(b:Barrier {slug: $slug})
WHERE c.status IN $statuses
MATCH (f:Factor)-[:DEFEATED]->(b)
WHERE f.incident_key = i.key
RETURN DISTINCT i.key AS incident, f.key AS factor
ORDER BY incident, factor
