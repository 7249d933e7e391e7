// Every finding with what its deadline and settlement depend on, and each work item tracking it (null when none).
// evidence_followups without the text and the work items' own status and due date: what the overdue counts
// of the loop metrics read (~half of its server time and of the decoding at 10,000 incidents).
MATCH (i:Incident)-[:ANALYZED_IN]->(a:Analysis)-[:PRODUCED]->(f:Finding)
OPTIONAL MATCH (f)-[:TRACKED_BY]->(w:WorkItem)
RETURN f.key AS finding, f.status AS status, f.due_at AS due_at, a.published_at AS published_at,
       i.severity AS severity, i.started_at AS started_at, w.key AS work_item, w.closed_at AS closed_at
ORDER BY finding, work_item
