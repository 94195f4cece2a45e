"""The write side of the dashboard: schema, migrations, engine, rollups, demo city and ingestion."""
