// Every incident with the file it came from and whether it was imported and reviewed.
MATCH (i:Incident)
RETURN i.key AS incident, i.started_at AS started_at, i.source_file AS source_file,
       i.imported AS imported, i.reviewed AS reviewed
ORDER BY incident
