"""Stored per-round aggregates (`round_aggregates`): written by the ETL in the transaction that changes a round's
data, read by the reports instead of re-aggregating every earlier round, and always equal to a recount."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from corpus.builders import SMALL_REGION, filled, points_rows, random_statuses, region_municipalities, workbook
from sqlalchemy import Engine, delete, select, update

from dashboard.analytics import queries as data
from dashboard.analytics import report
from dashboard.analytics.metrics import Target
from dashboard.cli import main
from etl.admin.rounds import add_round
from etl.ingest.load import load_accepted
from etl.ingest.pipeline import ingest
from etl.ingest.validate import MunicipalityReturn, PointValue, Validation
from etl.ingest.withdraw import withdraw_return
from etl.reference.geography import REFERENCE_DIR, load_reference
from etl.store import models as m
from etl.store.aggregates import REFRESH_ACTION
from etl.store.db import session_scope
from etl.store.migrate import downgrade, upgrade

BENNEBROEK, BLOEMENDAAL = "GM0372", "GM0377"  # Bennebroek (2008) became part of Bloemendaal (2009)
LABELS = ("2008", "2011")


def _return(code: str, status: int) -> bytes:
    return workbook({"Gemeente": [["Gemeentecode", code], [], *points_rows(dict.fromkeys(range(1, 36), status))]})


def _accepted(engine: Engine, data_: bytes, name: str, label: str) -> None:
    result = ingest(data_, name, round=label, engine=engine)
    assert result.status == "accepted", result.issues


def _rounds_across_a_merger(engine: Engine, tmp_path: Path) -> list[str]:
    """Round 2008 (2008 division) and 2011 (2011 division): single returns around the Bennebroek merger, and a
    whole region in 2011 sent twice (the second supersedes the first). The region's municipality codes."""
    with session_scope(engine) as session:
        add_round(session, "2008", date(2008, 12, 31))
        add_round(session, "2011", date(2011, 12, 31))
    for code, status, label in ((BENNEBROEK, 3, "2008"), (BLOEMENDAAL, 2, "2008"), (BLOEMENDAAL, 3, "2011")):
        _accepted(engine, _return(code, status), f"{code}_{label}.xlsx", label)
    codes = region_municipalities(engine, SMALL_REGION)
    for seed in (1, 2):
        _accepted(engine, filled(engine, SMALL_REGION, "2011", tmp_path, random_statuses(codes, seed)), None, "2011")
    return codes


def _counts(engine: Engine, *, from_assessments: bool) -> pd.DataFrame:
    with data.snapshot(engine) as conn:
        ids = [int(i) for i in data.rounds(conn)["id"]]
        frame = data.coverage_counts(conn, ids, from_assessments=from_assessments)
    return frame.sort_values(["round_id", "municipality_code", "level_code", "group_code"]).reset_index(drop=True)


def _reports(engine: Engine, *, from_assessments: bool) -> dict[str, dict[str, object]]:
    target = Target.from_env()
    with data.snapshot(engine) as conn:
        return {
            label: report._build_round_report(conn, label, target, "nl", from_assessments=from_assessments).to_dict()
            for label in LABELS
        }


def _totals(engine: Engine, *, from_assessments: bool) -> pd.DataFrame:
    with data.snapshot(engine) as conn:
        ids = [int(i) for i in data.rounds(conn)["id"]]
        frame = data.coverage_counts(conn, ids, per_level=False, from_assessments=from_assessments)
    return frame.sort_values(["round_id", "municipality_code"]).reset_index(drop=True)


def _assert_stored_equals_recount(engine: Engine) -> None:
    stored = _counts(engine, from_assessments=False)
    assert not stored.empty
    pd.testing.assert_frame_equal(stored, _counts(engine, from_assessments=True))
    pd.testing.assert_frame_equal(_totals(engine, from_assessments=False), _totals(engine, from_assessments=True))
    assert _reports(engine, from_assessments=False) == _reports(engine, from_assessments=True)


def _stored_rows(engine: Engine) -> list[tuple[object, ...]]:
    """Every stored aggregate and total."""
    with session_scope(engine) as session:
        tables = (m.RoundAggregate.__table__, m.RoundTotal.__table__)
        return sorted((table.name, *row) for table in tables for row in session.execute(select(table)))


def test_reports_from_stored_aggregates_equal_reports_recounted_after_ingest_withdrawal_and_reference_load(
    engine: Engine, tmp_path: Path
) -> None:
    codes = _rounds_across_a_merger(engine, tmp_path)
    _assert_stored_equals_recount(engine)  # after ingests (and a superseding one) in two divisions

    withdraw_return(engine, "2011", codes[0], actor="nji@example.nl", reason="verkeerde gemeente")
    assert codes[0] not in set(_counts(engine, from_assessments=False)["municipality_code"])
    _assert_stored_equals_recount(engine)

    population = tmp_path / "population.csv"
    population.write_text("municipality_code,year,inhabitants,children_0_17\nGM0363,2011,779808,151234\n")
    corop = tmp_path / "corop.csv"
    corop.write_text((REFERENCE_DIR / "regions_corop_2011.csv").read_text(encoding="utf-8"), encoding="utf-8")
    before = _stored_rows(engine)
    with session_scope(engine) as session:
        load_reference(session, regions_file=corop, population_file=population)
    assert _stored_rows(engine) == before  # weights and regions are applied when read, not stored
    _assert_stored_equals_recount(engine)
    assert set(_reports(engine, from_assessments=False)["2011"]["regions"][0]) >= {"region_code", "coverage"}


def test_a_reference_load_that_changes_what_counts_recomputes_every_round(engine: Engine, tmp_path: Path) -> None:
    _rounds_across_a_merger(engine, tmp_path)
    with session_scope(engine) as session:  # someone edited the framework by hand: point 1 in another group
        session.execute(update(m.Point).where(m.Point.number == 1).values(group="edited"))
        session.execute(update(m.StatusLevel).where(m.StatusLevel.value == 2).values(implemented=True))
        session.execute(delete(m.RoundAggregate))
    with session_scope(engine) as session:
        load_reference(session)  # restores the shipped framework and scale, so every count must follow
    _assert_stored_equals_recount(engine)
    with session_scope(engine) as session:
        assert session.scalar(select(m.AuditLog.action).order_by(m.AuditLog.id.desc()).limit(1)) == REFRESH_ACTION


def test_a_rejected_or_failed_ingest_leaves_the_stored_aggregates_unchanged(engine: Engine, tmp_path: Path) -> None:
    _rounds_across_a_merger(engine, tmp_path)
    before = _stored_rows(engine)
    rejected = ingest(_return(BLOEMENDAAL, 9), "bad.xlsx", round="2011", engine=engine)  # 9 is not on the scale
    assert rejected.status == "rejected"
    assert _stored_rows(engine) == before

    with pytest.raises(RuntimeError), session_scope(engine) as session:  # loaded, then the transaction fails
        rnd = session.scalar(select(m.Round).where(m.Round.label == "2011"))
        values = tuple(PointValue(n, 4, False, None, f"C{n + 1}") for n in range(1, 36))
        returns = [MunicipalityReturn(BLOEMENDAAL, BLOEMENDAAL, values)]
        validation = Validation(rnd, None, "raak-2007", None, returns, [])
        load_accepted(session, validation, file="x.xlsx", sha="f" * 64, size=1, uploader="t", stored_path="x")
        raise RuntimeError("disk full")
    assert _stored_rows(engine) == before
    _assert_stored_equals_recount(engine)


def test_refresh_aggregates_command_restores_them_and_tells_cached_reports(
    engine: Engine, use_database: str, tmp_path: Path
) -> None:
    _rounds_across_a_merger(engine, tmp_path)
    expected = _stored_rows(engine)
    with session_scope(engine) as session:
        session.execute(delete(m.RoundAggregate).where(m.RoundAggregate.municipality_code == BLOEMENDAAL))
        session.execute(delete(m.RoundTotal).where(m.RoundTotal.municipality_code == BLOEMENDAAL))
    result = CliRunner().invoke(main, ["db", "refresh-aggregates"])
    assert result.exit_code == 0, result.output
    aggregates = sum(row[0] == "round_aggregates" for row in expected)
    assert f"{aggregates} rows" in result.output and f"{aggregates} rijen" in result.output
    assert _stored_rows(engine) == expected
    with session_scope(engine) as session:
        assert session.scalar(select(m.AuditLog.action).order_by(m.AuditLog.id.desc()).limit(1)) == REFRESH_ACTION


@pytest.mark.parametrize("before", ["0005_framework_groups", "0006_round_aggregates"])  # before 0006, before 0007
def test_migrations_fill_the_stored_counts_of_rounds_already_there(engine: Engine, tmp_path: Path, before: str) -> None:
    _rounds_across_a_merger(engine, tmp_path)
    expected = _stored_rows(engine)
    downgrade(engine, before)
    upgrade(engine)
    assert _stored_rows(engine) == expected
    _assert_stored_equals_recount(engine)
