// How many incidents each given incident is linked to by RELATED_TO (either direction).
MATCH (i:Incident)-[:RELATED_TO]-(j:Incident)
WHERE i.key IN $keys
RETURN i.key AS incident, count(DISTINCT j.key) AS related
ORDER BY incident
