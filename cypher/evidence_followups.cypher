// Every finding with what its deadline depends on, and each work item tracking it (null when none).
MATCH (i:Incident)-[:ANALYZED_IN]->(a:Analysis)-[:PRODUCED]->(f:Finding)
OPTIONAL MATCH (f)-[:TRACKED_BY]->(w:WorkItem)
RETURN f.key AS finding, f.statement AS statement, f.owner AS owner, f.status AS status, f.due_at AS due_at,
       a.published_at AS published_at, i.key AS incident, i.severity AS severity, i.started_at AS started_at,
       w.key AS work_item, w.status AS work_status, w.closed_at AS closed_at, w.due_at AS work_due_at
ORDER BY finding, work_item
