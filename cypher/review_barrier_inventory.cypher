// The shared barrier inventory: every barrier an incident challenged, its status there and that incident's services.
MATCH (i:Incident)-[c:CHALLENGED]->(b:Barrier)
OPTIONAL MATCH (i)-[:AFFECTED]->(s:Service)
RETURN b.slug AS barrier, b.name AS name, b.kind AS kind, i.key AS incident, c.status AS status,
       collect(s.name) AS services
ORDER BY barrier, incident
