// Roadmap items with the findings that motivated them, their analyses and incidents (nulls when untraced).
MATCH (r:RoadmapItem)
OPTIONAL MATCH (r)-[m:MOTIVATED_BY]->(f:Finding)<-[:PRODUCED]-(a:Analysis)<-[:ANALYZED_IN]-(i:Incident)
RETURN r.key AS item, r.title AS title, r.quarter AS quarter, m.origin AS link_origin, f.key AS finding,
       f.statement AS statement, f.status AS finding_status, a.key AS analysis, a.method AS method,
       a.published_at AS published_at, i.key AS incident, i.title AS incident_title, i.started_at AS started_at
ORDER BY item, finding
