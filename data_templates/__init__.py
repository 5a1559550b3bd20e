"""Editable reference data shipped with the package: the RAAK framework, the status scale and templates."""
