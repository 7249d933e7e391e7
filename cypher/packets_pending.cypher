// Packets still to compile: a due time (compile_by, set by `kb new`) and no compiled_at, soonest due first.
MATCH (i:Incident)
WHERE i.compile_by IS NOT NULL AND i.compiled_at IS NULL
RETURN i.key AS incident, i.title AS title, i.severity AS severity, i.owner AS owner,
       i.compile_by AS compile_by, i.resolved_at AS resolved_at
ORDER BY compile_by, incident
