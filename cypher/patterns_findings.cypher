// The findings with the given keys: incident, statement, status and tags.
// example: {"keys": ["INC-2025-001/finding/R1", "INC-2025-001/finding/R2"]}
MATCH (f:Finding)
WHERE f.key IN $keys
RETURN f.key AS finding, f.incident_key AS incident, f.statement AS statement, f.status AS status,
       f.tags AS tags
ORDER BY finding
