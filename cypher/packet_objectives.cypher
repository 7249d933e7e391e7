// OKR proposals made from the findings of the given incidents.
MATCH (f:Finding)-[p:PROPOSED_AS]->(o:Objective)
WHERE f.incident_key IN $keys
RETURN f.incident_key AS incident, f.key AS finding, o.key AS key, o.objective AS objective,
       o.key_results AS key_results, o.quarter AS quarter, p.origin AS origin
ORDER BY incident, finding, key
