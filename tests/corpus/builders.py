"""Real workbooks and database facts for the ETL tests (no mocks): templates filled like a coordinator would,
hand-made workbooks that follow docs/return-format.md, and helpers that read back what landed."""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine, func, select, text

from etl.admin.rounds import add_round
from etl.reference.framework import load_status_scale
from etl.store import models as m
from etl.store.db import session_scope
from etl.templates.template import fill_template, write_template

POINTS = range(1, 36)
ALL_POINTS_3 = {n: 3 for n in POINTS}
SMALL_REGION = "GG3406"  # GGD Amsterdam: 6 municipalities
ONE_MUNICIPALITY_REGION = "GG3906"  # GGD Den Haag: only 's-Gravenhage (GM0518)
RECORD_TABLES = {"uploads", "validation_issues", "audit_log", "upload_jobs", "upload_job_files"}  # the upload log
CORPUS = Path(__file__).parent
COMMITTED = ("den_haag.xls", "den_haag.ods")  # written by LibreOffice; see README.md
COMMITTED_STATUSES = {n: [0, 1, 2, 3, 4, "n.v.t."][n % 6] for n in POINTS}
COMMITTED_COMMENTS = {5: "toelichting"}

Snapshot = dict[str, list[tuple]]


CORPUS_DIVISION_YEAR = 2011  # the corpus files name 2011 municipalities and GGD regions, whatever the round


def add_rounds(engine: Engine, *labels: str, closed: Sequence[str] = ()) -> None:
    """Rounds with reference date 31 December of the label's year on the corpus's (2011) division; `closed` ones
    are closed."""
    with session_scope(engine) as session:
        for label in labels:
            added = add_round(
                session, label, date(int(label[:4]), 12, 31), division_year=CORPUS_DIVISION_YEAR, actor="test"
            )
            added.is_open = label not in closed


def region_municipalities(engine: Engine, region: str) -> list[str]:
    with session_scope(engine) as session:
        return list(
            session.scalars(
                select(m.Municipality.code).where(m.Municipality.region_code == region).order_by(m.Municipality.code)
            )
        )


def template(engine: Engine, region: str, round_label: str, folder: Path, *, prefill: bool = False) -> Path:
    with session_scope(engine) as session:
        return write_template(session, region, round_label, folder, prefill=prefill)


def random_statuses(codes: Sequence[str], seed: int) -> dict[str, dict[int, int | str]]:
    """Every point of every municipality: mostly 0-4, some n.v.t."""
    rng = random.Random(seed)
    return {code: {n: rng.choice([0, 1, 2, 3, 4, 4, 3, "n.v.t."]) for n in POINTS} for code in codes}


def filled(
    engine: Engine,
    region: str,
    round_label: str,
    folder: Path,
    values: Mapping[str, Mapping[int, int | str | None]],
    comments: Mapping[str, Mapping[int, str]] | None = None,
) -> bytes:
    return fill_template(template(engine, region, round_label, folder), values, comments)


def expected(value: int | str | None) -> tuple[int | None, bool]:
    """What a written status must become in the database: (status, not_applicable), by the scale's own labels."""
    if not isinstance(value, str):
        return value, False
    scale = load_status_scale()
    folded = value.strip().casefold()
    if folded.replace(".", "") in {"nvt", "n/a", "not applicable"}:
        return None, True
    labels = {label.casefold(): s.value for s in scale.statuses for label in (s.label_nl, s.label_en)}
    return (labels[folded] if folded in labels else int(folded[0])), False


def current(engine: Engine, round_label: str) -> dict[tuple[str, int], tuple[int | None, bool, str | None]]:
    """The current assessments of a round: (municipality, point) → (status, n.v.t., comment)."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(
                m.Assessment.municipality_code,
                m.Assessment.point_number,
                m.Assessment.status,
                m.Assessment.not_applicable,
                m.Assessment.comment,
            )
            .join(m.Round, m.Round.id == m.Assessment.round_id)
            .where(m.Round.label == round_label, m.Assessment.is_current)
        )
        return {(code, n): (status, bool(na), comment) for code, n, status, na, comment in rows}


def count(engine: Engine, model: type[m.Base], *where: object) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def workbook(
    sheets: Mapping[str, Sequence[Sequence[object]]], *, hidden_columns: Sequence[tuple[str, str]] = ()
) -> bytes:
    """A hand-made .xlsx: sheet name → rows of values from A1 (None = empty cell)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(r, c, value)
    for sheet, column in hidden_columns:
        book[sheet].column_dimensions[column].hidden = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def points_rows(statuses: Mapping[int, object], *, comments: Mapping[int, str] | None = None) -> list[list[object]]:
    """A minimal points table: header `Nr | Status | Toelichting` and one row per point."""
    comments = comments or {}
    return [["Nr", "Status", "Toelichting"]] + [[n, status, comments.get(n)] for n, status in statuses.items()]


def assert_only_rejection_recorded(before: Snapshot, after: Snapshot, issues: int) -> None:
    """Nothing changed except exactly one rejected upload, its issues and one audit entry."""
    for table in before:
        if table not in RECORD_TABLES:
            assert before[table] == after[table], f"table {table} changed"
    assert len(after["uploads"]) == len(before["uploads"]) + 1
    assert len(after["validation_issues"]) == len(before["validation_issues"]) + issues
    assert len(after["audit_log"]) == len(before["audit_log"]) + 1


def upload_statuses(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(text("SELECT status FROM uploads ORDER BY id"))]


SnapshotFn = Callable[[Engine], Snapshot]


def ingest_in_child(url: str, data: bytes, name: str, storage_dir: str, start: Any, results: Any) -> None:
    """Process target for the concurrency tests: wait until every process is ready, then ingest at once."""
    import os

    from etl.ingest.pipeline import ingest
    from etl.store.db import engine_for

    os.environ["RAAK_STORAGE_DIR"] = storage_dir
    engine = engine_for(url)
    with engine.connect():  # connect before the start signal, so the ingests really overlap
        pass
    start.wait()
    try:
        results.put(ingest(data, name, engine=engine).to_dict())
    except Exception as exc:  # report it to the test rather than leave it waiting
        results.put({"file": name, "status": "crashed", "upload_id": 0, "error": repr(exc)})


# Rules about reading and validating a file do not depend on the database; run those on SQLite only and keep
# PostgreSQL for what touches storage (loading, history, duplicates, concurrency), since each PostgreSQL test
# database costs about a second to create and drop.
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
