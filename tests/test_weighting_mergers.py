"""Population weights and trends across municipal mergers, number for number (docs/metrics.md, worked examples)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from corpus.builders import points_rows, workbook
from sqlalchemy import Engine

from dashboard.analytics import metrics, report
from dashboard.cli import main
from etl.admin.rounds import add_round, set_weighting
from etl.ingest.pipeline import ingest
from etl.store.db import session_scope

# --- the worked example of docs/metrics.md, "Trends across mergers" ------------------------------------------

EARLIER = pd.DataFrame(
    {
        "municipality_code": ["P", "Q", "S", "T", "U"],
        "weight": [3000.0, 1000.0, 2000.0, 4000.0, 1000.0],
        "has_return": [True, True, True, True, False],
        "coverage": [0.5, 0.9, 0.2, 0.6, np.nan],
    }
).assign(headline=lambda f: f["coverage"].fillna(0.0))
WALK = {"P": {"R": 1.0}, "Q": {"R": 1.0}, "S": {"T": 0.4, "U": 0.6}, "T": {"T": 1.0}, "U": {"U": 1.0}}
LATER = pd.DataFrame(
    {
        "municipality_code": ["R", "T", "U"],
        "municipality_name": ["Arr", "Tee", "Uu"],
        "region_code": ["N", "S", "S"],
        "region_name": ["North", "South", "South"],
    }
)


def test_mapping_onto_the_later_division_matches_the_worked_example() -> None:
    mapped = metrics.map_scores(EARLIER, WALK, LATER).set_index("municipality_code")
    assert mapped.loc["R", "weight"] == pytest.approx(4000)
    assert mapped.loc["R", "headline"] == pytest.approx(0.6)  # (3000·0.5 + 1000·0.9) / 4000
    assert mapped.loc["T", "weight"] == pytest.approx(4800)
    assert mapped.loc["T", "headline"] == pytest.approx(8 / 15)  # (4000·0.6 + 0.4·2000·0.2) / 4800
    assert mapped.loc["U", "weight"] == pytest.approx(2200)
    assert mapped.loc["U", "headline"] == pytest.approx(6 / 55)  # (1000·0 + 0.6·2000·0.2) / 2200
    assert mapped.loc["U", "coverage"] == pytest.approx(0.2)  # among the predecessors with a return
    assert mapped["has_return"].tolist() == [True, True, True]
    national_before = metrics.aggregate(EARLIER)["coverage"].iloc[0]
    national_after = metrics.aggregate(mapped.reset_index())["coverage"].iloc[0]
    assert national_before == pytest.approx(national_after) == pytest.approx(5200 / 11000)
    south = metrics.aggregate(mapped.reset_index(), ["region_code"]).set_index("region_code").loc["S", "coverage"]
    assert south == pytest.approx(0.4)  # (2560 + 240) / 7000


def test_a_merged_municipality_is_compared_with_its_predecessors_weighted_mean() -> None:
    keys = ["framework_version", "point_number"]
    now = pd.DataFrame(
        [
            ("f", 1, 3.0, False),
            ("f", 2, 3.0, False),
            ("f", 3, np.nan, True),
            ("f", 4, 2.0, False),
            ("f", 5, np.nan, True),
        ],
        columns=[*keys, "status", "not_applicable"],
    )
    before = pd.DataFrame(
        [
            ("P", "f", 1, 2.0, False, 3000.0),
            ("Q", "f", 1, 4.0, False, 1000.0),  # mean 2.5 < 3: improved
            ("P", "f", 2, 3.0, False, 3000.0),
            ("Q", "f", 2, 3.0, False, 1000.0),  # 3 = 3: unchanged
            ("P", "f", 3, np.nan, True, 3000.0),
            ("Q", "f", 3, 2.0, False, 1000.0),  # applicable before (Q), n.v.t. now: applicability changed
            ("P", "f", 4, 3.0, False, 3000.0),
            ("Q", "f", 4, 1.0, False, 1000.0),  # mean 2.5 > 2: regressed
            ("P", "f", 5, np.nan, True, 3000.0),
            ("Q", "f", 5, np.nan, True, 1000.0),  # n.v.t. both times: unchanged
        ],
        columns=["municipality_code", *keys, "status", "not_applicable", "v"],
    )
    assert metrics.compare_with_predecessors(now, before) == {
        "improved": 1,
        "regressed": 1,
        "unchanged": 2,
        "applicability_changed": 1,
    }


def test_estimated_children_name_themselves_and_fall_back_step_by_step() -> None:
    population = pd.DataFrame(
        {
            "municipality_code": ["A", "B"],
            "inhabitants": [100, 300],
            "children_0_17": [20, 60],
            "children_estimated": [True, True],
        }
    )
    weights, used = metrics.choose_weights(population, ["A", "B"])
    assert used == "children_0_17_est" and weights.tolist() == [20.0, 60.0]
    assert metrics.choose_weights(population, ["A", "B"], "inhabitants")[1] == "inhabitants"
    assert metrics.choose_weights(population, ["A", "B"], "equal")[1] == "equal"
    assert metrics.choose_weights(population, ["A", "C"])[1] == "equal"  # C has no figures at all


def test_population_is_carried_onto_a_later_division_by_the_shares() -> None:
    population = pd.DataFrame(
        {
            "municipality_code": ["P", "Q", "S"],
            "inhabitants": [10, 20, 100],
            "children_0_17": [2, 4, 30],
            "children_estimated": [True, True, True],
        }
    )
    carried = metrics.population_on_division(population, {"P": {"R": 1.0}, "Q": {"R": 1.0}, "S": {"R": 0.4, "T": 0.6}})
    carried = carried.set_index("municipality_code")
    assert carried.loc["R", "inhabitants"] == pytest.approx(70) and carried.loc["R", "children_0_17"] == pytest.approx(
        18
    )
    assert carried.loc["T", "inhabitants"] == pytest.approx(60) and carried.loc["T", "children_0_17"] == pytest.approx(
        18
    )


def test_a_missing_figure_of_one_predecessor_leaves_the_successor_without_it() -> None:
    population = pd.DataFrame(
        {
            "municipality_code": ["P", "Q", "S"],
            "inhabitants": [10, 20, 100],
            "children_0_17": [2, None, 30],
            "children_estimated": [False, True, False],
        }
    )
    carried = metrics.population_on_division(population, {"P": {"R": 1.0}, "Q": {"R": 1.0}, "S": {"R": 0.4, "T": 0.6}})
    carried = carried.set_index("municipality_code")
    assert list(carried.index) == ["R", "T"] and carried.loc["R", "inhabitants"] == pytest.approx(70)
    assert pd.isna(carried.loc["R", "children_0_17"]) and carried.loc["T", "children_0_17"] == pytest.approx(18)
    assert bool(carried.loc["R", "children_estimated"]) and not bool(carried.loc["T", "children_estimated"])


# --- through the database: Bennebroek (2008) became part of Bloemendaal (2009) --------------------------------

BENNEBROEK, BLOEMENDAAL = "GM0372", "GM0377"
CHILDREN_2008 = {BENNEBROEK: 987, BLOEMENDAAL: 3829}  # children_0_17_est, 1 January 2008 (shipped CBS file)


def _return(code: str, status: int) -> bytes:
    return workbook({"Gemeente": [["Gemeentecode", code], [], *points_rows(dict.fromkeys(range(1, 36), status))]})


def _rounds(engine: Engine) -> None:
    with session_scope(engine) as session:
        add_round(session, "2008", date(2008, 12, 31))
        add_round(session, "2011", date(2011, 12, 31))
    for code, status, label in ((BENNEBROEK, 3, "2008"), (BLOEMENDAAL, 2, "2008"), (BLOEMENDAAL, 3, "2011")):
        assert ingest(_return(code, status), f"{code}_{label}.xlsx", round=label, engine=engine).status == "accepted"


def test_2011_trend_maps_the_2008_round_onto_the_2011_division(engine: Engine) -> None:
    _rounds(engine)
    first = report.round_report(engine, "2008")
    assert first.weighting == "children_0_17_est" and first.population_year == 2008
    assert (first.national["n_expected"], first.national["n_regions"]) == (443, 30)
    last = report.round_report(engine, "2011")
    assert (last.national["n_expected"], last.national["n_regions"]) == (418, 28)
    history = last.history[last.history["round_label"] == "2008"]
    national = history[history["scope"] == "national"].iloc[0]
    # mapping never changes an earlier round's national figure ...
    assert national["coverage"] == pytest.approx(first.national["coverage"])
    assert national["n_expected"] == 418
    # ... and the 2008 round is now grouped in the 2011 regions: Bennebroek counts in GGD Kennemerland (GG3109)
    assert set(history[history["scope"] == "region"]["region_code"]) == set(last.regions["region_code"])
    # change since 2008: Bloemendaal 2011 (all 3) against the weighted mean of Bennebroek (3) and Bloemendaal (2)
    assert last.previous_round == "2008"
    assert last.changes_national["improved"] == 35 and last.changes_national["n_compared"] == 1


def test_the_municipality_pages_say_what_a_municipality_became_and_was_formed_from(engine: Engine) -> None:
    _rounds(engine)
    bennebroek = report.municipality_detail(engine, BENNEBROEK)
    [successor] = bennebroek.municipality["successors"]
    assert (successor["municipality_code"], successor["date"]) == (BLOEMENDAAL, date(2009, 1, 1))
    kaag = report.municipality_detail(engine, "GM1884")  # Kaag en Braassem, formed 2009 from two 2008 municipalities
    assert {p["municipality_code"] for p in kaag.municipality["predecessors"]} == {"GM0483", "GM0645"}
    assert kaag.rounds.set_index("round_label").loc["2008", "via"] == "GM0483 Alkemade, GM0645 Jacobswoude"


def test_round_weighting_setting_and_report_option_change_the_weights(engine: Engine, use_database: str) -> None:
    _rounds(engine)
    expected = (CHILDREN_2008[BENNEBROEK] * 1.0) / sum(report.round_report(engine, "2008").municipalities["weight"])
    assert report.round_report(engine, "2008").national["coverage"] == pytest.approx(expected)
    with session_scope(engine) as session:
        set_weighting(session, "2008", "equal")
    assert report.round_report(engine, "2008").national["coverage"] == pytest.approx(1 / 443)
    inhabitants = report.round_report(engine, "2008", weighting="inhabitants")
    assert inhabitants.weighting == "inhabitants"
    assert inhabitants.national["coverage"] == pytest.approx(5090 / inhabitants.municipalities["weight"].sum())
    out = CliRunner().invoke(main, ["report", "--round", "2008", "--weighting", "children_0_17"])
    assert out.exit_code == 0, out.output
    assert "schatting CBS" in out.output and "Bron: CBS" in out.output


def test_the_municipality_page_of_a_dissolved_municipality_links_to_what_it_became(engine: Engine) -> None:
    from dashboard.web.app import render
    from dashboard.web.auth import Principal

    _rounds(engine)
    nji = Principal(1, "nji@example.org", "nji")
    layout = render(engine, f"/gemeente/{BENNEBROEK}", "?lang=en", nji)[2]
    shown = str(layout.to_plotly_json())
    assert "became part of" in shown and f"/gemeente/{BLOEMENDAAL}" in shown and "2009-01-01" in shown
    merged = str(render(engine, "/gemeente/GM1884", "", nji)[2].to_plotly_json())
    assert "gevormd uit" in merged and "Alkemade (GM0483)" in merged and "Bron: CBS" in merged
