"""``ecomgen bench``: the platform's chain timed stage by stage, and its headline figures checked against DuckDB."""
