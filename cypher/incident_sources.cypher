// Incidents per provenance source (manual, markdown, pagerduty, demo, ...).
MATCH (i:Incident)
RETURN coalesce(i.source, 'manual') AS source, count(i) AS incidents
ORDER BY source
