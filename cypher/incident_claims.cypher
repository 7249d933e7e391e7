// Incidents stored under a key or carrying a tag (e.g. "pagerduty:PXXXXXX"), to merge an outside record into its packet.
// example: {"key": "INC-2025-001", "tag": "pagerduty:none"}
MATCH (i:Incident)
WHERE i.key = $key OR $tag IN i.tags
RETURN i.key AS incident
ORDER BY incident
