// Themes a finding addresses directly ("theme:SLUG").
MATCH (f:Finding)-[:ADDRESSES]->(t:Theme)
RETURN f.key AS finding, t.slug AS theme
ORDER BY finding, theme
