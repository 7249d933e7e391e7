// Barriers a finding addresses through a factor it addresses that defeated the barrier.
MATCH (f:Finding)-[:ADDRESSES]->(x:Factor)-[:DEFEATED]->(b:Barrier)
RETURN DISTINCT f.key AS finding, b.slug AS barrier
ORDER BY finding, barrier
