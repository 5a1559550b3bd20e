"""Figures share the template and the map shapes instead of copying them, and still give the same figure JSON."""

from __future__ import annotations

import copy
import json

import plotly.graph_objects as go
import pytest
from corpus.figures import MUNICIPALITIES, REGIONS, every_figure

from dashboard.analytics.queries import municipality_geojson
from dashboard.figures import charts as figures


def _copying_template(fig: go.Figure) -> None:
    """The template as figures set it before: by name, which makes plotly copy and validate it again."""
    fig.update_layout(template=figures.TEMPLATE_NAME)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_figure_json_is_the_same_as_with_copied_template_and_shapes(lang, monkeypatch):
    shared = {name: fig.to_json() for name, fig in every_figure(lang).items()}
    monkeypatch.setattr(figures, "_use_template", _copying_template)
    monkeypatch.setattr(figures, "SharedShapes", dict)
    copied = {name: fig.to_json() for name, fig in every_figure(lang).items()}
    assert shared.keys() == copied.keys()
    for name in copied:
        assert shared[name] == copied[name], name


def test_every_figure_has_the_white_template():
    expected = go.Figure(layout={"template": figures.TEMPLATE_NAME}).to_dict()["layout"]["template"]
    for name, fig in every_figure("nl").items():
        assert fig.to_dict()["layout"]["template"] == expected, name


def test_map_figures_refer_to_the_shapes_without_copying_or_changing_them():
    geojson = municipality_geojson(2011)
    before = copy.deepcopy(geojson)
    region_map = figures.region_map_figure(REGIONS, MUNICIPALITIES, geojson, round_label="2010", weighting="equal")
    municipality_map = figures.municipality_map_figure(MUNICIPALITIES, geojson, round_label="2010")
    for fig in (region_map, municipality_map):
        fig.to_json()
        shapes = [trace["geojson"] for trace in fig.to_dict()["data"]]
        assert all(shape is shapes[0] for shape in shapes)  # one object for every trace
        assert shapes[0] is fig.to_dict()["data"][0]["geojson"]  # and not copied when serialised again
        originals = {id(feature) for feature in geojson["features"]}
        assert shapes[0]["features"] and all(id(feature) in originals for feature in shapes[0]["features"])
        assert json.loads(fig.to_json())["data"][0]["geojson"] == json.loads(json.dumps(shapes[0]))
    assert geojson == before
    assert municipality_geojson(2011) is geojson  # parsed once per process, which is safe only because of the above
