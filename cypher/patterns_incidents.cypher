// Every incident with the fields cross-incident analysis needs (no text-heavy parts).
MATCH (i:Incident)
RETURN i.key AS incident, i.title AS title, i.severity AS severity, i.started_at AS started_at,
       i.tags AS tags, i.summary AS summary
ORDER BY incident
