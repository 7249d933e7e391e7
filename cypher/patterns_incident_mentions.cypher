// Services and components found in each incident's text (MENTIONS, tool-made), with the evidence.
MATCH (i:Incident)-[m:MENTIONS]->(s:Service)
RETURN i.key AS incident, 'service' AS kind, s.name AS name, m.evidence AS evidence, m.learned AS learned
UNION ALL
MATCH (i:Incident)-[m:MENTIONS]->(c:Component)
RETURN i.key AS incident, 'component' AS kind, c.name AS name, m.evidence AS evidence, m.learned AS learned
