"""Each round on its own municipal division: changes, crosswalks and validation of returns against that division."""

from __future__ import annotations

from datetime import date

import pytest
from corpus.builders import ALL_POINTS_3, points_rows, workbook
from sqlalchemy import Engine

from etl.admin.rounds import add_round
from etl.ingest.pipeline import ingest
from etl.reference.divisions import Change, apply_changes, crosswalk, predecessors
from etl.reference.geography import shipped_changes
from etl.store.db import session_scope

SPLIT = [
    Change(date(2010, 1, 1), "GM0993", "GM0984", 0.42),
    Change(date(2010, 1, 1), "GM0993", "GM1507", 0.58),
    Change(date(2010, 1, 1), "GM0964", "GM1507"),
]


def test_the_change_file_turns_2008_into_441_431_and_418_municipalities() -> None:
    from etl.reference.geography import REFERENCE_DIR, _read_csv

    _, rows = _read_csv((REFERENCE_DIR / "municipalities_2008.csv").read_text(encoding="utf-8"))
    codes = {row["municipality_code"] for row in rows}
    changes = shipped_changes()
    assert len(codes) == 443
    assert len(apply_changes(codes, changes, 2008, 2009)) == 441
    assert len(apply_changes(codes, changes, 2008, 2010)) == 431
    assert len(apply_changes(codes, changes, 2008, 2011)) == 418


def test_a_split_divides_by_the_shares_in_the_file_and_a_merger_follows_to_the_last_successor() -> None:
    walk = crosswalk({"GM0993", "GM0964", "GM0984", "GM1507"}, SPLIT, 2009, 2010)
    assert walk["GM0993"] == {"GM0984": pytest.approx(0.42), "GM1507": pytest.approx(0.58)}
    assert walk["GM0964"] == {"GM1507": 1.0}
    assert predecessors(walk)["GM1507"] == {"GM1507": 1.0, "GM0964": 1.0, "GM0993": pytest.approx(0.58)}
    # Bennebroek (2009 into Bloemendaal) seen from 2008 in 2011; Alkemade into Kaag en Braassem
    walk = crosswalk({"GM0372", "GM0483", "GM0600"}, shipped_changes(), 2008, 2011)
    assert walk["GM0372"] == {"GM0377": 1.0}
    assert walk["GM0483"] == {"GM1884": 1.0}
    assert walk["GM0600"] == {"GM0599": 1.0}  # Rozenburg, 2010-03-18: first in the 2011 division


def test_a_round_uses_the_division_of_its_reference_year(engine: Engine) -> None:
    with session_scope(engine) as session:
        years = [add_round(session, str(y), date(y, 12, 31)).division_year for y in (2008, 2009, 2010, 2011)]
        assert years == [2008, 2009, 2010, 2011]
        assert add_round(session, "2012", date(2012, 12, 31)).division_year == 2011  # the newest one shipped


def _return(code: str) -> bytes:
    return workbook({"Gemeente": [["Gemeentecode", code], [], *points_rows(ALL_POINTS_3)]})


def test_a_2008_return_for_bennebroek_is_valid(engine: Engine) -> None:
    with session_scope(engine) as session:
        add_round(session, "2008", date(2008, 12, 31))
    report = ingest(_return("GM0372"), "bennebroek.xlsx", round="2008", engine=engine)
    assert report.status == "accepted", report.errors
    assert report.municipalities == ["GM0372"]


def test_a_2011_return_for_bennebroek_names_its_successor_in_both_languages(engine: Engine) -> None:
    with session_scope(engine) as session:
        add_round(session, "2011", date(2011, 12, 31))
    report = ingest(_return("GM0372"), "bennebroek.xlsx", round="2011", engine=engine)
    assert report.status == "rejected"
    [issue] = report.errors
    assert (issue.code, issue.sheet, issue.cell) == ("municipality_dissolved", "Gemeente", "B1")
    assert "GM0377 (Bloemendaal)" in issue.message_nl and "2009-01-01" in issue.message_nl
    assert "GM0377 (Bloemendaal)" in issue.message_en and "became part of" in issue.message_en


def test_a_2008_return_for_a_municipality_formed_later_names_its_predecessors(engine: Engine) -> None:
    with session_scope(engine) as session:
        add_round(session, "2008", date(2008, 12, 31))
    report = ingest(_return("GM1884"), "kaag.xlsx", round="2008", engine=engine)
    [issue] = report.errors
    assert issue.code == "municipality_not_yet_formed"
    assert "GM0483 (Alkemade)" in issue.message_en and "GM0645 (Jacobswoude)" in issue.message_en


def test_a_municipality_dissolved_after_the_round_opened_is_accepted_for_that_round(engine: Engine) -> None:
    # Rozenburg joined Rotterdam on 2010-03-18; the 2010 round (division of 1 January 2010) still expects it
    with session_scope(engine) as session:
        add_round(session, "2010", date(2010, 12, 31))
    report = ingest(_return("GM0600"), "rozenburg.xlsx", round="2010", engine=engine)
    assert report.status == "accepted", report.errors


def test_each_division_year_has_map_shapes_of_its_own_municipalities() -> None:
    from dashboard.analytics.queries import municipality_geojson

    for year, count in ((2008, 443), (2009, 441), (2010, 431), (2011, 418)):
        codes = {f["properties"]["statcode"] for f in municipality_geojson(year)["features"]}
        assert len(codes) == count, year
    derived = {f["properties"]["statcode"]: f for f in municipality_geojson(2010)["features"]}
    assert "GM1884" in derived and "GM0483" not in derived  # Kaag en Braassem drawn from its 2008 predecessors
    assert len(derived["GM1894"]["geometry"]["coordinates"]) >= 4  # Peel en Maas: four 2008 municipalities
