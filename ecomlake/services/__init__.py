"""The local services of the embedded default: metastore database, SQL endpoint, Airflow."""
