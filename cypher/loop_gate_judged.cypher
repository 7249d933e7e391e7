// What the integration gate judges of each finding of the given incidents: status, ratings, deferral, what tracks it.
// example: {"keys": ["INC-2025-001"]}
MATCH (i:Incident)-[:ANALYZED_IN]->(a:Analysis)-[:PRODUCED]->(f:Finding)
WHERE i.key IN $keys
OPTIONAL MATCH (f)-[:TRACKED_BY]->(w:WorkItem)
// Grouped by the key, not the node: on Neo4j a group by i made the planner start from Incident, whose
// relationships it walks to find ANALYZED_IN (~37 db hits an incident, ~30% of the query's hits).
WITH i.key AS incident, f, collect(w.key) AS work_items
OPTIONAL MATCH (f)-[:PROPOSED_AS]->(o:Objective)
RETURN incident, f.key AS finding, f.local_id AS local_id, f.impact AS impact, f.effort AS effort,
       f.status AS status, f.deferred_reason AS deferred_reason, work_items, collect(o.key) AS objectives
ORDER BY incident, finding
