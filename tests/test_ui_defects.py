"""Defects a new user found on the dashboard (issue 10): each test sends the real data through the real function
and fails on the code before its fix."""

from __future__ import annotations

from datetime import date

import pandas as pd

from dashboard import metrics
from dashboard.metrics import Target


def rounds(*rows: tuple[str, date, float, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["round_label", "reference_date", "coverage", "completeness"])


def test_no_projection_for_a_region_without_a_return_in_the_round() -> None:
    earlier = [("2008", date(2008, 12, 31), 0.3, 0.9), ("2009", date(2009, 12, 31), 0.6, 0.9)]
    silent = rounds(*earlier, ("2010", date(2010, 12, 31), 0.0, 0.0))
    projection = metrics.project(silent, Target())
    assert (projection.status, projection.reached_on) == ("insufficient_data", None)


def test_a_projection_never_lies_before_the_latest_reference_date() -> None:
    # the line through a steep start crosses 100 % before the last round, which itself is below the target
    history = rounds(
        ("2008", date(2008, 12, 31), 0.1, 0.9),
        ("2009", date(2009, 12, 31), 0.9, 0.9),
        ("2010", date(2010, 12, 31), 0.95, 0.9),
        ("2011", date(2011, 12, 31), 0.96, 0.9),
    )
    projection = metrics.project(history, Target())
    assert projection.reached_on is None or projection.reached_on > date(2011, 12, 31)
    assert projection.status != "projected" or projection.reached_on > date(2011, 12, 31)
