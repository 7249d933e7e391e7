// Services each incident affected, one row per incident.
MATCH (i:Incident)-[:AFFECTED]->(s:Service)
RETURN i.key AS incident, collect(s.name) AS services
ORDER BY incident
