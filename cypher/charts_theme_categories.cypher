// How many factors of each category carry each theme (a theme is drawn in its dominant category's colour).
MATCH (f:Factor)-[:INSTANCE_OF]->(t:Theme)
RETURN t.slug AS theme, t.name AS name, f.category AS category, count(f) AS factors
ORDER BY theme, category
