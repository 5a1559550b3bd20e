"""The 2011 target and the gap: metrics, the report's numbers, the headline's words and the charts' target lines."""

from __future__ import annotations

import math

import pandas as pd
from sqlalchemy import Engine

from dashboard.analytics import metrics
from dashboard.analytics.report import round_report
from dashboard.analytics.summary import national_headline, region_headline
from dashboard.figures import charts as figures
from dashboard.i18n import percentage_points


def test_gap_is_what_is_left_to_the_goal_and_never_negative() -> None:
    assert metrics.gap(0.586, 1.0) == 1.0 - 0.586
    assert metrics.gap(1.0, 0.75) == 0.0
    assert math.isnan(metrics.gap(math.nan, 1.0))
    series = metrics.gaps(pd.Series([0.2, 0.9, math.nan]), pd.Series([0.5, 0.5, 0.5]))
    assert list(series[:2]) == [0.3, 0.0] and math.isnan(series[2])


def test_report_carries_the_gap_to_the_final_target_and_to_the_trajectory(demo_engine: Engine) -> None:
    report = round_report(demo_engine, "2010")
    national = report.national
    assert national["target_value"] == 1.0 and national["target_year"] == 2011
    assert math.isclose(national["gap"], 1.0 - national["coverage"])
    assert math.isclose(national["gap_trajectory"], max(national["target"] - national["coverage"], 0.0))
    regions = report.regions
    assert ((regions["gap"] - (1.0 - regions["coverage"])).abs() < 1e-12).all()
    behind = regions[~regions["on_track"]]
    assert (behind["gap_trajectory"] > 0).all()
    assert (regions.loc[regions["on_track"], "gap_trajectory"] == 0).all()
    assert "gap" in report.to_dict()["national"]


def test_headline_names_the_target_the_national_coverage_and_the_gap(demo_engine: Engine) -> None:
    report = round_report(demo_engine, "2010")
    coverage = figures.percent(report.national["coverage"], "nl")
    gap = percentage_points(1.0 - report.national["coverage"], "nl")
    item = national_headline(report)
    assert item.line == f"doel 2011: 100% · landelijk {coverage} · nog {gap} procentpunt"
    assert "31 december 2010" in item.trajectory and "75,0%" in item.trajectory
    english = national_headline(round_report(demo_engine, "2010", lang="en"))
    assert english.line.startswith("target 2011: 100% · national ")
    assert english.line.endswith("percentage points to go")


def test_region_headline_uses_the_region_row(demo_engine: Engine) -> None:
    report = round_report(demo_engine, "2011")
    region = report.regions.iloc[0]
    line = region_headline(report, region).line
    assert f"{region['region_name']} {figures.percent(region['coverage'], 'nl')}" in line


def test_ranking_bars_show_value_and_gap(demo_engine: Engine) -> None:
    report = round_report(demo_engine, "2010")
    fig = figures.region_ranking_figure(
        report.regions, target_value=report.national["target"], weighting=report.weighting, round_label="2010"
    )
    texts = [text for trace in fig.data for text in trace.text]
    assert len(texts) == len(report.regions)
    first = report.regions.sort_values("coverage").iloc[0]
    expected = f"{figures.percent(first['coverage'], 'nl')} · nog {percentage_points(first['gap'], 'nl')} %-punt"
    assert expected in texts


def test_group_and_level_charts_draw_the_target_line(demo_engine: Engine) -> None:
    report = round_report(demo_engine, "2010")
    goal = report.national["target"]
    national = report.groups[report.groups["scope"] == "national"]
    for fig in (
        figures.group_coverage_figure(national, weighting=report.weighting, round_label="2010", target_value=goal),
        figures.level_profile_figure(report.levels, weighting=report.weighting, round_label="2010", target_value=goal),
    ):
        lines = [shape for shape in fig.layout.shapes if shape.y0 == shape.y1]
        assert [shape.y0 for shape in lines] == [goal * 100]
        assert any(trace.name == "Doel op de peildatum: 75,0%" for trace in fig.data)
