// Barriers each incident challenged with one of $statuses (e.g. failed, missing, bypassed), one row per incident.
// example: {"statuses": ["failed", "missing", "bypassed"]}
MATCH (i:Incident)-[c:CHALLENGED]->(b:Barrier)
WHERE c.status IN $statuses
RETURN i.key AS incident, collect(b.slug) AS barriers
ORDER BY incident
