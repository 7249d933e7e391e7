"""Outside systems the learning loop talks to: Jira (REST API v3 and CSV)."""
