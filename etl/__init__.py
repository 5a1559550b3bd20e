"""RAAK Monitor ETL: the only code that writes the database.

Layers, lowest first (imports only point down; see docs/architecture.md): `store` (configuration, schema, sessions,
audit, stored files) · `reference` (framework, status scale, geography) · `admin` (rounds, users) · `workbook`
(reading a return workbook and its layout) · `templates` (writing them) and `ingest` (validate, load, annotate, jobs).
"""
