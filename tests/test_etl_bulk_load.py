"""The bulk load path (COPY on PostgreSQL, one executemany on SQLite) stores exactly the rows the file holds."""

from __future__ import annotations

from pathlib import Path

from corpus.builders import SMALL_REGION, add_rounds, expected, filled, random_statuses, region_municipalities
from corpus.sql import recorded_statements
from sqlalchemy import Engine, select

from etl.ingest.load import ASSESSMENT_COLUMNS, insert_assessments
from etl.ingest.pipeline import ingest
from etl.store import models as m
from etl.store.db import session_scope

# Text that COPY's text format must escape: tab, newline, carriage return, backslash, its NULL marker, quotes.
AWKWARD_COMMENTS = {
    1: "tab\there",
    2: "line one\nline two",
    3: "carriage\rreturn",
    4: "back\\slash \\N and \\t",
    5: "\\N",
    6: "'single' \"double\" ; , |",
    7: "Ĳsselstein · Süd-Limburg · 京都 · 🙂",
    8: "x" * 5000,
}


def _assessment_rows(engine: Engine) -> list[tuple[object, ...]]:
    """Every assessment as (submission's municipality, …the loaded columns), ordered, ids left out."""
    columns = [getattr(m.Assessment, name) for name in ASSESSMENT_COLUMNS]
    with session_scope(engine) as session:
        rows = session.execute(select(*columns).order_by(m.Assessment.submission_id, m.Assessment.point_number))
        return [tuple(row) for row in rows]


def test_accepted_file_stores_every_status_comment_and_submission(engine: Engine, tmp_path: Path) -> None:
    add_rounds(engine, "2009")
    codes = region_municipalities(engine, SMALL_REGION)
    statuses = random_statuses(codes, seed=13)
    in_cells = {n: text for n, text in AWKWARD_COMMENTS.items() if "\r" not in text}  # a cell reads \r as \n
    comments = {code: {n: f"{code} punt {n}: {text}" for n, text in in_cells.items()} for code in codes}
    data = filled(engine, SMALL_REGION, "2009", tmp_path, statuses, comments)

    report = ingest(data, "bulk.xlsx", engine=engine)

    assert report.status == "accepted", [issue.line() for issue in report.issues]
    with session_scope(engine) as session:
        round_id = session.scalar(select(m.Round.id).where(m.Round.label == "2009"))
        framework = session.scalar(select(m.Submission.framework_version).limit(1))
        query = select(m.Submission.municipality_code, m.Submission.id).order_by(m.Submission.id)
        submissions = {code: submission_id for code, submission_id in session.execute(query)}
    assert list(submissions.values()) == report.submission_ids
    want = sorted(
        (
            submissions[code],
            round_id,
            code,
            framework,
            n,
            *expected(value),
            comments[code].get(n),
            True,
        )
        for code, points in statuses.items()
        for n, value in points.items()
    )
    got = [(*row[:6], bool(row[6]), row[7], bool(row[8])) for row in _assessment_rows(engine)]
    assert got == want


def test_reingest_supersedes_previous_rows_and_keeps_them(engine: Engine, tmp_path: Path) -> None:
    add_rounds(engine, "2009")
    codes = region_municipalities(engine, SMALL_REGION)
    first = ingest(filled(engine, SMALL_REGION, "2009", tmp_path, random_statuses(codes, 1)), "a.xlsx", engine=engine)
    second_statuses = random_statuses(codes, 2)
    second = ingest(filled(engine, SMALL_REGION, "2009", tmp_path, second_statuses), "b.xlsx", engine=engine)

    assert (first.status, second.status) == ("accepted", "accepted")
    with session_scope(engine) as session:
        superseded = {i: by for i, by in session.execute(select(m.Submission.id, m.Submission.superseded_by_id))}
        statuses = {i: status for i, status in session.execute(select(m.Submission.id, m.Submission.status))}
    assert {old: superseded[old] for old in first.submission_ids} == dict(
        zip(first.submission_ids, second.submission_ids, strict=True)
    )
    assert {statuses[i] for i in first.submission_ids} == {"superseded"}
    rows = _assessment_rows(engine)
    old_rows = [row for row in rows if row[0] in first.submission_ids]
    new_rows = [row for row in rows if row[0] in second.submission_ids]
    assert len(old_rows) == len(new_rows) == len(codes) * 35
    assert not any(row[8] for row in old_rows)
    assert all(row[8] for row in new_rows)
    assert {(row[2], row[4]): (row[5], bool(row[6])) for row in new_rows} == {
        (code, n): expected(value) for code, points in second_statuses.items() for n, value in points.items()
    }


def test_bulk_insert_round_trips_awkward_text_and_nulls(engine: Engine, tmp_path: Path) -> None:
    add_rounds(engine, "2009")
    codes = region_municipalities(engine, SMALL_REGION)
    report = ingest(filled(engine, SMALL_REGION, "2009", tmp_path, random_statuses(codes, 3)), "c.xlsx", engine=engine)
    assert report.status == "accepted"
    submission = report.submission_ids[0]
    code = report.municipalities[0]
    with session_scope(engine) as session:
        round_id = session.scalar(select(m.Round.id).where(m.Round.label == "2009"))
        framework = session.scalar(select(m.Submission.framework_version).limit(1))
        rows = [
            (submission, round_id, code, framework, n, None if n % 2 else n % 5, bool(n % 2), text, False)
            for n, text in AWKWARD_COMMENTS.items()
        ] + [(submission, round_id, code, framework, 9, 0, False, None, False)]
        insert_assessments(session, rows)
    stored = [row for row in _assessment_rows(engine) if not row[8]]
    assert [(*row[:6], bool(row[6]), row[7], bool(row[8])) for row in stored] == sorted(rows, key=lambda r: r[4])


def test_an_accepted_file_takes_its_locks_once(engine: Engine, tmp_path: Path) -> None:
    """The round is locked `FOR UPDATE` once per file on PostgreSQL (the stored counts' refresh used to lock it a
    second time), and on SQLite the transaction begins as the writer instead of running a no-op UPDATE. A first
    return of its municipalities replaces no current assessment, so there are no stored counts to delete. The
    submissions go in by one statement (SQLite ran one per municipality when their ids had to come back in order),
    and the round's change is recorded once."""
    add_rounds(engine, "2009")
    codes = region_municipalities(engine, SMALL_REGION)
    data = filled(engine, SMALL_REGION, "2009", tmp_path, random_statuses(codes, seed=5))
    with recorded_statements(engine) as sent:
        report = ingest(data, "locks.xlsx", engine=engine)
    statements = [statement.upper() for statement in sent]

    assert report.status == "accepted", [issue.line() for issue in report.issues]
    assert not any(statement.startswith("DELETE") for statement in statements)
    assert len(codes) > 1 and sum(statement.startswith("INSERT INTO SUBMISSIONS") for statement in statements) == 1
    if engine.dialect.name == "postgresql":  # taken as the round is read by its label
        locks = [statement for statement in statements if "FOR UPDATE" in statement]
        assert len(locks) == 1 and "ROUNDS.LABEL =" in locks[0]
    else:
        assert statements[0] == "BEGIN IMMEDIATE"
        assert not any(statement.startswith("UPDATE ROUNDS") for statement in statements)
    assert sum(statement.startswith("INSERT INTO ROUND_CHANGES") for statement in statements) == 1
