// Every line of influence between factors: source contributed to target.
MATCH (a:Factor)-[:CONTRIBUTED_TO]->(b:Factor)
RETURN a.incident_key AS incident, a.key AS source, b.key AS target
ORDER BY incident, source, target
