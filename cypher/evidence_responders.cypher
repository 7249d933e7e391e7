// Responders per incident: distinct people who took part with one of $roles.
// example: {"roles": ["responder", "incident_lead"]}
MATCH (p:Person)-[r:PARTICIPATED]->(i:Incident)
WHERE r.role IN $roles
RETURN i.key AS incident, count(DISTINCT p.handle) AS responders
ORDER BY incident
