"""Alembic migrations for the RAAK Monitor schema (shipped as a package so `raak db upgrade` works installed)."""
