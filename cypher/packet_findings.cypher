// Findings of the given incidents.
MATCH (a:Analysis)-[:PRODUCED]->(f:Finding)
WHERE f.incident_key IN $keys
RETURN f.incident_key AS incident, a.key AS analysis, f.key AS key, f.local_id AS local_id,
       f.statement AS statement, f.owner AS owner, f.tags AS tags, f.impact AS impact, f.effort AS effort,
       f.status AS status, f.deferred_reason AS deferred_reason, f.due_at AS due_at
ORDER BY incident, key
