// The incidents each given incident links to by RELATED_TO (its earlier similar incidents).
MATCH (i:Incident)-[:RELATED_TO]->(j:Incident)
WHERE i.key IN $keys
RETURN i.key AS incident, collect(j.key) AS related
ORDER BY incident
