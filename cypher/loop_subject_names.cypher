// Display names of themes and barriers, the subjects of OKR proposals.
MATCH (t:Theme)
RETURN 'theme' AS kind, t.slug AS slug, t.name AS name
UNION
MATCH (b:Barrier)
RETURN 'barrier' AS kind, b.slug AS slug, b.name AS name
