// Participants of the given incidents with their roles and teams.
MATCH (p:Person)-[r:PARTICIPATED]->(i:Incident)
WHERE i.key IN $keys
RETURN i.key AS incident, p.handle AS handle, r.role AS role, r.team AS team
ORDER BY incident, handle, role
