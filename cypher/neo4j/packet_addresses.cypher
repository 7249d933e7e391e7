// What each finding addresses (Neo4j: labels() instead of Ladybug's label()).
MATCH (f:Finding)-[:ADDRESSES]->(x)
WHERE f.incident_key IN $keys
RETURN f.incident_key AS incident, f.key AS finding, head(labels(x)) AS kind,
       coalesce(x.local_id, x.slug) AS target
ORDER BY incident, finding, kind, target
