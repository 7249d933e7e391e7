// Incident metadata with services and teams, for rebuilding Event Packets.
MATCH (i:Incident)
WHERE i.key IN $keys
OPTIONAL MATCH (i)-[:AFFECTED]->(s:Service)
WITH i, collect(DISTINCT s.name) AS services
OPTIONAL MATCH (i)-[:INVOLVED]->(t:Team)
RETURN i.key AS incident, i.title AS title, i.severity AS severity, services,
       collect(DISTINCT t.name) AS teams, i.started_at AS started_at, i.detected_at AS detected_at,
       i.acknowledged_at AS acknowledged_at, i.mitigated_at AS mitigated_at, i.resolved_at AS resolved_at,
       i.customer_impact AS customer_impact, i.revenue_impact AS revenue_impact,
       i.customers_affected AS customers_affected, i.summary AS summary, i.tags AS tags,
       i.compiled_at AS compiled_at, i.owner AS owner, i.compile_by AS compile_by, i.source AS source, i.source_file AS source_file,
       i.imported AS imported, i.reviewed AS reviewed, i.responder_hours AS responder_hours
ORDER BY incident
