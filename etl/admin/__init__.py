"""Reporting rounds and users; `raak rounds`, `raak users`."""
