// Every work item with the findings it tracks (a work item tracking nothing has finding null).
MATCH (w:WorkItem)
OPTIONAL MATCH (f:Finding)-[t:TRACKED_BY]->(w)
RETURN w.key AS key, w.system AS system, w.external_id AS external_id, w.title AS title, w.status AS status,
       w.resolution AS resolution, w.created_at AS created_at, w.closed_at AS closed_at, w.origin AS origin,
       f.key AS finding, f.incident_key AS incident, t.origin AS link_origin
ORDER BY key, finding
