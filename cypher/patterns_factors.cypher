// Every factor with its statement, for text similarity and theme suggestions.
MATCH (f:Factor)
RETURN f.key AS factor, f.incident_key AS incident, f.statement AS statement, f.category AS category
ORDER BY factor
