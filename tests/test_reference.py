"""Reference data: the framework, status scale and geography load completely, idempotently and safely."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from etl.reference.geography import REFERENCE_DIR, load_reference, reference_counts
from etl.store import models as m
from etl.store.db import session_scope
from etl.store.issues import InputRejected

Snapshot = Callable[[Engine], dict[str, list[tuple]]]


def test_reference_load_gives_the_full_framework_and_2011_geography(engine: Engine) -> None:
    with session_scope(engine) as session:
        counts = reference_counts(session)
        assert (counts.points, counts.levels, counts.provinces, counts.regions) == (35, 5, 12, 28)
        assert counts.current_municipalities == 418
        assert (
            session.scalar(
                select(func.count()).select_from(m.MunicipalityDivision).where(m.MunicipalityDivision.year == 2008)
            )
            == 443
        )
        current = select(m.MunicipalityDivision.municipality_code).where(m.MunicipalityDivision.year == 2011)
        unassigned = session.scalar(
            select(func.count())
            .select_from(m.Municipality)
            .where(m.Municipality.code.in_(current), m.Municipality.region_code.is_(None))
        )
        assert unassigned == 0
        assert session.get(m.Region, "GG1911").name == "Veiligheids- en Gezondheidsregio Gelderland-Midden"
        assert session.get(m.Municipality, "GM0363").name == "Amsterdam"
        assert session.get(m.StatusLevel, 4).label_en == "Implemented and embedded"


def test_reference_load_twice_changes_nothing(engine: Engine, table_snapshot: Snapshot) -> None:
    before = table_snapshot(engine)
    with session_scope(engine) as session:
        load_reference(session)
    assert table_snapshot(engine) == before


def test_regions_file_replaces_the_division(engine: Engine, tmp_path: Path) -> None:
    corop = tmp_path / "corop.csv"
    corop.write_text((REFERENCE_DIR / "regions_corop_2011.csv").read_text(encoding="utf-8"), encoding="utf-8")
    with session_scope(engine) as session:
        counts = load_reference(session, regions_file=corop)
    assert counts.regions == 40
    with session_scope(engine) as session:
        assert session.get(m.Municipality, "GM0363").region_code == "CR23"
        # a later plain reload keeps the division NJi chose
        assert load_reference(session).regions == 40


def _division_without_first_municipality(tmp_path: Path, replace: tuple[str, str] | None = None) -> Path:
    lines = (REFERENCE_DIR / "regions_ggd_2011.csv").read_text(encoding="utf-8").splitlines()
    body = "\n".join(lines[:1] + lines[2:])
    if replace:
        body = body.replace(*replace)
    path = tmp_path / "regions.csv"
    path.write_text(body + "\n", encoding="utf-8")
    return path


def test_regions_file_leaving_a_municipality_out_is_refused_and_changes_nothing(
    engine: Engine, tmp_path: Path, table_snapshot: Snapshot
) -> None:
    before = table_snapshot(engine)
    with pytest.raises(InputRejected) as caught, session_scope(engine) as session:
        load_reference(session, regions_file=_division_without_first_municipality(tmp_path))
    assert [(i.code, i.file) for i in caught.value.issues] == [("municipality_without_region", "regions.csv")]
    assert "GM0003" in caught.value.issues[0].message_en and "GM0003" in caught.value.issues[0].message_nl
    assert table_snapshot(engine) == before


def test_regions_file_naming_an_unknown_code_is_refused_at_its_cell(engine: Engine, tmp_path: Path) -> None:
    path = _division_without_first_municipality(tmp_path, ("GM0005,", "GM9999,"))
    with pytest.raises(InputRejected) as caught, session_scope(engine) as session:
        load_reference(session, regions_file=path)
    unknown = [i for i in caught.value.issues if i.code == "unknown_municipality"]
    assert [(i.cell, i.severity) for i in unknown] == [("A2", "error")]


def test_population_file_is_loaded(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "population.csv"
    path.write_text("municipality_code,year,inhabitants,children_0_17\nGM0363,2011,780559,138000\nGM0003,2011,12000,\n")
    with session_scope(engine) as session:
        # the shipped 443 + 431 + 418 rows stay; the file's two rows replace the shipped ones
        assert load_reference(session, population_file=path).population_rows == 443 + 431 + 418
        assert session.get(m.Population, ("GM0003", 2011)).children_0_17 is None
        amsterdam = session.get(m.Population, ("GM0363", 2011))
        assert (amsterdam.children_0_17, amsterdam.children_estimated) == (138000, False)


def test_real_children_counts_replace_the_estimate_and_survive_a_reload(engine: Engine, tmp_path: Path) -> None:
    with session_scope(engine) as session:
        shipped = session.get(m.Population, ("GM0363", 2011))
        assert (shipped.inhabitants, shipped.children_0_17, shipped.children_estimated) == (779810, 155182, True)
    path = tmp_path / "population.csv"
    path.write_text("municipality_code,year,inhabitants,children_0_17\nGM0363,2011,779808,151234\n")
    with session_scope(engine) as session:
        load_reference(session, population_file=path)
    with session_scope(engine) as session:
        load_reference(session)  # a plain reload must not bring the estimate back
    with session_scope(engine) as session:
        real = session.get(m.Population, ("GM0363", 2011))
        assert (real.inhabitants, real.children_0_17, real.children_estimated) == (779808, 151234, False)


def test_every_division_year_has_its_municipalities_and_ggd_regions(engine: Engine) -> None:
    D = m.MunicipalityDivision
    with session_scope(engine) as session:
        for year, municipalities, regions in ((2008, 443, 30), (2009, 441, 30), (2010, 431, 30), (2011, 418, 28)):
            rows = session.execute(select(D.municipality_code, D.region_code).where(D.year == year)).all()
            assert len(rows) == municipalities, year
            assert all(region for _, region in rows), year
            assert len({region for _, region in rows}) == regions, year
        # Bennebroek exists in 2008 only; Kaag en Braassem (2009 merger) joins the region of its largest
        # predecessor, Alkemade (GG1600 in 2008)
        assert session.get(D, (2008, "GM0372")).region_code == "GG0300"
        assert session.get(D, (2009, "GM0372")) is None
        assert session.get(D, (2009, "GM1884")).region_code == session.get(D, (2008, "GM0483")).region_code
        # Rozenburg joined Rotterdam on 2010-03-18: still in the 2010 division (1 January), gone in 2011
        assert session.get(D, (2010, "GM0600")) is not None
        assert session.get(D, (2011, "GM0600")) is None
        assert session.scalar(select(func.count()).select_from(m.MunicipalChange)) == 36


@pytest.mark.parametrize(
    ("row", "code", "cell"),
    [
        ("GM9999,2011,100,10", "unknown_municipality", "A2"),
        ("GM0363,2011,-5,", "invalid_number", "C2"),
        ("GM0363,2011,100,200", "children_exceed_inhabitants", "D2"),
        ("GM0363,twenty,100,", "invalid_number", "B2"),
    ],
)
def test_bad_population_file_is_refused_at_its_cell(
    engine: Engine, tmp_path: Path, table_snapshot: Snapshot, row: str, code: str, cell: str
) -> None:
    path = tmp_path / "population.csv"
    path.write_text(f"municipality_code,year,inhabitants,children_0_17\n{row}\n")
    before = table_snapshot(engine)
    with pytest.raises(InputRejected) as caught, session_scope(engine) as session:
        load_reference(session, population_file=path)
    assert [(i.code, i.cell) for i in caught.value.issues] == [(code, cell)]
    assert table_snapshot(engine) == before
