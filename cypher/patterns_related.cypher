// Stored related-incident edges of one origin ("similarity" for the ingest-time check), best first.
// example: {"origin": "similarity"}
MATCH (a:Incident)-[e:RELATED_TO]->(b:Incident)
WHERE e.origin = $origin
RETURN a.key AS incident, b.key AS related, e.score AS score, e.basis AS basis, e.origin AS origin
ORDER BY incident, score DESC, related
