// Which teams each incident involved.
MATCH (i:Incident)-[:INVOLVED]->(t:Team)
RETURN i.key AS incident, t.name AS team
ORDER BY incident, team
