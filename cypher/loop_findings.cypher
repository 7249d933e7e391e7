// Every finding with its analysis, incident and the dates the loop metrics need.
MATCH (i:Incident)-[:ANALYZED_IN]->(a:Analysis)-[:PRODUCED]->(f:Finding)
RETURN f.key AS finding, f.statement AS statement, f.status AS status, f.impact AS impact, f.effort AS effort,
       a.key AS analysis, a.published_at AS published_at, i.key AS incident, i.started_at AS started_at
ORDER BY finding
