// Every finding with its incident and its follow-up: work items (and how many closed), OKR proposals, roadmap items.
MATCH (i:Incident)-[:ANALYZED_IN]->(:Analysis)-[:PRODUCED]->(f:Finding)
OPTIONAL MATCH (f)-[:TRACKED_BY]->(w:WorkItem)
WITH i, f, count(w) AS work_items, sum(CASE WHEN w.closed_at IS NULL THEN 0 ELSE 1 END) AS work_closed
OPTIONAL MATCH (f)-[:PROPOSED_AS]->(o:Objective)
WITH i, f, work_items, work_closed, count(o) AS objectives
OPTIONAL MATCH (r:RoadmapItem)-[:MOTIVATED_BY]->(f)
RETURN i.key AS incident, i.severity AS severity, i.started_at AS started_at, f.key AS finding,
       f.status AS status, work_items, work_closed, objectives, collect(r.key) AS roadmap_items
ORDER BY finding
