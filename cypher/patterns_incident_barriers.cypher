// Barriers each incident challenged, with the assessed status (failed, missing, bypassed, held).
MATCH (i:Incident)-[c:CHALLENGED]->(b:Barrier)
RETURN i.key AS incident, b.slug AS barrier, c.status AS status
ORDER BY incident, barrier, status
