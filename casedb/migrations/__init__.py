"""Alembic migrations (versions/) and the helpers more than one revision uses."""
