"""Cross-incident analysis: read through the named-query catalogue, return DataFrames and graphs."""
