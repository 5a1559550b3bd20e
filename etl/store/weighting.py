"""A round's weighting: how its municipalities count in a region's and the nation's coverage (docs/metrics.md).

Apart from the models so the commands that offer the choice load without SQLAlchemy.
"""

WEIGHTINGS = ("children_0_17", "inhabitants", "equal")
DEFAULT_WEIGHTING = WEIGHTINGS[0]
