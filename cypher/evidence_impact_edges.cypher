// Every factor that contributed directly to its incident's impact.
MATCH (f:Factor)-[:CONTRIBUTED_TO_IMPACT]->(i:Incident)
RETURN i.key AS incident, f.key AS factor
ORDER BY incident, factor
