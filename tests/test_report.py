"""Round reports on a real database filled through the real ETL path (template → workbook → `etl.ingest.pipeline`), with
every expected number worked out by hand below, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import BACKENDS, PG_URL_ENV
from corpus.builders import ONE_MUNICIPALITY_REGION, SMALL_REGION, add_rounds, filled, region_municipalities
from corpus.sql import recorded_statements
from flask import Flask
from sqlalchemy import Engine

from dashboard.analytics import report
from dashboard.analytics.cache import active_cache, cache, cache_config, cache_key, init_cache
from dashboard.analytics.metrics import Target
from dashboard.analytics.queries import NotFoundError, data_version, municipality_geojson, snapshot
from dashboard.cli import USAGE_ERROR_EXIT, main
from dashboard.figures import charts as figures
from etl.admin.rounds import set_weighting
from etl.ingest.pipeline import ingest
from etl.reference.geography import load_population
from etl.store.audit import record
from etl.store.db import engine_for, session_scope

EXPECTED = 418  # municipalities of the 2011 division, all with a GGD region
DEN_HAAG = "GM0518"  # the only municipality of ONE_MUNICIPALITY_REGION
AMSTERDAM_SIZE = 6  # municipalities in SMALL_REGION (GGD Amsterdam)
# Points per level (docs/framework.md): general 1-2, a 3-9, b 10-13, c 14, d 15-22, e 23-35.


def statuses(rule: dict[range, int | str]) -> dict[int, int | str]:
    return {number: status for numbers, status in rule.items() for number in numbers}


# The scenario. A and B are the first two municipalities of GGD Amsterdam; the other four never return.
#   2009: A all 2 (0 of 35)      B all 3 (35 of 35)   Den Haag all 1 (0 of 35)
#   2010: A 1-20 → 3, 21-34 → 1, 35 n.v.t. (20 of 34 = 10/17)   B all 4 (1)   Den Haag all 2 but point 3 → 3 (1/35)
# Plus, in 2010, one rejected upload for GGD Amsterdam (an invalid status).
A_2010 = statuses({range(1, 21): 3, range(21, 35): 1, range(35, 36): "n.v.t."})
DEN_HAAG_2010 = statuses({range(1, 36): 2}) | {3: 3}
A_COVERAGE, B_COVERAGE, DEN_HAAG_COVERAGE = 20 / 34, 1.0, 1 / 35


def build_scenario(engine: Engine, folder: Path) -> dict[str, str]:
    """Rounds 2008-2010 and the returns above, ingested as real workbooks; returns the municipality codes.

    The hand calculations below weigh every municipality once, so the rounds are set to equal weighting (the
    default, children 0-17, is checked number for number in tests/test_weighting_mergers.py)."""
    add_rounds(engine, "2008", "2009", "2010")
    with session_scope(engine) as session:
        for label in ("2008", "2009", "2010"):
            set_weighting(session, label, "equal")
    a, b = region_municipalities(engine, SMALL_REGION)[:2]
    uploads = [
        (SMALL_REGION, "2009", {a: statuses({range(1, 36): 2}), b: statuses({range(1, 36): 3})}, None),
        (ONE_MUNICIPALITY_REGION, "2009", {DEN_HAAG: statuses({range(1, 36): 1})}, None),
        (SMALL_REGION, "2010", {a: A_2010, b: statuses({range(1, 36): 4})}, {a: {1: "Werkt via het CJG"}}),
        (ONE_MUNICIPALITY_REGION, "2010", {DEN_HAAG: DEN_HAAG_2010}, None),
    ]
    for index, (region, round_label, values, comments) in enumerate(uploads):
        data = filled(engine, region, round_label, folder / str(index), values, comments)
        outcome = ingest(data, f"{region}_{round_label}.xlsx", engine=engine, uploader="test")
        assert outcome.status == "accepted", outcome.issues
    bad = filled(engine, SMALL_REGION, "2010", folder / "bad", {a: A_2010 | {5: "ja"}})
    assert ingest(bad, "amsterdam_fout.xlsx", engine=engine, uploader="test").status == "rejected"
    return {"a": a, "b": b}


@pytest.fixture(scope="module", params=BACKENDS)
def scenario(
    request: pytest.FixtureRequest, database_factories: dict[str, object], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Engine, dict[str, str]]:
    """One database per backend with the scenario, shared by the read-only tests of this module."""
    if request.param not in database_factories:
        pytest.skip(f"PostgreSQL tests need {PG_URL_ENV}")
    engine = engine_for(database_factories[request.param].fresh(True))  # type: ignore[attr-defined]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RAAK_STORAGE_DIR", str(tmp_path_factory.mktemp("returns")))
        codes = build_scenario(engine, tmp_path_factory.mktemp("workbooks"))
    return engine, codes


@pytest.fixture(autouse=True)
def _storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAAK_STORAGE_DIR", str(tmp_path / "returns"))
    monkeypatch.delenv("RAAK_TARGET_START", raising=False)
    monkeypatch.delenv("RAAK_TARGET_END", raising=False)
    monkeypatch.delenv("RAAK_TARGET_VALUE", raising=False)


# --- the round report -------------------------------------------------------------------------------------------


def test_national_and_region_coverage_match_the_hand_calculation(scenario):
    engine, _ = scenario
    result = report.round_report(engine, "2010")
    national = result.national
    assert national["coverage"] == pytest.approx((A_COVERAGE + B_COVERAGE + DEN_HAAG_COVERAGE) / EXPECTED)
    assert national["coverage_reporting"] == pytest.approx((A_COVERAGE + B_COVERAGE + DEN_HAAG_COVERAGE) / 3)
    assert (national["n_returns"], national["n_expected"]) == (3, EXPECTED)
    assert national["completeness"] == pytest.approx(3 / EXPECTED)
    assert national["weighting"] == result.weighting == "equal"
    assert national["target"] == pytest.approx(0.75)  # 1095 of 1460 days
    assert national["on_track"] is False
    assert national["days_to_target"] == 365
    regions = result.regions.set_index("region_code")
    assert len(regions) == 28
    assert regions.loc[SMALL_REGION, "coverage"] == pytest.approx((A_COVERAGE + B_COVERAGE) / AMSTERDAM_SIZE)
    assert regions.loc[SMALL_REGION, "coverage_reporting"] == pytest.approx((A_COVERAGE + B_COVERAGE) / 2)
    assert regions.loc[SMALL_REGION, "completeness"] == pytest.approx(2 / AMSTERDAM_SIZE)
    assert regions.loc[ONE_MUNICIPALITY_REGION, "coverage"] == pytest.approx(DEN_HAAG_COVERAGE)
    assert regions.loc[ONE_MUNICIPALITY_REGION, "completeness"] == 1.0
    assert regions.loc[SMALL_REGION, "rank"] == 1  # 0.265 beats Den Haag's 0.029 and the 26 silent regions
    assert regions.loc[ONE_MUNICIPALITY_REGION, "rank"] == 2
    assert not regions["on_track"].any() and national["regions_on_track"] == 0


def test_municipalities_table_has_every_expected_municipality(scenario):
    engine, codes = scenario
    municipalities = report.round_report(engine, "2010").municipalities.set_index("municipality_code")
    assert len(municipalities) == EXPECTED
    assert municipalities.loc[codes["a"], ["n_applicable", "n_implemented", "n_not_applicable"]].tolist() == [34, 20, 1]
    assert municipalities.loc[codes["a"], "coverage"] == pytest.approx(10 / 17)
    assert municipalities["has_return"].sum() == 3
    assert pd.isna(municipalities.loc["GM0363", "coverage"])  # Amsterdam itself sent nothing


def test_level_and_group_coverage_match_the_hand_calculation(scenario):
    engine, _ = scenario
    result = report.round_report(engine, "2010", lang="en")
    national_levels = result.levels[result.levels["scope"] == "national"].set_index("level_code")
    # Level a (points 3-9): A all 3 → 1, B all 4 → 1, Den Haag only point 3 → 1/7.
    assert national_levels.loc["a", "coverage"] == pytest.approx((1 + 1 + 1 / 7) / EXPECTED)
    # Level e (points 23-35): A has 23-34 at 1 and 35 n.v.t. → 0 of 12; B → 1; Den Haag → 0.
    assert national_levels.loc["e", "coverage"] == pytest.approx(1 / EXPECTED)
    assert national_levels.loc["e", "name"] == "Care and/or protection"
    amsterdam = result.levels[result.levels["region_code"] == SMALL_REGION].set_index("level_code")
    assert amsterdam.loc["e", "coverage"] == pytest.approx(1 / AMSTERDAM_SIZE)
    assert amsterdam.loc["e", "coverage_reporting"] == pytest.approx(1 / 2)
    groups = result.groups[result.groups["scope"] == "national"].set_index("group_code")
    # Prevention = points 3-14: A 1, B 1, Den Haag 1/12; general points 1-2 are in no group.
    assert groups.loc["prevention", "coverage"] == pytest.approx((2 + 1 / 12) / EXPECTED)
    assert list(groups.index) == ["prevention", "early_intervention", "protection"]


def test_weakest_points_and_status_distribution(scenario):
    engine, _ = scenario
    result = report.round_report(engine, "2010")
    # Points 21-34: A 1, B 4, Den Haag 2 → 1 of 3, the lowest; ties go by number.
    assert list(result.weakest_points["point_number"]) == list(range(21, 31))
    assert result.weakest_points["share"].tolist() == pytest.approx([1 / 3] * 10)
    shares = result.points.set_index("point_number")["share"]
    assert shares[3] == 1.0 and shares[35] == pytest.approx(1 / 2) and shares[1] == pytest.approx(2 / 3)
    point_35 = result.point_status[result.point_status["point_number"] == 35].set_index("key")["n"]
    assert point_35[["not_applicable", "embedded", "partly_implemented", "implemented"]].tolist() == [1, 1, 1, 0]


def test_change_since_the_previous_round(scenario):
    engine, codes = scenario
    result = report.round_report(engine, "2010")
    assert result.previous_round == "2009"
    # A: 1-20 2→3 improved, 21-34 2→1 regressed, 35 2→n.v.t.; B: 3→4 all improved; Den Haag 1→2/3 all improved.
    assert result.changes_national == {
        "improved": 20 + 35 + 35,
        "regressed": 14,
        "unchanged": 0,
        "applicability_changed": 1,
        "n_compared": 3,
    }
    per_municipality = result.changes_municipalities.set_index("municipality_code")
    assert per_municipality.loc[codes["a"], ["improved", "regressed", "applicability_changed"]].tolist() == [20, 14, 1]
    amsterdam = result.changes_regions.set_index("region_code").loc[SMALL_REGION]
    assert (amsterdam["improved"], amsterdam["n_compared"]) == (55, 2)
    assert report.round_report(engine, "2008").previous_round is None


def test_history_trajectory_and_projection(scenario):
    engine, _ = scenario
    result = report.round_report(engine, "2010")
    national = result.history[result.history["scope"] == "national"]
    assert list(national["round_label"]) == ["2008", "2009", "2010"]
    assert national["coverage"].tolist() == pytest.approx([0, 1 / EXPECTED, result.national["coverage"]])
    assert national["target"].tolist() == pytest.approx([0.25, 0.5, 0.75])
    assert result.national["projection"].status == "too_few_rounds"  # no round has half the returns
    # Den Haag returned in 2009 (0) and 2010 (1/35), both complete: +1/35 a year from 0 reaches 1 after 35 years.
    den_haag = result.regions.set_index("region_code").loc[ONE_MUNICIPALITY_REGION]
    assert den_haag["projection_status"] == "projected"
    assert den_haag["projected_date"] == date(2009, 12, 31) + timedelta(days=35 * 365)
    series = set(result.trajectory["series"])
    assert series == {"actual", "target"}  # no national trend line without a projection
    target_line = result.trajectory[result.trajectory["series"] == "target"]
    assert (target_line["date"].min(), target_line["date"].max()) == (date(2008, 1, 1), date(2011, 12, 31))


def test_a_custom_target_changes_trajectory_and_on_track(scenario):
    engine, _ = scenario
    lenient = Target(start=date(2010, 1, 1), end=date(2020, 12, 31), value=0.5)
    result = report.round_report(engine, "2010", target=lenient)
    days = (date(2010, 12, 31) - date(2010, 1, 1)).days
    total = (date(2020, 12, 31) - date(2010, 1, 1)).days
    assert result.national["target"] == pytest.approx(0.5 * days / total)
    assert result.regions.set_index("region_code").loc[SMALL_REGION, "on_track"]


def test_report_reads_assessments_only_through_group_by(scenario):
    engine, _ = scenario
    with recorded_statements(engine) as statements:
        report.round_report(engine, "2010", target=Target(value=0.9))  # a target not asked before: not cached
    reading_assessments = [s for s in statements if "FROM assessments" in s]
    assert reading_assessments
    assert all("GROUP BY" in s for s in reading_assessments)


def test_to_dict_is_plain_json(scenario):
    engine, _ = scenario
    document = report.round_report(engine, "2010").to_dict()
    assert json.loads(json.dumps(document, allow_nan=False)) == document
    assert document["national"]["projection"]["status"] == "too_few_rounds"
    assert document["round"] == {
        "label": "2010",
        "reference_date": "2010-12-31",
        "deadline": None,
        "is_open": True,
        "division_year": 2011,
        "framework_versions": ["raak-2007"],
    }
    assert {r["region_code"] for r in document["regions"]} >= {SMALL_REGION, ONE_MUNICIPALITY_REGION}


# --- detail views ---------------------------------------------------------------------------------------------


def test_region_detail_has_every_cell_with_title_label_and_comment(scenario):
    engine, codes = scenario
    detail = report.region_detail(engine, "2010", SMALL_REGION, lang="en")
    assert len(detail.municipalities) == AMSTERDAM_SIZE
    assert len(detail.cells) == 2 * 35
    cell = detail.cells.set_index(["municipality_code", "point_number"])
    assert cell.loc[(codes["a"], 35), ["key", "label"]].tolist() == ["not_applicable", "not applicable"]
    assert cell.loc[(codes["a"], 1), "comment"] == "Werkt via het CJG"
    assert cell.loc[(codes["a"], 1), "label"] == "Implemented"
    assert cell.loc[(codes["b"], 2), "color"] == "#440154"  # embedded, from the status scale
    assert set(detail.levels["scope"]) == {"national", "region"}
    assert detail.region["coverage"] == pytest.approx((A_COVERAGE + B_COVERAGE) / AMSTERDAM_SIZE)
    assert set(detail.changes["municipality_code"]) == {codes["a"], codes["b"]}
    assert json.loads(json.dumps(detail.to_dict(), allow_nan=False))["region"]["region_code"] == SMALL_REGION


def test_municipality_detail_follows_one_municipality_through_every_round(scenario):
    engine, codes = scenario
    detail = report.municipality_detail(engine, codes["a"].lower())
    rounds = detail.rounds.set_index("round_label")
    assert rounds["has_return"].to_dict() == {"2008": False, "2009": True, "2010": True}
    assert rounds.loc["2009", "coverage"] == 0
    assert rounds.loc["2010", "coverage"] == pytest.approx(10 / 17)
    assert len(detail.assessments) == 2 * 35
    row = detail.assessments.set_index(["round_label", "point_number"]).loc[("2010", 35)]
    assert (row["not_applicable"], row["status_label"]) == (True, "n.v.t.")


def test_point_detail_shows_distribution_and_lagging_regions(scenario):
    engine, _ = scenario
    detail = report.point_detail(engine, "2010", 21)
    assert detail.national_share == pytest.approx(1 / 3)
    assert detail.point["text_nl"]
    regions = detail.regions.set_index("region_code")
    assert regions.loc[ONE_MUNICIPALITY_REGION, "lags"]  # 0 of 1 < 1/3
    assert not regions.loc[SMALL_REGION, "lags"]  # 1 of 2 ≥ 1/3
    assert regions.loc[SMALL_REGION, "share"] == pytest.approx(1 / 2)
    assert detail.regions["region_code"].iloc[0] == ONE_MUNICIPALITY_REGION
    assert detail.distribution.set_index("key")["n"].sum() == 3


def test_completeness_table_lists_expected_received_and_rejected_uploads_with_issues(scenario):
    engine, _ = scenario
    table = report.completeness_table(engine, "2010")
    amsterdam = table.regions.set_index("region_code").loc[SMALL_REGION]
    assert (amsterdam["n_expected"], amsterdam["n_returns"]) == (AMSTERDAM_SIZE, 2)
    assert (amsterdam["n_accepted"], amsterdam["n_rejected"]) == (1, 1)
    assert pd.notna(amsterdam["last_upload"])
    silent = table.regions.set_index("region_code").drop([SMALL_REGION, ONE_MUNICIPALITY_REGION])
    assert (silent["n_uploads"] == 0).all() and silent["last_upload"].isna().all()
    assert list(table.rejected["filename"]) == ["amsterdam_fout.xlsx"]
    issue = table.issues.iloc[0]
    assert issue["code"] == "invalid_status" and issue["sheet"] and issue["cell"]
    assert table.rejected["n_issues"].iloc[0] == len(table.issues)


def test_unknown_names_raise_a_user_error_listing_what_exists(scenario):
    engine, _ = scenario
    with pytest.raises(NotFoundError, match=r"unknown round '1999' \(known: 2008, 2009, 2010\)"):
        report.round_report(engine, "1999")
    with pytest.raises(NotFoundError, match="unknown region 'GG9999'") as raised:
        report.region_detail(engine, "2010", "GG9999")
    assert "onbekende regio" in raised.value.message_nl
    with pytest.raises(NotFoundError, match="unknown municipality 'GM9999'"):
        report.municipality_detail(engine, "GM9999")
    with pytest.raises(NotFoundError, match="unknown point 36"):
        report.point_detail(engine, "2010", 36)
    with pytest.raises(NotFoundError, match="unknown round"):
        report.completeness_table(engine, "2012")


def test_every_figure_draws_the_scenario(scenario):
    engine, _ = scenario
    result = report.round_report(engine, "2010")
    region = report.region_detail(engine, "2010", SMALL_REGION)
    detail = report.municipality_detail(engine, DEN_HAAG)
    completeness = report.completeness_table(engine, "2010")
    drawn = [
        figures.trajectory_figure(result.trajectory, round_label="2010", weighting=result.weighting),
        figures.region_map_figure(
            result.regions, result.municipalities, municipality_geojson(2011), round_label="2010", weighting="equal"
        ),
        figures.municipality_map_figure(result.municipalities, municipality_geojson(2011), round_label="2010"),
        figures.region_ranking_figure(result.regions, target_value=0.75, round_label="2010", weighting="equal"),
        figures.group_coverage_figure(result.groups, round_label="2010", weighting="equal"),
        figures.level_profile_figure(
            region.levels, round_label="2010", weighting="equal", region_code=SMALL_REGION, region_name="Amsterdam"
        ),
        figures.weakest_points_figure(result.weakest_points, round_label="2010"),
        figures.region_heatmap_figure(
            region.cells, region.municipalities, region.status_scale, region_name="Amsterdam", round_label="2010"
        ),
        figures.change_figure(
            result.changes_regions, label_column="region_name", round_label="2010", previous_round="2009"
        ),
        figures.point_distribution_figure(result.point_status, result.points, round_label="2010"),
        figures.completeness_figure(completeness.regions, round_label="2010"),
        figures.municipality_history_figure(detail.assessments, detail.status_scale, municipality_name="Den Haag"),
    ]
    for figure in drawn:
        assert figure.data, figure.layout.title.text  # real traces, not the empty-state message
        assert figure.layout.title.text


# --- CLI, caching, weighting (each on a fresh database) ---------------------------------------------------------


def test_raak_report_json_prints_the_round_report(use_database: str, tmp_path: Path):
    engine = engine_for(use_database)
    build_scenario(engine, tmp_path)
    result = CliRunner().invoke(main, ["report", "--round", "2010", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document == report.round_report(engine, "2010").to_dict()
    assert document["national"]["coverage"] == pytest.approx((A_COVERAGE + B_COVERAGE + DEN_HAAG_COVERAGE) / EXPECTED)

    text = CliRunner().invoke(main, ["report", "--lang", "en"])  # the latest round by default
    assert text.exit_code == 0, text.output
    assert "round 2010" in text.output and "GGD Amsterdam" in text.output and "Change since round 2009" in text.output

    unknown = CliRunner().invoke(main, ["report", "--round", "1999"])
    assert unknown.exit_code == USAGE_ERROR_EXIT
    assert "unknown round '1999'" in unknown.output


def test_raak_report_without_rounds_says_how_to_add_one(use_database: str):
    result = CliRunner().invoke(main, ["report"])
    assert result.exit_code == USAGE_ERROR_EXIT
    assert "raak rounds add" in result.output


def test_an_ingest_shows_up_in_the_next_report_without_invalidation(engine: Engine, tmp_path: Path):
    add_rounds(engine, "2010")
    before = report.round_report(engine, "2010")
    assert before.national["n_returns"] == 0 and before.national["coverage"] == 0
    with snapshot(engine) as conn:
        key = cache_key(
            engine.url.render_as_string(hide_password=False),
            "round_report",
            ("2010", Target(), "nl"),
            data_version(conn),
        )
    assert active_cache().get(key) is not None  # the first report was cached under the current data version

    data = filled(engine, ONE_MUNICIPALITY_REGION, "2010", tmp_path, {DEN_HAAG: DEN_HAAG_2010})
    assert ingest(data, "den_haag.xlsx", engine=engine).status == "accepted"

    after = report.round_report(engine, "2010")
    assert after.national["n_returns"] == 1
    # weighted by the (estimated) children 0-17 of the round's population year, the default weighting
    weights = after.municipalities.set_index("municipality_code")["weight"]
    assert after.weighting == "children_0_17_est"
    assert after.national["coverage"] == pytest.approx(DEN_HAAG_COVERAGE * weights[DEN_HAAG] / weights.sum())


def test_log_ins_and_user_changes_keep_the_cached_reports(engine: Engine):
    add_rounds(engine, "2010")
    with snapshot(engine) as conn:
        before = data_version(conn)
    with session_scope(engine) as session:
        for action in ("login", "login.failed", "logout", "access.denied", "user.add"):
            record(session, action, actor="someone@example.org")
    with snapshot(engine) as conn:
        assert data_version(conn) == before
    with session_scope(engine) as session:
        record(session, "round.close", actor="nji@example.org")
    with snapshot(engine) as conn:
        assert data_version(conn) != before


def test_cache_config_uses_redis_when_redis_url_is_set():
    assert cache_config(None)["CACHE_TYPE"] == "SimpleCache"
    config = cache_config("redis://cache.example:6379/0")
    assert (config["CACHE_TYPE"], config["CACHE_REDIS_URL"]) == ("RedisCache", "redis://cache.example:6379/0")


def test_a_cache_outage_never_fails_the_report(engine: Engine, monkeypatch: pytest.MonkeyPatch):
    add_rounds(engine, "2010")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    assert report.round_report(engine, "2010").national["n_expected"] == EXPECTED


def test_the_dash_server_gets_its_own_cache(engine: Engine):
    add_rounds(engine, "2010")
    server = Flask("test-server")
    init_cache(server)
    with server.app_context():
        report.round_report(engine, "2010")
        with snapshot(engine) as conn:
            url = engine.url.render_as_string(hide_password=False)
            key = cache_key(url, "round_report", ("2010", Target(), "nl"), data_version(conn))
        assert active_cache() is server.extensions["cache"][cache]
        assert active_cache().get(key) is not None


def population_csv(year: int, inhabitants: dict[str, int], children: dict[str, int | None]) -> str:
    lines = ["municipality_code,year,inhabitants,children_0_17"]
    for code, count in inhabitants.items():
        child = children.get(code)
        lines.append(f"{code},{year},{count},{'' if child is None else child}")
    return "\n".join(lines)


def test_population_weighting_uses_children_then_inhabitants_of_the_right_year(engine: Engine, tmp_path: Path):
    add_rounds(engine, "2012")
    data = filled(engine, ONE_MUNICIPALITY_REGION, "2012", tmp_path, {DEN_HAAG: statuses({range(1, 36): 4})})
    assert ingest(data, "den_haag.xlsx", engine=engine).status == "accepted"
    codes = list(report.round_report(engine, "2012").municipalities["municipality_code"])
    inhabitants = {code: 1000 for code in codes} | {DEN_HAAG: 5000}
    children = {code: 100 for code in codes} | {DEN_HAAG: 900}
    with session_scope(engine) as session:
        # 2012 (≤ 2012, the latest such year) has children for everyone; 2013 would weigh differently. (CBS
        # figures for 2008, 2010 and 2011 ship with the reference data, so this test uses later years.)
        load_population(session, population_csv(2012, inhabitants, children), "bevolking_2012.csv")
        load_population(session, population_csv(2013, inhabitants, {}), "bevolking_2013.csv")
        record(session, "reference.load", actor="test", detail={"population": "bevolking"})  # as the CLI does
    weighted = report.round_report(engine, "2012")
    assert (weighted.weighting, weighted.population_year) == ("children_0_17", 2012)
    # Den Haag (coverage 1) weighs 900 of 417·100 + 900 children.
    assert weighted.national["coverage"] == pytest.approx(900 / (417 * 100 + 900))
    assert weighted.national["coverage_reporting"] == 1.0

    with session_scope(engine) as session:
        load_population(session, population_csv(2012, inhabitants, children | {"GM0003": None}), "zonder.csv")
        record(session, "reference.load", actor="test", detail={"population": "zonder"})
    fallback = report.round_report(engine, "2012")
    assert fallback.weighting == "inhabitants"
    assert fallback.national["coverage"] == pytest.approx(5000 / (417 * 1000 + 5000))
    assert fallback.to_dict()["national"]["weighting"] == "inhabitants"


def test_an_unreadable_file_is_listed_as_rejected_and_counts_as_no_return(engine: Engine):
    add_rounds(engine, "2010")
    outcome = ingest(io.BytesIO(b"not a workbook"), "kapot.xlsx", round="2010", engine=engine)
    assert outcome.status == "rejected"
    table = report.completeness_table(engine, "2010")
    assert list(table.rejected["filename"]) == ["kapot.xlsx"]
    assert table.rejected["n_issues"].iloc[0] >= 1
    assert report.round_report(engine, "2010").national["n_returns"] == 0


def _records_value_by_value(frame: pd.DataFrame) -> list[dict[str, object]]:
    """What `jsonable` made of a DataFrame before it converted a column at a time: each record's values in turn."""
    return [report.jsonable(dict(record)) for record in frame.to_dict(orient="records")]


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame(),
        pd.DataFrame(index=[0, 1]),
        pd.DataFrame({"n": [1, 2], "share": [0.5, float("nan")], "flag": [True, False], "name": ["a", None]}),
        pd.DataFrame({"n": pd.array([1, None], dtype="Int64"), "text": pd.array(["x", None], dtype="string")}),
        pd.DataFrame({"day": pd.to_datetime(["2011-12-31", None]), "at": pd.to_datetime(["2011-01-01T10:00Z", None])}),
        pd.DataFrame({"mixed": [float("nan"), date(2011, 1, 1), 3, "x"], 7: [1, 2, 3, 4]}),
        pd.DataFrame({"kind": pd.Categorical(["a", None])}),
    ],
)
def test_frames_become_the_same_records_a_column_at_a_time(frame: pd.DataFrame) -> None:
    converted = report.jsonable(frame)
    assert converted == _records_value_by_value(frame)
    assert json.dumps(converted) == json.dumps(_records_value_by_value(frame))
