// Analyses of the given incidents.
MATCH (i:Incident)-[:ANALYZED_IN]->(a:Analysis)
WHERE i.key IN $keys
RETURN i.key AS incident, a.key AS key, a.method AS method, a.facilitator AS facilitator,
       a.published_at AS published_at, a.validated_at AS validated_at,
       a.related_checked_at AS related_checked_at, a.related_note AS related_note,
       a.related AS related
ORDER BY incident, key
