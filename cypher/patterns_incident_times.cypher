// Every incident's start, severity and tags (the light version of patterns_incidents, for counting).
MATCH (i:Incident)
RETURN i.key AS incident, i.severity AS severity, i.started_at AS started_at, i.tags AS tags
ORDER BY incident
