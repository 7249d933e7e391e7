// Themes a finding addresses through a factor it addresses.
MATCH (f:Finding)-[:ADDRESSES]->(x:Factor)-[:INSTANCE_OF]->(t:Theme)
RETURN DISTINCT f.key AS finding, t.slug AS theme
ORDER BY finding, theme
