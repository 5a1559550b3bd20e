"""Small hand-made frames in the shape the report gives the figure functions (statuses, regions, municipalities,
trajectory, levels, groups, points, heatmap cells, changes), and every figure drawn from them."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.analytics.queries import municipality_geojson
from dashboard.figures import charts as figures

SCALE = pd.DataFrame(
    {
        "value": [0, 1, 2, 3, 4, np.nan],
        "key": ["not_started", "in_preparation", "partly_implemented", "implemented", "embedded", "not_applicable"],
        "label_nl": ["Niet gestart", "In voorbereiding", "Gedeeltelijk", "Ingevoerd", "Geborgd", "n.v.t."],
        "label_en": ["Not started", "In preparation", "Partly", "Implemented", "Embedded", "not applicable"],
        "color": ["#fde725", "#5ec962", "#21918c", "#3b528b", "#440154", "#bdbdbd"],
    }
)
REGIONS = pd.DataFrame(
    {
        "region_code": ["GG3406", "GG3906"],
        "region_name": ["GGD Amsterdam", "GGD Den Haag"],
        "n_expected": [6, 1],
        "n_returns": [2, 1],
        "completeness": [2 / 6, 1.0],
        "coverage": [0.2, 0.8],
        "coverage_reporting": [0.6, 0.8],
        "on_track": [False, True],
        "rank": [2, 1],
    }
)
MUNICIPALITIES = pd.DataFrame(
    {
        "municipality_code": ["GM0363", "GM0362", "GM0518"],
        "municipality_name": ["Amsterdam", "Amstelveen", "'s-Gravenhage"],
        "region_code": ["GG3406", "GG3406", "GG3906"],
        "region_name": ["GGD Amsterdam", "GGD Amsterdam", "GGD Den Haag"],
        "has_return": [True, False, True],
        "coverage": [0.6, np.nan, 0.8],
    }
)
TRAJECTORY = pd.DataFrame(
    {
        "series": ["actual", "actual", "target", "target", "target", "projection", "projection"],
        "date": [
            date(2009, 12, 31),
            date(2010, 12, 31),
            date(2008, 1, 1),
            date(2010, 12, 31),
            date(2011, 12, 31),
            date(2009, 12, 31),
            date(2012, 6, 30),
        ],
        "value": [0.3, 0.5, 0.0, 0.75, 1.0, 0.3, 1.0],
        "round_label": ["2009", "2010", None, None, None, None, None],
        "completeness": [0.8, 0.9, None, None, None, None, None],
    }
)
LEVELS = pd.DataFrame(
    {
        "scope": ["national", "national", "region", "region"],
        "region_code": [None, None, "GG3406", "GG3406"],
        "level_code": ["a", "e", "a", "e"],
        "name": ["Universele preventie", "Hulpverlening en/of bescherming"] * 2,
        "coverage": [0.4, 0.2, 0.6, 0.1],
        "n_returns": [3, 3, 2, 2],
    }
)
GROUPS = LEVELS.rename(columns={"level_code": "group_code"}).assign(
    group_code=["prevention", "protection"] * 2, name=["Preventie", "Hulpverlening en bescherming"] * 2
)
POINTS = pd.DataFrame({"point_number": [1, 2], "title": ["Child advocacy als gedeelde attitude", "Kort"]})
WEAKEST = POINTS.assign(share=[0.1, 0.25], n_implemented=[1, 1], n_applicable=[10, 4])
CELLS = pd.DataFrame(
    {
        "municipality_name": ["Amsterdam", "Amsterdam"],
        "point_number": [1, 2],
        "title": ["Child advocacy als gedeelde attitude", "Kort"],
        "key": ["embedded", "not_applicable"],
        "label": ["Geborgd", "n.v.t."],
        "comment": ["Werkt via het CJG", None],
    }
)
CHANGES = pd.DataFrame(
    {
        "region_name": ["GGD Amsterdam", "GGD Den Haag"],
        "improved": [55, 35],
        "unchanged": [0, 0],
        "regressed": [14, 0],
        "applicability_changed": [1, 0],
    }
)


def point_status() -> pd.DataFrame:
    rows = []
    for number in (1, 2):
        for key, label, color in zip(SCALE["key"], SCALE["label_nl"], SCALE["color"], strict=True):
            n = {"embedded": 2, "not_applicable": 1}.get(key, 0)
            rows.append({"point_number": number, "key": key, "label": label, "color": color, "n": n, "share": n / 3})
    return pd.DataFrame(rows)


def every_figure(lang: str) -> dict[str, go.Figure]:
    geojson = municipality_geojson(2011)
    return {
        "trajectory": figures.trajectory_figure(TRAJECTORY, round_label="2010", weighting="equal", lang=lang),
        "region_map": figures.region_map_figure(
            REGIONS, MUNICIPALITIES, geojson, round_label="2010", weighting="equal", lang=lang
        ),
        "municipality_map": figures.municipality_map_figure(MUNICIPALITIES, geojson, round_label="2010", lang=lang),
        "ranking": figures.region_ranking_figure(
            REGIONS, target_value=0.75, round_label="2010", weighting="equal", lang=lang
        ),
        "groups": figures.group_coverage_figure(
            GROUPS, round_label="2010", weighting="equal", region_code="GG3406", region_name="Amsterdam", lang=lang
        ),
        "levels": figures.level_profile_figure(
            LEVELS, round_label="2010", weighting="equal", region_code="GG3406", region_name="Amsterdam", lang=lang
        ),
        "weakest": figures.weakest_points_figure(WEAKEST, round_label="2010", lang=lang),
        "heatmap": figures.region_heatmap_figure(
            CELLS,
            MUNICIPALITIES[MUNICIPALITIES["region_code"] == "GG3406"],
            SCALE,
            region_name="GGD Amsterdam",
            round_label="2010",
            lang=lang,
        ),
        "change": figures.change_figure(
            CHANGES, label_column="region_name", round_label="2010", previous_round="2009", lang=lang
        ),
        "distribution": figures.point_distribution_figure(point_status(), POINTS, round_label="2010", lang=lang),
        "completeness": figures.completeness_figure(REGIONS, round_label="2010", lang=lang),
    }
