"""Defects a new user found on the dashboard (issue 10): each test sends the real data through the real function
and fails on the code before its fix."""

from __future__ import annotations

from datetime import date

import pandas as pd
from test_figures import SCALE

from dashboard import figures, metrics
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


def test_municipality_heatmap_hover_names_the_round_not_a_point() -> None:
    assessments = pd.DataFrame(
        {
            "round_label": ["2009", "2010"],
            "point_number": [12, 12],
            "title": ["Signaleren", "Signaleren"],
            "status": [1.0, 3.0],
            "not_applicable": [False, False],
            "status_label": ["In voorbereiding", "Ingevoerd"],
            "comment": [None, None],
        }
    )
    for lang, round_word, point_word in (("nl", "Ronde", "Punt"), ("en", "Round", "Point")):
        figure = figures.municipality_history_figure(assessments, SCALE, municipality_name="Appingedam", lang=lang)
        hover = figure.data[0].hovertemplate
        assert f"{round_word} %{{x}}" in hover and f"{point_word} %{{x}}" not in hover
    region = figures.region_heatmap_figure(
        pd.DataFrame(
            {
                "municipality_name": ["Appingedam"],
                "point_number": [12],
                "title": ["Signaleren"],
                "key": ["implemented"],
                "label": ["Ingevoerd"],
                "comment": [None],
            }
        ),
        pd.DataFrame({"municipality_code": ["GM0003"], "municipality_name": ["Appingedam"], "has_return": [True]}),
        SCALE,
        region_name="GGD Groningen",
        round_label="2011",
    )
    assert "Punt %{x}: %{customdata[0]}" in region.data[0].hovertemplate
