// What each finding of the given incidents addresses: factors, themes, barriers.
MATCH (f:Finding)-[:ADDRESSES]->(x)
WHERE f.incident_key IN $keys
RETURN f.incident_key AS incident, f.key AS finding, label(x) AS kind,
       coalesce(x.local_id, x.slug) AS target
ORDER BY incident, finding, kind, target
