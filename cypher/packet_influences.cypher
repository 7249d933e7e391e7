// Influence edges between factors of the given incidents (factor -> factor).
MATCH (s:Factor)-[:CONTRIBUTED_TO]->(t:Factor)
WHERE s.incident_key IN $keys
RETURN s.incident_key AS incident, s.analysis_key AS analysis, s.local_id AS source, t.local_id AS target
ORDER BY incident, source, target
