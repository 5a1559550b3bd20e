"""The schema: migrations run both ways and the database itself guards integrity."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError

from etl.admin.rounds import add_round
from etl.store import models as m
from etl.store.db import engine_for, session_scope
from etl.store.migrate import downgrade, upgrade


def test_migrations_upgrade_and_downgrade_cleanly(empty_db_url: str) -> None:
    engine = engine_for(empty_db_url)
    tables = set(inspect(engine).get_table_names())
    assert set(m.Base.metadata.tables) <= tables
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert set(m.Base.metadata.tables) <= set(inspect(engine).get_table_names())


def _assessment_indexes(engine: Engine) -> set[str]:
    return {index["name"] or "" for index in inspect(engine).get_indexes(m.Assessment.__tablename__)}


def test_migration_0008_drops_the_round_index_the_composite_one_covers_and_restores_it(empty_db_url: str) -> None:
    """ix_assessments_round_id duplicated the leading column of ix_assessments_round_municipality_point: every
    inserted assessment paid for an index no query needs. The migrated schema has the model's indexes only."""
    engine = engine_for(empty_db_url)
    model_indexes = {index.name or "" for index in m.Assessment.__table__.indexes}
    assert "ix_assessments_round_id" not in model_indexes
    assert _assessment_indexes(engine) == model_indexes
    downgrade(engine, "0007_round_totals")
    assert _assessment_indexes(engine) == model_indexes | {"ix_assessments_round_id"}
    upgrade(engine)
    assert _assessment_indexes(engine) == model_indexes


def _assessment_keys(engine: Engine) -> set[str]:
    return {key["name"] or "" for key in inspect(engine).get_foreign_keys(m.Assessment.__tablename__)}


def test_migration_0010_gives_assessments_one_key_to_their_submission_and_takes_it_back(empty_db_url: str) -> None:
    engine = engine_for(empty_db_url)
    assert _assessment_keys(engine) == {"fk_assessments_submission", "fk_assessments_point"}
    downgrade(engine, "0009_round_coverage")
    assert _assessment_keys(engine) == {
        "fk_assessments_submission_id_submissions",
        "fk_assessments_round_id_rounds",
        "fk_assessments_municipality_code_municipalities",
        "fk_assessments_point",
    }
    upgrade(engine)
    assert _assessment_keys(engine) == {"fk_assessments_submission", "fk_assessments_point"}


def _submission(engine: Engine) -> tuple[int, int]:
    """A round and an accepted submission for GM0363 to hang assessments on."""
    with session_scope(engine) as session:
        rnd = add_round(session, "2009", date(2009, 12, 31), actor="test")
        upload = m.Upload(filename="x.xlsx", sha256="0" * 64, size_bytes=1, status="accepted", round_id=rnd.id)
        session.add(upload)
        session.flush()
        sub = m.Submission(
            upload_id=upload.id,
            round_id=rnd.id,
            municipality_code="GM0363",
            framework_version="raak-2007",
            status="accepted",
        )
        session.add(sub)
        session.flush()
        return rnd.id, sub.id


def _assessment(round_id: int, submission_id: int, **values: object) -> m.Assessment:
    defaults: dict[str, object] = dict(
        submission_id=submission_id,
        round_id=round_id,
        municipality_code="GM0363",
        framework_version="raak-2007",
        point_number=1,
        status=3,
        not_applicable=False,
        is_current=True,
    )
    return m.Assessment(**{**defaults, **values})


@pytest.mark.parametrize("values", [{"status": 5}, {"status": -1}, {"status": None}, {"not_applicable": True}])
def test_database_rejects_a_status_outside_the_scale(engine: Engine, values: dict[str, object]) -> None:
    round_id, submission_id = _submission(engine)
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(_assessment(round_id, submission_id, **values))


def test_database_accepts_not_applicable_without_status(engine: Engine) -> None:
    round_id, submission_id = _submission(engine)
    with session_scope(engine) as session:
        session.add(_assessment(round_id, submission_id, status=None, not_applicable=True))


def test_database_rejects_a_second_current_assessment(engine: Engine) -> None:
    round_id, submission_id = _submission(engine)
    with session_scope(engine) as session:
        session.add(_assessment(round_id, submission_id))
        session.add(_assessment(round_id, submission_id, is_current=False, status=1))  # history is fine
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(_assessment(round_id, submission_id, status=4))


def test_database_rejects_an_assessment_of_an_unknown_point(engine: Engine) -> None:
    round_id, submission_id = _submission(engine)
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(_assessment(round_id, submission_id, point_number=36))


@pytest.mark.parametrize("other", ["round", "municipality"])
def test_database_rejects_an_assessment_that_names_another_round_or_municipality_than_its_submission(
    engine: Engine, other: str
) -> None:
    round_id, submission_id = _submission(engine)
    with session_scope(engine) as session:
        other_round = add_round(session, "2010", date(2010, 12, 31), actor="test").id
    with session_scope(engine) as session:  # the submission's own round and municipality are fine
        session.add(_assessment(round_id, submission_id))
    if other == "round":
        assessment = _assessment(other_round, submission_id)
    else:
        assessment = _assessment(round_id, submission_id, municipality_code="GM0014")
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(assessment)


def test_round_errors_speak_dutch_and_english(engine: Engine) -> None:
    from etl.admin.rounds import RoundError, get_round

    with pytest.raises(RoundError) as caught, session_scope(engine) as session:
        get_round(session, "1999")
    assert caught.value.message("en") == "unknown round '1999' (known: none)"
    assert caught.value.message("nl") == "onbekende ronde '1999' (bekend: geen)"
