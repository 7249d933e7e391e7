// Decision points of the given incidents.
MATCH (i:Incident)-[:HAS_DECISION]->(d:Decision)
WHERE i.key IN $keys
RETURN i.key AS incident, d.key AS key, d.at AS at, d.decision AS decision, d.rationale AS rationale,
       d.alternatives AS alternatives, d.made_by AS made_by
ORDER BY incident, key
