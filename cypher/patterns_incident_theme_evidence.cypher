// Every theme of every incident with how sure it is: the link's origin and confidence, and
// whether the packet was imported and not yet reviewed (its themes are then keyword guesses).
MATCH (i:Incident)-[:ANALYZED_IN]->(:Analysis)-[:IDENTIFIED]->(f:Factor)-[r:INSTANCE_OF]->(t:Theme)
RETURN i.key AS incident, t.slug AS theme, r.origin AS origin, r.confidence AS confidence,
       i.imported AS imported, i.reviewed AS reviewed
ORDER BY incident, theme
