"""The figure functions on small hand-made frames: titles with the round, axis units, source line, weighting,
colours from the status scale, click-through data, and an empty state that says what to do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from corpus.figures import (
    CELLS,
    CHANGES,
    GROUPS,
    MUNICIPALITIES,
    POINTS,
    REGIONS,
    SCALE,
    TRAJECTORY,
    WEAKEST,
    every_figure,
    point_status,
)

from dashboard.analytics.queries import municipality_geojson
from dashboard.figures import charts as figures


def axis_titles(figure: go.Figure) -> list[str]:
    return [axis.title.text for axis in (figure.layout.xaxis, figure.layout.yaxis) if axis.title.text]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_figure_names_round_source_and_units(lang):
    source = "Bron: RAAK Monitor (NJi)" if lang == "nl" else "Source: RAAK Monitor (NJi)"
    round_word = "ronde 2010" if lang == "nl" else "round 2010"
    for name, figure in every_figure(lang).items():
        assert figure.data, name
        assert round_word in figure.layout.title.text, name
        assert source in [a.text for a in figure.layout.annotations], name
        if "map" not in name:
            assert any("%" in title or "(" in title for title in axis_titles(figure)), name


def test_coverage_figures_say_which_weighting_they_used():
    trajectory = figures.trajectory_figure(TRAJECTORY, round_label="2010", weighting="children_0_17", lang="nl")
    assert "kinderen van 0-17 jaar" in trajectory.layout.title.subtitle.text
    ranking = figures.region_ranking_figure(
        REGIONS, target_value=0.75, round_label="2010", weighting="inhabitants", lang="en"
    )
    assert "inhabitants" in ranking.layout.title.subtitle.text
    for name in ("region_map", "groups", "levels"):
        assert "counts once" in every_figure("en")[name].layout.title.subtitle.text, name


def test_empty_input_gives_a_centred_message_instead_of_an_empty_axis():
    none = REGIONS.assign(n_returns=0)
    empties = {
        "trajectory": figures.trajectory_figure(TRAJECTORY.iloc[0:0], round_label="2010", weighting="equal"),
        "ranking": figures.region_ranking_figure(none, target_value=0.5, round_label="2010", weighting="equal"),
        "map": figures.region_map_figure(none, MUNICIPALITIES, {"features": []}, round_label="2010", weighting="equal"),
        "weakest": figures.weakest_points_figure(WEAKEST.iloc[0:0], round_label="2010"),
        "heatmap": figures.region_heatmap_figure(
            CELLS.iloc[0:0], MUNICIPALITIES, SCALE, region_name="X", round_label="2010"
        ),
        "distribution": figures.point_distribution_figure(point_status().iloc[0:0], POINTS, round_label="2010"),
        "completeness": figures.completeness_figure(REGIONS.iloc[0:0], round_label="2010"),
        "groups": figures.group_coverage_figure(GROUPS.assign(n_returns=0), round_label="2010", weighting="equal"),
    }
    for name, figure in empties.items():
        assert not figure.data, name
        assert figure.layout.xaxis.visible is False and figure.layout.yaxis.visible is False, name
        messages = [a.text for a in figure.layout.annotations]
        assert "Nog geen aanleveringen voor deze ronde" in messages, name
        assert "ronde 2010" in figure.layout.title.text, name
    english = figures.weakest_points_figure(WEAKEST.iloc[0:0], round_label="2010", lang="en")
    assert "No returns for this round yet" in [a.text for a in english.layout.annotations]


def test_change_figure_without_a_previous_round_says_so():
    figure = figures.change_figure(CHANGES, label_column="region_name", round_label="2008", previous_round=None)
    assert not figure.data
    assert "Geen eerdere ronde om mee te vergelijken" in [a.text for a in figure.layout.annotations]


def test_change_bars_are_shares_of_the_compared_points():
    figure = every_figure("en")["change"]
    by_name = {trace.name: list(trace.x) for trace in figure.data}
    amsterdam = [by_name[name][list(figure.data[0].y).index("GGD Amsterdam")] for name in by_name]
    assert sum(amsterdam) == pytest.approx(100)
    assert by_name["improved"][list(figure.data[0].y).index("GGD Amsterdam")] == pytest.approx(55 / 70 * 100)


def test_region_map_colours_municipality_shapes_by_their_region_and_clicks_through_to_the_region():
    figure = every_figure("nl")["region_map"]
    (trace,) = figure.data
    assert trace.type == "choroplethmap" and trace.featureidkey == "properties.statcode"
    assert figure.layout.map.style == "white-bg"  # no tiles, no network
    assert list(trace.locations) == ["GM0363", "GM0362", "GM0518"]
    assert list(trace.z) == pytest.approx([20, 20, 80])  # Amstelveen sent nothing but shows its region's value
    assert [row[0] for row in trace.customdata] == ["GG3406", "GG3406", "GG3906"]
    assert {f["properties"]["statcode"] for f in trace.geojson["features"]} == {"GM0363", "GM0362", "GM0518"}
    assert "Volledigheid" in trace.hovertemplate and "achter op het doeltraject" in trace.customdata[0][5]


def test_municipality_map_shows_silent_municipalities_apart():
    figure = every_figure("en")["municipality_map"]
    reported, silent = figure.data
    assert list(reported.locations) == ["GM0363", "GM0518"]
    assert list(silent.locations) == ["GM0362"]
    assert silent.customdata[0][3] == "no return"
    assert silent.customdata[0][1] == "GM0362"  # municipality code for click-through


def test_map_view_fits_the_netherlands():
    center, zoom = figures.map_view(municipality_geojson(2011))
    assert 51.5 < center["lat"] < 52.8 and 4.5 < center["lon"] < 6.0
    assert 5.5 < zoom < 7.5


def test_trajectory_keeps_series_apart_by_line_style():
    figure = every_figure("en")["trajectory"]
    styles = {trace.name: trace.line.dash for trace in figure.data}
    assert styles == {"Target trajectory": "dot", "Trend (least squares)": "dash", "Coverage (national)": None}
    actual = next(trace for trace in figure.data if trace.name == "Coverage (national)")
    assert list(actual.y) == pytest.approx([30, 50])
    assert actual.customdata[1][0] == "2010"


@pytest.mark.parametrize("rounds", [4, 12, 13, 40, 400])
def test_trajectory_names_at_most_twelve_rounds_on_its_axis_ending_at_the_latest(rounds: int) -> None:
    dates = pd.date_range("2000-03-31", periods=rounds, freq="QE").date
    trajectory = pd.DataFrame(
        {
            "series": "actual",
            "date": dates,
            "value": np.linspace(0.1, 0.9, rounds),
            "round_label": [f"r{i}" for i in range(rounds)],
            "completeness": 1.0,
        }
    )
    axis = figures.trajectory_figure(trajectory, round_label=f"r{rounds - 1}", weighting="equal").layout.xaxis
    assert len(axis.tickvals) <= figures.MAX_ROUND_TICKS
    assert axis.tickvals[-1] == dates[-1] and axis.ticktext[-1].startswith(f"r{rounds - 1}<br>")
    if rounds <= figures.MAX_ROUND_TICKS:
        assert list(axis.tickvals) == list(dates)  # every round named, as before


def test_ranking_marks_regions_behind_and_draws_the_target():
    figure = every_figure("nl")["ranking"]
    on_track, behind = figure.data
    assert list(on_track.y) == ["GGD Den Haag"] and list(behind.y) == ["GGD Amsterdam"]
    assert behind.marker.pattern.shape == "/" and on_track.marker.pattern.shape == ""
    assert [shape.x0 for shape in figure.layout.shapes] == [75]
    assert behind.customdata[0][0] == "GG3406"


def test_status_colours_and_labels_come_from_the_scale_passed_in():
    recoloured = SCALE.assign(color=["#000001", "#000002", "#000003", "#000004", "#000005", "#000006"])
    figure = figures.region_heatmap_figure(
        CELLS,
        MUNICIPALITIES[MUNICIPALITIES["region_code"] == "GG3406"],
        recoloured,
        region_name="GGD Amsterdam",
        round_label="2010",
    )
    (heatmap,) = figure.data
    assert {color for _, color in heatmap.colorscale} == set(recoloured["color"])
    assert list(heatmap.colorbar.ticktext) == list(SCALE["label_nl"])
    assert list(heatmap.y) == ["Amsterdam", "Amstelveen (geen aanlevering)"]
    amsterdam = list(heatmap.y).index("Amsterdam")
    assert list(heatmap.z[amsterdam]) == [4, 5]  # embedded, n.v.t.
    assert list(heatmap.customdata[amsterdam][0]) == [
        "Child advocacy als gedeelde attitude",
        "Geborgd",
        "Werkt via het CJG",
        "GM0363",  # for click-through to the municipality
    ]
    distribution = every_figure("en")["distribution"]
    assert [trace.marker.color for trace in distribution.data] == list(SCALE["color"])


def test_texts_are_formatted_for_the_language():
    assert figures.percent(0.635, "nl") == "63,5%"
    assert figures.percent(0.635, "en") == "63.5%"
    assert figures.percent(float("nan"), "nl") == "–"
    assert figures.short_title(12, "x" * 100).endswith("…")
    assert len(figures.short_title(12, "x" * 100)) == figures.SHORT_TITLE_CHARS
    assert every_figure("nl")["trajectory"].layout.separators == ",."


def test_municipality_history_shows_every_point_in_every_round():
    assessments = pd.DataFrame(
        {
            "round_label": ["2009", "2009", "2010", "2010"],
            "point_number": [1, 2, 1, 2],
            "title": ["Child advocacy als gedeelde attitude", "Kort"] * 2,
            "status": [1.0, np.nan, 3.0, 4.0],
            "not_applicable": [False, True, False, False],
            "status_label": ["In voorbereiding", "n.v.t.", "Ingevoerd", "Geborgd"],
            "comment": [None, None, "Convenant getekend", None],
        }
    )
    figure = figures.municipality_history_figure(assessments, SCALE, municipality_name="Appingedam")
    (heatmap,) = figure.data
    assert list(heatmap.x) == ["2009", "2010"]
    assert list(heatmap.y) == ["2. Kort", "1. Child advocacy als gedeelde attitude"]
    assert [list(row) for row in heatmap.z] == [[5, 4], [1, 3]]  # n.v.t. then embedded; in preparation then implemented
    assert list(heatmap.customdata[1][1]) == [
        "Child advocacy als gedeelde attitude",
        "Ingevoerd",
        "Convenant getekend",
        1,
    ]
    assert "Appingedam" in figure.layout.title.text and "rondes 2009–2010" in figure.layout.title.subtitle.text
    empty = figures.municipality_history_figure(assessments.iloc[0:0], SCALE, municipality_name="Appingedam")
    assert not empty.data


def test_workbook_comments_reach_the_hover_as_text_not_html():
    cells = CELLS.assign(comment=["<b>vet</b> <a href='x'>link</a>", *CELLS["comment"].iloc[1:]])
    figure = figures.region_heatmap_figure(
        cells, MUNICIPALITIES[MUNICIPALITIES["region_code"] == "GG3406"], SCALE, region_name="A", round_label="2010"
    )
    comments = [cell[2] for row in figure.data[0].customdata for cell in row]
    assert "&lt;b&gt;vet&lt;/b&gt; &lt;a href='x'&gt;link&lt;/a&gt;" in comments  # quotes stay: plotly shows them
    assert not any("<b>" in comment for comment in comments)


def test_percent_axes_write_percentages_as_the_labels_do() -> None:
    """Axis ticks say "60%" like every label ("59,6%"), not "60 %"."""
    import plotly.graph_objects as go

    from dashboard.figures import charts

    fig = go.Figure()
    charts._percent_xaxis(fig, "Dekking (%)")
    assert fig.layout.xaxis.ticksuffix == "%"
    assert charts.percent(0.596, "nl") == "59,6%" and charts.percent(0.596, "en") == "59.6%"
