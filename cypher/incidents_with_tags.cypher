// Every incident with its start, severity and tags, no text (the light read for counting).
MATCH (i:Incident)
RETURN i.key AS incident, i.severity AS severity, i.started_at AS started_at, i.tags AS tags
ORDER BY incident
