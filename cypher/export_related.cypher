// Incidents linked to the given ones by RELATED_TO in either direction, with score and basis (the review export's check against the past).
MATCH (i:Incident)-[e:RELATED_TO]-(j:Incident)
WHERE i.key IN $keys
RETURN i.key AS incident, j.key AS related, j.title AS title, j.started_at AS started_at,
       e.score AS score, e.basis AS basis, e.origin AS origin
ORDER BY incident, score DESC, related
