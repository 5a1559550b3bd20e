"""Synthetic returns through the real ETL; `raak demo`."""
