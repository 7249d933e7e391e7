// Every incident with its title, severity, start and how many factors its analyses identified.
MATCH (i:Incident)
OPTIONAL MATCH (i)-[:ANALYZED_IN]->(:Analysis)-[:IDENTIFIED]->(f:Factor)
RETURN i.key AS incident, i.title AS title, i.severity AS severity, i.started_at AS started_at,
       count(f) AS factors
ORDER BY incident
