// Timeline events of the given incidents, in time order.
MATCH (i:Incident)-[:HAS_EVENT]->(e:TimelineEvent)
WHERE i.key IN $keys
RETURN i.key AS incident, e.key AS key, e.at AS at, e.kind AS kind, e.text AS text, e.source AS source
ORDER BY incident, at, key
