// Findings with a status in $statuses and the themes/barriers they address, directly (direct true) or through a factor.
// example: {"statuses": ["agreed", "done"]}
MATCH (e:Incident)-[:ANALYZED_IN]->(:Analysis)-[:PRODUCED]->(n:Finding)-[:ADDRESSES]->(t:Theme)
WHERE n.status IN $statuses
RETURN e.key AS incident, e.started_at AS started_at, n.key AS finding, 'theme' AS via_kind, t.slug AS via, true AS direct
UNION
MATCH (e:Incident)-[:ANALYZED_IN]->(:Analysis)-[:PRODUCED]->(n:Finding)-[:ADDRESSES]->(:Factor)-[:INSTANCE_OF]->(t:Theme)
WHERE n.status IN $statuses
RETURN e.key AS incident, e.started_at AS started_at, n.key AS finding, 'theme' AS via_kind, t.slug AS via, false AS direct
UNION
MATCH (e:Incident)-[:ANALYZED_IN]->(:Analysis)-[:PRODUCED]->(n:Finding)-[:ADDRESSES]->(b:Barrier)
WHERE n.status IN $statuses
RETURN e.key AS incident, e.started_at AS started_at, n.key AS finding, 'barrier' AS via_kind, b.slug AS via, true AS direct
UNION
MATCH (e:Incident)-[:ANALYZED_IN]->(:Analysis)-[:PRODUCED]->(n:Finding)-[:ADDRESSES]->(:Factor)-[:DEFEATED]->(b:Barrier)
WHERE n.status IN $statuses
RETURN e.key AS incident, e.started_at AS started_at, n.key AS finding, 'barrier' AS via_kind, b.slug AS via, false AS direct
