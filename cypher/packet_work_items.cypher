// Work items tracking the findings of the given incidents.
MATCH (f:Finding)-[t:TRACKED_BY]->(w:WorkItem)
WHERE f.incident_key IN $keys
RETURN f.incident_key AS incident, f.key AS finding, w.key AS key, w.system AS system,
       w.external_id AS external_id, w.title AS title, w.url AS url, w.status AS status,
       w.created_at AS created_at, w.closed_at AS closed_at, w.due_at AS due_at, t.origin AS origin
ORDER BY incident, finding, key
