"""The ingest pipeline: validate, load (one transaction per file), annotate, upload jobs, withdrawals; `raak ingest`,
`raak withdraw`.
"""
