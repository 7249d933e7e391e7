// Revenue and customers stated in each incident's stakeholder impacts, summed per incident.
MATCH (i:Incident)-[:HAD_IMPACT]->(m:Impact)
RETURN i.key AS incident, sum(m.revenue_impact) AS revenue_impact, max(m.customers_affected) AS customers_affected,
       count(m.revenue_impact) AS revenue_figures, count(m.customers_affected) AS customer_figures
ORDER BY incident
