// Findings of the given incidents with what tracks them: work items and OKR proposals (the gate's input).
// example: {"keys": ["INC-2025-001"]}
MATCH (i:Incident)-[:ANALYZED_IN]->(a:Analysis)-[:PRODUCED]->(f:Finding)
WHERE i.key IN $keys
OPTIONAL MATCH (f)-[:TRACKED_BY]->(w:WorkItem)
WITH i, a, f, collect(w.key) AS work_items
OPTIONAL MATCH (f)-[:PROPOSED_AS]->(o:Objective)
RETURN i.key AS incident, a.key AS analysis, a.published_at AS published_at, f.key AS finding,
       f.local_id AS local_id, f.statement AS statement, f.owner AS owner, f.tags AS tags,
       f.impact AS impact, f.effort AS effort, f.status AS status, f.deferred_reason AS deferred_reason,
       work_items, collect(o.key) AS objectives
ORDER BY incident, finding
