// Every work item with the findings it tracks and when it closed (a work item tracking nothing has finding null).
// loop_work_items' columns that the loop metrics read.
MATCH (w:WorkItem)
OPTIONAL MATCH (f:Finding)-[:TRACKED_BY]->(w)
RETURN w.key AS key, w.closed_at AS closed_at, f.key AS finding
ORDER BY key, finding
