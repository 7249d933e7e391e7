// Teams each incident involved, one row per incident.
MATCH (i:Incident)-[:INVOLVED]->(t:Team)
RETURN i.key AS incident, collect(t.name) AS teams
ORDER BY incident
