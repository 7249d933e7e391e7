// Factors of the given incidents with their themes (any origin).
MATCH (a:Analysis)-[:IDENTIFIED]->(f:Factor)
WHERE f.incident_key IN $keys
OPTIONAL MATCH (f)-[:INSTANCE_OF]->(t:Theme)
RETURN f.incident_key AS incident, a.key AS analysis, f.key AS key, f.local_id AS local_id,
       f.statement AS statement, f.category AS category, f.category_guessed AS category_guessed,
       f.read_from AS read_from,
       collect(t.slug) AS themes
ORDER BY incident, key
