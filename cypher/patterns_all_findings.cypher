// Every finding with its incident, statement, status and tags (for search).
MATCH (f:Finding)
RETURN f.key AS finding, f.incident_key AS incident, f.statement AS statement, f.status AS status,
       f.tags AS tags
ORDER BY finding
