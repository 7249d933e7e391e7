// Which services each incident affected.
MATCH (i:Incident)-[:AFFECTED]->(s:Service)
RETURN i.key AS incident, s.name AS service
ORDER BY incident, service
