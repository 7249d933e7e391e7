// Factors that contributed directly to the observed impact of the given incidents.
MATCH (s:Factor)-[:CONTRIBUTED_TO_IMPACT]->(i:Incident)
WHERE i.key IN $keys
RETURN i.key AS incident, s.analysis_key AS analysis, s.local_id AS source
ORDER BY incident, source
