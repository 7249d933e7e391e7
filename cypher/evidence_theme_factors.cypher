// Factors that are instances of the theme $slug.
// example: {"slug": "config-drift"}
MATCH (f:Factor)-[:INSTANCE_OF]->(t:Theme {slug: $slug})
RETURN f.incident_key AS incident, f.key AS factor
ORDER BY incident, factor
