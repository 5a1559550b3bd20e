"""Synthetic returns through the real ETL; `raak demo`."""

DEFAULT_SEED = 2007  # the seed of the synthetic data unless `raak demo --seed` names another
