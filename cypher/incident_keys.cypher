// Every incident key, oldest first.
MATCH (i:Incident)
RETURN i.key AS incident, i.started_at AS started_at
ORDER BY started_at, incident
