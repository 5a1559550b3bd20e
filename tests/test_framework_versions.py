"""Two framework versions side by side: each round shows the titles, levels and groups of the version its returns
were made in — in the report, on the points page and in the export (content, workbook, PDF)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl
import pytest
from corpus.builders import CORPUS, ONE_MUNICIPALITY_REGION, add_rounds, filled
from sqlalchemy import Engine, inspect, select

from dashboard.analytics.report import point_detail, round_report
from dashboard.exports.bundle import collect
from dashboard.exports.content import ExportRequest
from dashboard.exports.pdf import write_pdf
from dashboard.exports.xlsx import write_workbook
from dashboard.web.app import render
from dashboard.web.auth import Principal
from etl.ingest.pipeline import ingest
from etl.reference.framework import load_framework
from etl.reference.geography import load_framework_data
from etl.store import models as m
from etl.store.db import engine_for, session_scope
from etl.store.migrate import downgrade, upgrade

SECOND = CORPUS / "framework_raak-2012.yaml"
DEN_HAAG = "GM0518"
NJI = Principal(1, "nji@test", "nji")
OLD_TITLE = "Child advocacy als gedeelde attitude"  # raak-2007 point 1
OLD_GROUP = "Preventie"


def _text(component: object) -> str:
    """Every text in a Dash component tree."""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(_text(item) for item in component)
    children = getattr(component, "children", None)
    return "" if children is None else _text(children)


@pytest.fixture
def two_versions(engine: Engine, tmp_path: Path) -> Engine:
    """Round 2009 answered in raak-2007; then raak-2012 is loaded and round 2012 answered in it (its template asks
    for the newest version)."""
    add_rounds(engine, "2009", "2012")
    old = filled(engine, ONE_MUNICIPALITY_REGION, "2009", tmp_path / "old", {DEN_HAAG: dict.fromkeys(range(1, 36), 3)})
    assert ingest(old, "2009.xlsx", engine=engine, uploader="test").status == "accepted"
    with session_scope(engine) as session:
        load_framework_data(session, [SECOND])
    new = filled(engine, ONE_MUNICIPALITY_REGION, "2012", tmp_path / "new", {DEN_HAAG: {1: 3, 2: 1, 3: 4, 4: 0}})
    outcome = ingest(new, "2012.xlsx", engine=engine, uploader="test")
    assert outcome.status == "accepted", outcome.issues
    return engine


def test_each_round_reports_the_titles_levels_and_groups_of_its_own_framework(two_versions: Engine) -> None:
    second = load_framework(SECOND)
    old, new = round_report(two_versions, "2009"), round_report(two_versions, "2012", lang="en")
    assert old.round["framework_versions"] == ["raak-2007"] and old.framework_version == "raak-2007"
    assert new.round["framework_versions"] == ["raak-2012"]
    assert len(old.points) == 35 and OLD_TITLE in set(old.points["title"])
    assert list(new.points["title"]) == [p.title_en for p in second.points]
    national = new.groups[new.groups["scope"] == "national"]
    assert list(national["name"]) == ["Reach in the neighbourhood", "Tailored care"]
    assert list(new.levels[new.levels["scope"] == "national"]["name"]) == ["Neighbourhood work", "Specialised care"]
    assert OLD_GROUP in set(old.groups["name"]) and "Bereik in de wijk" not in set(old.groups["name"])
    assert new.national["coverage"] > 0  # points 1 and 3 of 4 are implemented in Den Haag
    detail = point_detail(two_versions, "2012", 2)
    assert detail.point["framework_version"] == "raak-2012" and detail.point["text_nl"] == second.point(2).text_nl
    assert point_detail(two_versions, "2009", 2).point["framework_version"] == "raak-2007"
    assert point_detail(two_versions, "2012", 2, framework_version="raak-2007").point["title"] != detail.point["title"]


def test_points_page_lists_and_opens_the_points_of_the_rounds_framework(two_versions: Engine) -> None:
    second = load_framework(SECOND)
    new = _text(render(two_versions, "/punten", "?ronde=2012&punt=2", NJI)[2])
    assert f"1. {second.point(1).title_nl}" in new and second.point(2).text_nl in new
    assert OLD_TITLE not in new
    old = _text(render(two_versions, "/punten", "?ronde=2009&punt=2", NJI)[2])
    assert f"1. {OLD_TITLE}" in old and second.point(2).text_nl not in old and second.point(1).title_nl not in old


def test_export_carries_the_point_texts_and_groups_of_the_rounds_framework(
    two_versions: Engine, tmp_path: Path
) -> None:
    second = load_framework(SECOND)
    content = collect(two_versions, ExportRequest("2012", formats=("xlsx", "pdf")))
    assert set(content.point_texts) == {("raak-2012", p.number) for p in second.points}
    assert content.sources["framework"] == f"{second.source} (raak-2012)"
    book = openpyxl.load_workbook(write_workbook(content, tmp_path / "2012.xlsx"))
    cells = {str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c}
    assert {p.text_nl for p in second.points} <= cells and {"Bereik in de wijk", "Zorg op maat"} <= cells
    assert OLD_TITLE not in cells and OLD_GROUP not in cells
    pdf = write_pdf(content, {}, tmp_path / "2012.pdf")
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout.split()
    )
    assert second.point(4).text_nl in text and "Zorg op maat" in text and OLD_GROUP not in text
    old = collect(two_versions, ExportRequest("2009", formats=("xlsx",)))
    assert {version for version, _ in old.point_texts} == {"raak-2007"} and len(old.point_texts) == 35


def test_reference_load_puts_the_framework_groups_in_the_database_in_order(engine: Engine) -> None:
    shipped = load_framework()
    with session_scope(engine) as session:
        rows = session.execute(
            select(m.FrameworkGroup.code, m.FrameworkGroup.name_nl, m.FrameworkGroup.name_en)
            .where(m.FrameworkGroup.framework_version == shipped.version)
            .order_by(m.FrameworkGroup.order)
        ).all()
    assert [tuple(r) for r in rows] == [(g.code, g.name_nl, g.name_en) for g in shipped.groups]


def test_migration_fills_the_groups_of_a_database_that_holds_a_framework(db_url: str) -> None:
    engine = engine_for(db_url)
    downgrade(engine, "0004_divisions_population")
    assert "framework_groups" not in inspect(engine).get_table_names()
    upgrade(engine)
    with session_scope(engine) as session:
        names = list(session.scalars(select(m.FrameworkGroup.name_nl).order_by(m.FrameworkGroup.order)))
    assert names == [g.name_nl for g in load_framework().groups]
    downgrade(engine, "0004_divisions_population")
    assert "framework_groups" not in inspect(engine).get_table_names()
    upgrade(engine)
