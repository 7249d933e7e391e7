// Who made each MENTIONS link of the given incidents (the after-ingest hook replaces only its own).
MATCH (i:Incident)-[m:MENTIONS]->(s:Service)
WHERE i.key IN $keys
RETURN i.key AS incident, 'service' AS kind, s.name AS name, m.origin AS origin
UNION ALL
MATCH (i:Incident)-[m:MENTIONS]->(c:Component)
WHERE i.key IN $keys
RETURN i.key AS incident, 'component' AS kind, c.name AS name, m.origin AS origin
