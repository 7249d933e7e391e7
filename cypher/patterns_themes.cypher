// The theme taxonomy: every theme with its name and description.
MATCH (t:Theme)
RETURN t.slug AS theme, t.name AS name, t.description AS description
ORDER BY theme
