"""Benchmarks of RAAK Monitor: ingest, the scale generator, report timings and a loopback load test.

Run them all with `python -m benchmarks all` (see `benchmarks/__main__.py` and `docs/performance.md`). They are
measurements, never tests: nothing here asserts a duration.
"""
