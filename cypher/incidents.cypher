// Every incident with its title, severity, start and resolution, oldest first (also the list of incident keys).
MATCH (i:Incident)
RETURN i.key AS incident, i.title AS title, i.severity AS severity, i.started_at AS started_at,
       i.resolved_at AS resolved_at
ORDER BY started_at, incident
