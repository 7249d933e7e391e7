// Metric snapshots (points as JSON text) of the given incidents.
MATCH (i:Incident)-[:HAS_METRIC]->(m:MetricSnapshot)
WHERE i.key IN $keys
RETURN i.key AS incident, m.key AS key, m.name AS name, m.unit AS unit, m.link AS link, m.points AS points
ORDER BY incident, key
