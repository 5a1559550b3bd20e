"""The RAAK framework and status scale (YAML in `data_templates/`), geography, population, municipal divisions and
mergers; `raak reference`, `raak docs`.
"""
