// Barriers a finding addresses directly ("barrier:SLUG").
MATCH (f:Finding)-[:ADDRESSES]->(b:Barrier)
RETURN f.key AS finding, b.slug AS barrier
ORDER BY finding, barrier
