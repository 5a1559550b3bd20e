"""The coverage metrics on small hand-made examples (numbers worked out by hand, as in docs/metrics.md) and as
properties that must hold for any input."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.analytics import metrics
from dashboard.analytics.metrics import Target, TargetError

NVT = "n.v.t."
# A toy framework: point 1 is a general principle (no level), 2 is level a, 3 level d, 4 level e.
POINTS = pd.DataFrame(
    {
        "framework_version": "toy",
        "point_number": [1, 2, 3, 4],
        "level_code": ["", "a", "d", "e"],
        "group_code": ["general", "prevention", "early_intervention", "protection"],
        "title_nl": ["Algemeen", "Voorlichting", "Signaleren", "Melden"],
        "title_en": ["General", "Information", "Spotting", "Reporting"],
    }
)
SCALE = pd.DataFrame(
    {
        "value": [0, 1, 2, 3, 4, np.nan],
        "key": ["not_started", "in_preparation", "partly_implemented", "implemented", "embedded", "not_applicable"],
        "implemented": [False, False, False, True, True, False],
    }
)
LEVELS = ["a", "d", "e"]
GROUPS = ["prevention", "early_intervention", "protection"]
# The worked example of docs/metrics.md: region North (Aa, Bee, Cee) and region South (Dee).
WORKED_RETURNS: dict[str, list[int | str]] = {
    "GM0001": [4, 3, 1, NVT],  # Aa: 2 of 3 applicable implemented
    "GM0002": [2, 3, 4, 0],  # Bee: 2 of 4
    # GM0003 Cee: no return
    "GM0004": [NVT, NVT, 3, 3],  # Dee: 2 of 2
}
MUNICIPALITIES = pd.DataFrame(
    {
        "municipality_code": ["GM0001", "GM0002", "GM0003", "GM0004"],
        "municipality_name": ["Aa", "Bee", "Cee", "Dee"],
        "region_code": ["N", "N", "N", "S"],
        "region_name": ["North", "North", "North", "South"],
    }
)
POPULATION = pd.DataFrame(
    {
        "municipality_code": ["GM0001", "GM0002", "GM0003", "GM0004"],
        "inhabitants": [5000, 12000, 9000, 20000],
        "children_0_17": [1000, 3000, 2000, 4000],
    }
)


def counts_for(returns: dict[str, list[int | str]]) -> pd.DataFrame:
    """What data.coverage_counts reads with GROUP BY: counts per municipality × level of the given answers."""
    implemented = metrics.implemented_values(SCALE)
    rows = [
        {
            "municipality_code": code,
            "level_code": point.level_code,
            "group_code": point.group_code,
            "n_points": 1,
            "n_not_applicable": int(status == NVT),
            "n_implemented": int(status in implemented),
        }
        for code, statuses in returns.items()
        for point, status in zip(POINTS.itertuples(), statuses, strict=True)
    ]
    columns = ["municipality_code", "level_code", "group_code", "n_points", "n_not_applicable", "n_implemented"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.groupby(columns[:3], as_index=False)[columns[3:]].sum()


def expected(weights: pd.Series | None = None) -> pd.DataFrame:
    weight = 1.0 if weights is None else weights.to_numpy()
    return MUNICIPALITIES.assign(weight=weight)


def by_code(frame: pd.DataFrame, column: str, key: str = "municipality_code") -> dict[str, float]:
    return dict(zip(frame[key], frame[column], strict=True))


# --- the worked example ---------------------------------------------------------------------------------------


def test_municipality_coverage_is_implemented_over_applicable_and_no_return_counts_zero_in_the_headline():
    scores = metrics.municipality_coverage(counts_for(WORKED_RETURNS), expected())
    coverage = by_code(scores, "coverage")
    assert coverage["GM0001"] == pytest.approx(2 / 3)  # 4 and 3 implemented; n.v.t. left out of 3 applicable
    assert coverage["GM0002"] == pytest.approx(2 / 4)
    assert np.isnan(coverage["GM0003"])  # no return: no coverage of its own ...
    assert by_code(scores, "headline")["GM0003"] == 0  # ... but 0 in the headline
    assert coverage["GM0004"] == pytest.approx(1.0)
    assert by_code(scores, "n_not_applicable") == {"GM0001": 1, "GM0002": 0, "GM0003": 0, "GM0004": 2}
    assert by_code(scores, "has_return") == {"GM0001": True, "GM0002": True, "GM0003": False, "GM0004": True}


def test_region_and_national_coverage_with_equal_weights():
    scores = metrics.municipality_coverage(counts_for(WORKED_RETURNS), expected())
    regions = metrics.aggregate(scores, ["region_code"]).set_index("region_code")
    # North: (2/3 + 1/2 + 0) / 3 = 7/18; among reporting (2/3 + 1/2) / 2 = 7/12; 2 of 3 returned.
    assert regions.loc["N", "coverage"] == pytest.approx(7 / 18)
    assert regions.loc["N", "coverage_reporting"] == pytest.approx(7 / 12)
    assert regions.loc["N", "completeness"] == pytest.approx(2 / 3)
    assert (regions.loc["N", "n_expected"], regions.loc["N", "n_returns"]) == (3, 2)
    assert regions.loc["S", "coverage"] == pytest.approx(1.0)
    national = metrics.aggregate(scores).iloc[0]
    # (2/3 + 1/2 + 0 + 1) / 4 = 13/24; among reporting 13/6 / 3 = 13/18; 3 of 4 returned.
    assert national["coverage"] == pytest.approx(13 / 24)
    assert national["coverage_reporting"] == pytest.approx(13 / 18)
    assert national["completeness"] == pytest.approx(3 / 4)


def test_children_weighting_weighs_each_municipality_by_its_children():
    weights, weighting = metrics.choose_weights(POPULATION, list(MUNICIPALITIES["municipality_code"]))
    assert weighting == "children_0_17"
    scores = metrics.municipality_coverage(counts_for(WORKED_RETURNS), expected(weights))
    regions = metrics.aggregate(scores, ["region_code"]).set_index("region_code")
    # North: (1000·2/3 + 3000·1/2 + 2000·0) / 6000 = 13/36.
    assert regions.loc["N", "coverage"] == pytest.approx(float(Fraction(13, 36)))
    national = metrics.aggregate(scores).iloc[0]
    # (1000·2/3 + 3000·1/2 + 0 + 4000·1) / 10000 = 37/60; reporting: the same over 8000 children = 37/48.
    assert national["coverage"] == pytest.approx(37 / 60)
    assert national["coverage_reporting"] == pytest.approx(37 / 48)
    assert national["completeness"] == pytest.approx(3 / 4)  # a count, never weighted


def test_weighting_falls_back_to_inhabitants_then_equal_when_a_figure_is_missing():
    codes = list(MUNICIPALITIES["municipality_code"])
    one_child_count_missing = POPULATION.assign(children_0_17=[1000, None, 2000, 4000])
    weights, weighting = metrics.choose_weights(one_child_count_missing, codes)
    assert weighting == "inhabitants"
    assert list(weights) == [5000, 12000, 9000, 20000]
    _, weighting = metrics.choose_weights(POPULATION[POPULATION["municipality_code"] != "GM0004"], codes)
    assert weighting == "equal"
    weights, weighting = metrics.choose_weights(POPULATION.iloc[0:0], codes)
    assert (weighting, list(weights)) == ("equal", [1.0, 1.0, 1.0, 1.0])


def test_population_year_is_the_latest_up_to_the_reference_year_else_the_earliest():
    assert metrics.population_year([2007, 2009, 2011], 2010) == 2009
    assert metrics.population_year([2007, 2009, 2011], 2011) == 2011
    assert metrics.population_year([2009, 2011], 2008) == 2009
    assert metrics.population_year([], 2010) is None


def test_per_level_coverage_leaves_out_municipalities_without_applicable_points():
    scores = metrics.municipality_coverage(counts_for(WORKED_RETURNS), expected(), "level_code", LEVELS)
    national = metrics.aggregate(scores, ["level_code"]).set_index("level_code")["coverage"]
    # a (point 2): Aa 1, Bee 1, Cee 0 (no return), Dee n.v.t. → left out: (1 + 1 + 0) / 3.
    assert national["a"] == pytest.approx(2 / 3)
    # d (point 3): Aa 0, Bee 1, Cee 0, Dee 1 → 2/4.
    assert national["d"] == pytest.approx(1 / 2)
    # e (point 4): Aa n.v.t. → left out; Bee 0, Cee 0, Dee 1 → 1/3.
    assert national["e"] == pytest.approx(1 / 3)
    north = metrics.aggregate(scores, ["region_code", "level_code"]).set_index(["region_code", "level_code"])
    assert north.loc[("N", "e"), "coverage"] == 0
    assert north.loc[("N", "e"), "coverage_reporting"] == 0  # Bee alone: 0 of 1


def test_per_group_coverage_counts_only_points_with_a_level():
    scores = metrics.municipality_coverage(counts_for(WORKED_RETURNS), expected(), "group_code", GROUPS)
    national = metrics.aggregate(scores, ["group_code"]).set_index("group_code")["coverage"]
    # The groups hold one level each here, so they equal the levels; point 1 (general) is in none of them.
    assert national["prevention"] == pytest.approx(2 / 3)
    assert national["early_intervention"] == pytest.approx(1 / 2)
    assert national["protection"] == pytest.approx(1 / 3)
    assert "general" not in national.index


# --- target, on track, projection -----------------------------------------------------------------------------


def test_target_rises_linearly_from_start_to_end_and_is_clipped():
    target = Target()
    # 2008-01-01 → 2011-12-31 is 1460 days; 2010-12-31 is 1095 days in.
    assert target.at(date(2008, 12, 31)) == pytest.approx(365 / 1460)
    assert target.at(date(2010, 12, 31)) == pytest.approx(0.75)
    assert target.at(date(2007, 6, 1)) == 0
    assert target.at(date(2013, 1, 1)) == 1.0
    assert Target(value=0.8).at(date(2030, 1, 1)) == pytest.approx(0.8)


def test_target_reads_the_environment_and_rejects_nonsense():
    target = Target.from_env(
        {"RAAK_TARGET_START": "2009-01-01", "RAAK_TARGET_END": "2012-12-31", "RAAK_TARGET_VALUE": "80%"}
    )
    assert target == Target(date(2009, 1, 1), date(2012, 12, 31), 0.8)
    assert Target.from_env({}) == Target()
    assert Target.from_env({"RAAK_TARGET_VALUE": "0.9"}).value == 0.9
    with pytest.raises(TargetError, match="RAAK_TARGET_END"):
        Target.from_env({"RAAK_TARGET_END": "31-12-2011"})
    with pytest.raises(TargetError, match="after its start"):
        Target.from_env({"RAAK_TARGET_END": "2007-12-31"})
    with pytest.raises(TargetError, match="share"):
        Target.from_env({"RAAK_TARGET_VALUE": "150"})


def test_on_track_means_at_least_the_trajectory():
    assert metrics.on_track(0.75, 0.75)
    assert metrics.on_track(0.8, 0.75)
    assert not metrics.on_track(0.7499, 0.75)
    assert not metrics.on_track(float("nan"), 0.75)


def series(*rows: tuple[str, date, float, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["round_label", "reference_date", "coverage", "completeness"])


def test_projection_fits_rounds_with_enough_returns_and_finds_the_crossing():
    history = series(
        ("2008", date(2008, 12, 31), 0.25, 0.9),
        ("2009", date(2009, 12, 31), 0.40, 0.9),
        ("2010", date(2010, 12, 31), 0.45, 0.3),  # too few returns: left out of the fit
    )
    projection = metrics.project(history, Target())
    assert projection.status == "projected"
    assert projection.rounds_used == ("2008", "2009")
    # +0.15 per 365 days; from 0.40 on 2009-12-31, the missing 0.60 takes 4 × 365 = 1460 days.
    assert projection.reached_on == date(2009, 12, 31) + timedelta(days=1460) == date(2013, 12, 30)
    assert projection.value_at(date(2009, 12, 31)) == pytest.approx(0.40)


def test_projection_says_not_at_current_pace_too_few_rounds_or_reached():
    flat = series(("2008", date(2008, 12, 31), 0.4, 0.9), ("2009", date(2009, 12, 31), 0.35, 0.9))
    assert metrics.project(flat, Target()).status == "not_at_current_pace"
    assert metrics.project(flat, Target()).reached_on is None
    crawling = series(("2008", date(2008, 12, 31), 0.4, 0.9), ("2009", date(2009, 12, 31), 0.4001, 0.9))
    assert metrics.project(crawling, Target()).status == "not_at_current_pace"  # crossing centuries away
    one_good_round = series(("2008", date(2008, 12, 31), 0.4, 0.9), ("2009", date(2009, 12, 31), 0.5, 0.2))
    assert metrics.project(one_good_round, Target()).status == "too_few_rounds"
    done = series(("2010", date(2010, 12, 31), 1.0, 0.9), ("2011", date(2011, 12, 31), 1.0, 0.95))
    reached = metrics.project(done, Target())
    assert (reached.status, reached.reached_on) == ("reached", date(2010, 12, 31))


# --- change, points, regions ------------------------------------------------------------------------------------


def test_change_summary_adds_up_per_region_and_nationally():
    changes = pd.DataFrame(
        {
            "municipality_code": ["GM0001", "GM0002", "GM0004", "GM9999"],  # GM9999 is not expected: left out
            "improved": [1, 0, 2, 7],
            "regressed": [0, 1, 0, 7],
            "unchanged": [2, 3, 2, 7],
            "applicability_changed": [1, 0, 0, 7],
        }
    )
    regions = metrics.change_summary(changes, expected(), ["region_code"]).set_index("region_code")
    assert regions.loc["N"].to_dict() == {
        "improved": 1,
        "regressed": 1,
        "unchanged": 5,
        "applicability_changed": 1,
        "n_compared": 2,
    }
    national = metrics.change_summary(changes, expected()).iloc[0].to_dict()
    assert national == {"improved": 3, "regressed": 1, "unchanged": 7, "applicability_changed": 1, "n_compared": 3}
    nothing = metrics.change_summary(changes.iloc[0:0], expected()).iloc[0].to_dict()
    assert nothing["n_compared"] == 0


def status_counts_for(returns: dict[str, list[int | str]]) -> pd.DataFrame:
    """What data.point_status_counts reads with GROUP BY: how often each answer was given per point."""
    rows = [
        {
            "framework_version": "toy",
            "point_number": number,
            "status": np.nan if status == NVT else float(status),
            "not_applicable": status == NVT,
        }
        for statuses in returns.values()
        for number, status in zip(POINTS["point_number"], statuses, strict=True)
    ]
    keys = ["framework_version", "point_number", "status", "not_applicable"]
    return pd.DataFrame(rows, columns=keys).groupby(keys, dropna=False).size().rename("n").reset_index()


def test_point_share_is_implemented_over_applicable_and_weakest_come_first():
    shares = metrics.point_shares(status_counts_for(WORKED_RETURNS), POINTS, SCALE).set_index("point_number")
    # Point 1: Aa 4, Bee 2, Dee n.v.t. → 1 of 2 applicable. Point 2: 3, 3, n.v.t. → 2 of 2.
    # Point 3: 1, 4, 3 → 2 of 3. Point 4: n.v.t., 0, 3 → 1 of 2.
    assert shares["share"].to_dict() == pytest.approx({1: 1 / 2, 2: 1.0, 3: 2 / 3, 4: 1 / 2})
    assert shares.loc[4, ["n_assessed", "n_not_applicable", "n_applicable", "n_implemented"]].tolist() == [3, 1, 2, 1]
    weakest = metrics.weakest_points(shares.reset_index(), count=3)
    assert list(weakest["point_number"]) == [1, 4, 3]  # equal shares: the lower number first


def test_status_distribution_lists_every_answer_per_point_with_shares_summing_to_one():
    distribution = metrics.status_distribution(status_counts_for(WORKED_RETURNS), SCALE)
    point_4 = distribution[distribution["point_number"] == 4].set_index("key")
    assert list(point_4.index) == list(SCALE["key"])  # scale order, n.v.t. last, zeros included
    assert point_4["n"].to_dict() == {
        "not_started": 1,
        "in_preparation": 0,
        "partly_implemented": 0,
        "implemented": 1,
        "embedded": 0,
        "not_applicable": 1,
    }
    assert distribution.groupby("point_number")["share"].sum().tolist() == pytest.approx([1.0] * 4)


def test_lagging_regions_are_those_below_the_national_share_lowest_first():
    per_region = pd.DataFrame(
        {
            "region_code": ["N", "S", "W"],
            "region_name": ["North", "South", "West"],
            "n_applicable": [4, 2, 0],
            "n_implemented": [1, 2, 0],
        }
    )
    lagging = metrics.lagging_regions(per_region, national_share=0.5)
    assert list(lagging["region_code"]) == ["N", "S", "W"]  # W answered nothing: last, not lagging
    assert list(lagging["lags"]) == [True, False, False]


def test_regions_ranked_by_coverage_with_ties_sharing_the_best_rank():
    ranks = metrics.rank_regions(pd.DataFrame({"coverage": [0.2, 0.5, 0.5, 0.1], "n_returns": [3, 1, 2, 5]}))
    assert list(ranks) == [3, 1, 1, 4]


def test_a_region_without_a_return_has_no_rank_and_does_not_push_others_down():
    ranks = metrics.rank_regions(pd.DataFrame({"coverage": [0.0, 0.5, 0.0, 0.1], "n_returns": [0, 4, 2, 1]}))
    assert ranks.isna().tolist() == [True, False, False, False]
    assert list(ranks.dropna()) == [1, 3, 2]


# --- properties ---------------------------------------------------------------------------------------------------

PROPERTY_EXAMPLES = 60  # each example runs the whole pipeline (~40 ms); enough to cover the small input space
ANSWER = st.sampled_from([0, 1, 2, 3, 4, NVT])
RETURNS = st.dictionaries(
    st.sampled_from(list(MUNICIPALITIES["municipality_code"])), st.lists(ANSWER, min_size=4, max_size=4), max_size=4
)
WEIGHTS = st.lists(st.integers(min_value=0, max_value=10_000), min_size=4, max_size=4)


def all_coverages(returns: dict[str, list[int | str]], weights: list[int]) -> list[float]:
    """Every coverage number the metrics produce for these returns: municipality, region, national, level, group."""
    population = POPULATION.assign(children_0_17=weights)
    chosen, _ = metrics.choose_weights(population, list(MUNICIPALITIES["municipality_code"]))
    counts = counts_for(returns)
    values: list[float] = []
    for by, categories in ((None, ()), ("level_code", LEVELS), ("group_code", GROUPS)):
        scores = metrics.municipality_coverage(counts, expected(chosen), by, categories)
        keys = [] if by is None else [by]
        values += list(scores["coverage"]) + list(scores["headline"])
        for frame in (metrics.aggregate(scores, keys), metrics.aggregate(scores, ["region_code", *keys])):
            values += list(frame["coverage"]) + list(frame["coverage_reporting"]) + list(frame["completeness"])
    return values


@settings(max_examples=PROPERTY_EXAMPLES, deadline=None)
@given(RETURNS, WEIGHTS)
def test_every_coverage_stays_between_zero_and_one(returns, weights):
    for value in all_coverages(returns, weights):
        assert np.isnan(value) or 0.0 <= value <= 1.0 + 1e-12


@settings(max_examples=PROPERTY_EXAMPLES, deadline=None)
@given(RETURNS, WEIGHTS, st.data())
def test_raising_one_status_never_lowers_any_coverage(returns, weights, data):
    raisable = [(code, i) for code, statuses in returns.items() for i, s in enumerate(statuses) if s != NVT and s < 4]
    if not raisable:
        return
    code, index = data.draw(st.sampled_from(raisable))
    raised = {c: list(s) for c, s in returns.items()}
    raised[code][index] = data.draw(st.integers(min_value=int(raised[code][index]) + 1, max_value=4))
    for before, after in zip(all_coverages(returns, weights), all_coverages(raised, weights), strict=True):
        assert np.isnan(before) == np.isnan(after)
        assert np.isnan(before) or after >= before - 1e-12


@settings(max_examples=PROPERTY_EXAMPLES, deadline=None)
@given(RETURNS)
def test_not_applicable_is_never_counted_as_implemented(returns):
    scores = metrics.municipality_coverage(counts_for(returns), expected())
    for code, statuses in returns.items():
        row = scores[scores["municipality_code"] == code].iloc[0]
        assert row["n_not_applicable"] == statuses.count(NVT)
        assert row["n_implemented"] == sum(1 for s in statuses if s in metrics.implemented_values(SCALE))
        assert row["n_implemented"] <= row["n_applicable"]
    shares = metrics.point_shares(status_counts_for(returns), POINTS, SCALE)
    assert (shares["n_implemented"] <= shares["n_applicable"]).all()
