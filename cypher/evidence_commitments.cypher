// Work items of findings (status in $statuses) that name a theme or barrier, with the finding's incident.
// example: {"statuses": ["agreed", "done"]}
MATCH (i:Incident)-[:ANALYZED_IN]->(:Analysis)-[:PRODUCED]->(f:Finding)-[:ADDRESSES]->(t:Theme)
MATCH (f)-[:TRACKED_BY]->(w:WorkItem)
WHERE f.status IN $statuses
RETURN 'theme' AS kind, t.slug AS subject, i.key AS incident, i.started_at AS started_at, f.key AS finding,
       w.key AS work_item, w.created_at AS created_at, w.closed_at AS closed_at
UNION
MATCH (i:Incident)-[:ANALYZED_IN]->(:Analysis)-[:PRODUCED]->(f:Finding)-[:ADDRESSES]->(b:Barrier)
MATCH (f)-[:TRACKED_BY]->(w:WorkItem)
WHERE f.status IN $statuses
RETURN 'barrier' AS kind, b.slug AS subject, i.key AS incident, i.started_at AS started_at, f.key AS finding,
       w.key AS work_item, w.created_at AS created_at, w.closed_at AS closed_at
