// Work items tracking each finding, with their status and closing date.
MATCH (f:Finding)-[:TRACKED_BY]->(w:WorkItem)
RETURN f.key AS finding, w.key AS work_item, w.status AS status, w.closed_at AS closed_at
ORDER BY finding, work_item
