"""Builders for the ETL tests: rounds, filled templates, hand-made workbooks and bad input made at test time."""
