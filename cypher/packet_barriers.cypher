// Barrier assessments of the given incidents with the factors that defeated each.
MATCH (i:Incident)-[c:CHALLENGED]->(b:Barrier)
WHERE i.key IN $keys
OPTIONAL MATCH (f:Factor)-[:DEFEATED]->(b)
WHERE f.incident_key = i.key AND f.analysis_key = c.analysis_key
RETURN i.key AS incident, c.analysis_key AS analysis, b.slug AS barrier, b.name AS name, b.kind AS kind,
       c.status AS status, c.note AS note, collect(f.local_id) AS defeated_by
ORDER BY incident, barrier
