// Every incident with its title, severity, start, tags and summary (the text similarity and search read).
MATCH (i:Incident)
RETURN i.key AS incident, i.title AS title, i.severity AS severity, i.started_at AS started_at,
       i.tags AS tags, i.summary AS summary
ORDER BY incident
