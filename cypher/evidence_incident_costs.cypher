// Every incident with the figures its cost is made of (times, money, customers, stated responder hours).
MATCH (i:Incident)
RETURN i.key AS incident, i.title AS title, i.severity AS severity, i.started_at AS started_at,
       i.detected_at AS detected_at, i.mitigated_at AS mitigated_at, i.resolved_at AS resolved_at,
       i.revenue_impact AS revenue_impact, i.customers_affected AS customers_affected,
       i.responder_hours AS responder_hours
ORDER BY incident
