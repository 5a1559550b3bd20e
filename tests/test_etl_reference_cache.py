"""The reference data a batch of files is validated against is read once per batch (`ReferenceCache`), and never
stale: a reference change between two files of a batch, or a round on another division, is seen by the next file."""

from __future__ import annotations

from datetime import date

import pytest
from corpus.builders import ALL_POINTS_3, ONE_MUNICIPALITY_REGION, SMALL_REGION, add_rounds, points_rows, workbook
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from etl.admin.rounds import add_round
from etl.ingest.pipeline import ingest
from etl.ingest.validate import ReferenceCache, ReferenceData
from etl.store import models as m
from etl.store.db import session_scope

DEN_HAAG = "GM0518"  # the only municipality of ONE_MUNICIPALITY_REGION in the 2011 division


def _return(code: str, first_status: int = 3) -> bytes:
    """A one-sheet return for `code` (the first status varies, so two files are never the same bytes)."""
    statuses = {**ALL_POINTS_3, 1: first_status}
    return workbook({"Gemeente": [["Gemeentecode", code], [], *points_rows(statuses)]})


def _move_by_orm(session: Session) -> None:
    row = session.get(m.MunicipalityDivision, (2011, DEN_HAAG))
    assert row is not None
    row.region_code = SMALL_REGION


def _move_by_core(session: Session) -> None:
    D = m.MunicipalityDivision
    session.execute(update(D).where(D.year == 2011, D.municipality_code == DEN_HAAG).values(region_code=SMALL_REGION))


def test_the_cache_reads_once_and_again_after_a_reference_write(engine: Engine) -> None:
    cache = ReferenceCache()
    with session_scope(engine) as session:
        first = cache.get(session)
    with session_scope(engine) as session:
        assert cache.get(session) is first  # read once for the batch, not once per file
        session.add(m.Region(code="GG9999", name="Testregio", region_type="GGD"))
    with session_scope(engine) as session:
        again = cache.get(session)
    assert again is not first
    assert "GG9999" in again.regions and "GG9999" not in first.regions


def test_the_cache_reads_once_for_a_batch_whose_files_begin_as_the_writer(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each file's transaction runs on an engine with the writer option (`session_scope(write_first=True)`: a
    new engine object each time, on the same pool): still the same database, so the batch reads once."""
    reads: list[ReferenceData] = []
    read = ReferenceData.read.__func__  # type: ignore[attr-defined]

    def counted(cls: type[ReferenceData], session: Session) -> ReferenceData:
        reads.append(read(cls, session))
        return reads[-1]

    monkeypatch.setattr(ReferenceData, "read", classmethod(counted))
    add_rounds(engine, "2009")
    cache = ReferenceCache()
    for first_status in (1, 2, 3):
        report = ingest(_return(DEN_HAAG, first_status), f"{first_status}.xlsx", engine=engine, reference=cache)
        assert report.status == "accepted", [issue.line() for issue in report.issues]
    assert len(reads) == 1


@pytest.mark.parametrize("move", [_move_by_orm, _move_by_core], ids=["orm", "core"])
def test_a_division_change_between_two_files_of_a_batch_is_seen_by_the_second(engine: Engine, move: object) -> None:
    add_rounds(engine, "2011")
    cache = ReferenceCache()
    kept = ingest(_return(DEN_HAAG, 1), "a.xlsx", region=ONE_MUNICIPALITY_REGION, engine=engine, reference=cache)
    assert kept.status == "accepted", kept.issues
    with session_scope(engine) as session:
        move(session)  # type: ignore[operator]  # 's-Gravenhage now lies in another region in 2011

    moved = ingest(_return(DEN_HAAG, 2), "b.xlsx", region=ONE_MUNICIPALITY_REGION, engine=engine, reference=cache)

    assert moved.status == "rejected"
    assert [(i.code, i.cell) for i in moved.errors] == [("municipality_not_in_region", "B1")]
    fresh = ingest(_return(DEN_HAAG, 2), "b.xlsx", region=ONE_MUNICIPALITY_REGION, engine=engine)
    assert [(i.code, i.message_en) for i in fresh.issues] == [(i.code, i.message_en) for i in moved.issues]


def test_a_round_on_another_division_added_during_a_batch_uses_its_own_division(engine: Engine) -> None:
    with session_scope(engine) as session:
        D = m.MunicipalityDivision
        in_2011 = select(D.municipality_code).where(D.year == 2011)
        gone = session.scalar(
            select(D.municipality_code).where(D.year == 2008, D.municipality_code.not_in(in_2011)).order_by(D.year)
        )
    assert gone is not None  # a municipality of 2008 that merged before 2011
    add_rounds(engine, "2011")
    cache = ReferenceCache()
    late = ingest(_return(gone), "late.xlsx", round="2011", engine=engine, reference=cache)
    assert late.status == "rejected"
    assert {i.code for i in late.errors} == {"municipality_dissolved"}
    with session_scope(engine) as session:  # a round change, no reference write: the cache is not read again
        add_round(session, "2008", date(2008, 12, 31), division_year=2008, actor="test")

    on_time = ingest(_return(gone), "on-time.xlsx", round="2008", engine=engine, reference=cache)

    assert on_time.status == "accepted", on_time.issues
    assert on_time.municipalities == [gone]
