// Log and error snippets of the given incidents.
MATCH (i:Incident)-[:HAS_LOG]->(l:LogSnippet)
WHERE i.key IN $keys
RETURN i.key AS incident, l.key AS key, l.at AS at, l.source AS source, l.level AS level, l.text AS text
ORDER BY incident, key
