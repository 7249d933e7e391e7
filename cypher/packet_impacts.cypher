// Stakeholder impact statements of the given incidents.
MATCH (i:Incident)-[:HAD_IMPACT]->(m:Impact)
WHERE i.key IN $keys
RETURN i.key AS incident, m.key AS key, m.stakeholder AS stakeholder, m.statement AS statement,
       m.customers_affected AS customers_affected, m.revenue_impact AS revenue_impact
ORDER BY incident, key
