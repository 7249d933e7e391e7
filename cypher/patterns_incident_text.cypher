// The longer text of every incident for similarity: customer impact, stakeholder impact
// statements and timeline entries, one row per incident and part.
MATCH (i:Incident)-[:HAS_EVENT]->(e:TimelineEvent)
RETURN i.key AS incident, 'timeline' AS part, collect(e.text) AS texts
UNION ALL
MATCH (i:Incident)-[:HAD_IMPACT]->(m:Impact)
RETURN i.key AS incident, 'impact' AS part, collect(m.statement) AS texts
