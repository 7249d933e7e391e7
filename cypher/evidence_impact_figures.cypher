// Revenue and customers stated in each incident's stakeholder impacts: revenue summed, customers the largest
// (null when no impact states the figure; the engines differ on the sum of nothing).
MATCH (i:Incident)-[:HAD_IMPACT]->(m:Impact)
WITH i.key AS incident, sum(m.revenue_impact) AS revenue, max(m.customers_affected) AS customers,
     count(m.revenue_impact) AS revenue_figures, count(m.customers_affected) AS customer_figures
RETURN incident, CASE WHEN revenue_figures = 0 THEN null ELSE revenue END AS revenue_impact,
       customers AS customers_affected, revenue_figures, customer_figures
ORDER BY incident
