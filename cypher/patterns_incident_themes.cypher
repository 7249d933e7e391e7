// Themes per incident (through its factors), one row per incident (a theme repeats once per factor).
MATCH (f:Factor)-[:INSTANCE_OF]->(t:Theme)
RETURN f.incident_key AS incident, collect(t.slug) AS themes
ORDER BY incident
