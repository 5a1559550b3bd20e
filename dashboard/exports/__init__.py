"""The steering-group export: what it holds (`content`), the orchestrator (`bundle`), one module per format (`pdf`,
`xlsx`), the method chapter, chart-card downloads; `raak export`.
"""
