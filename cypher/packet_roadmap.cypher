// Roadmap items motivated by the findings of the given incidents.
MATCH (r:RoadmapItem)-[:MOTIVATED_BY]->(f:Finding)
WHERE f.incident_key IN $keys
RETURN f.incident_key AS incident, r.key AS key, r.title AS title, r.quarter AS quarter,
       f.local_id AS finding
ORDER BY incident, key, finding
