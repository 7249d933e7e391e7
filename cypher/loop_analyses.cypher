// Every analysis with its incident, facilitator and publication time.
MATCH (i:Incident)-[:ANALYZED_IN]->(a:Analysis)
RETURN i.key AS incident, i.started_at AS started_at, i.resolved_at AS resolved_at, a.key AS analysis,
       a.method AS method, a.facilitator AS facilitator, a.published_at AS published_at
ORDER BY incident, analysis
