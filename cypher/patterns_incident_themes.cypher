// Themes per incident (through its factors), with how many factors carry each.
MATCH (f:Factor)-[:INSTANCE_OF]->(t:Theme)
RETURN f.incident_key AS incident, t.slug AS theme, count(f) AS factors
ORDER BY incident, theme
