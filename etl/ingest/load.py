"""Write the outcome of one file into the database, inside the caller's single transaction.

Accepted: an upload, one submission per municipality and its assessments, superseding (never deleting) the
previous current submission of the same round and municipality. Rejected or duplicate: only the upload record,
its issues (rejected) and an audit entry.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, false, insert, select, update
from sqlalchemy.orm import Session

from etl.ingest.validate import Validation
from etl.store import models as m
from etl.store.aggregates import lock_rounds, refresh_round, store_counts
from etl.store.audit import record
from etl.store.bulk import insert_rows
from etl.store.db import WRITE_FIRST_OPTION
from etl.store.issues import Issue


def take_write_lock(session: Session) -> None:
    """On SQLite, become the (single) writer before reading anything, so what we read stays true until commit.

    A no-op UPDATE takes SQLite's write lock (waiting for another writer rather than failing later), unless the
    session began as the writer already (`session_scope(write_first=True)`: `BEGIN IMMEDIATE`, one statement
    fewer). PostgreSQL locks rows instead: see :func:`lock_round`.
    """
    bind = session.get_bind()
    if bind.dialect.name == "sqlite" and not bind.get_execution_options().get(WRITE_FIRST_OPTION, False):
        session.execute(update(m.Round).where(false()).values(is_open=m.Round.is_open))


def lock_round(session: Session, round_id: int) -> None:
    """Serialise ingests of one round: `SELECT … FOR UPDATE` on PostgreSQL (SQLite holds its write lock already),
    remembered for the transaction so the stored counts' refresh does not lock it a second time."""
    lock_rounds(session, [round_id])


def accepted_upload_with_hash(
    session: Session, round_id: int, sha: str, allowed_regions: Collection[str] | None = None
) -> m.Upload | None:
    """An earlier accepted upload of exactly these bytes for this round, within the uploader's regions.

    An upload outside them is never named: "duplicate" would tell a coordinator that another region's file was
    accepted. `allowed_regions` None means every region (NJi, the command line).
    """
    earlier = session.scalars(
        select(m.Upload)
        .where(m.Upload.round_id == round_id, m.Upload.sha256 == sha, m.Upload.status == "accepted")
        .order_by(m.Upload.id)
    )
    return next((upload for upload in earlier if upload_in_scope(session, upload, allowed_regions)), None)


def upload_in_scope(session: Session, upload: m.Upload, allowed_regions: Collection[str] | None) -> bool:
    """Whether the upload's region and the region of every municipality it delivered lie within `allowed_regions`."""
    if allowed_regions is None:
        return True
    if upload.region_code is not None and upload.region_code not in allowed_regions:
        return False
    regions = set(
        session.scalars(
            select(m.Municipality.region_code)
            .join(m.Submission, m.Submission.municipality_code == m.Municipality.code)
            .where(m.Submission.upload_id == upload.id)
        )
    )
    return bool(regions) and regions <= set(allowed_regions)


def upload_municipalities(session: Session, upload_id: int) -> list[str]:
    """The municipalities an upload delivered."""
    return list(
        session.scalars(
            select(m.Submission.municipality_code)
            .where(m.Submission.upload_id == upload_id)
            .order_by(m.Submission.municipality_code)
        )
    )


def _upload(
    session: Session,
    *,
    status: str,
    file: str,
    sha: str,
    size: int,
    round_id: int | None,
    uploader: str | None,
    validation: Validation | None = None,
    region_code: str | None = None,
    stored_path: str | None = None,
    earlier: m.Upload | None = None,
) -> int:
    """Insert the upload row, filed under `region_code` exactly (the caller decides which region may carry it); its
    id. The versions are the validation's, or those of the `earlier` upload a duplicate repeats.

    One Core INSERT … RETURNING: nothing reads the row back as an object, so the ORM's flush is not needed."""
    columns = m.Upload.__table__.c
    source = earlier if earlier is not None else validation
    values = {
        "round_id": round_id,
        "filename": m.shorten(file, m.column_length(columns.filename)),
        "sha256": sha,
        "size_bytes": size,
        "stored_path": stored_path,
        "uploader": m.fit_to_column(uploader, columns.uploader),
        "status": status,
        "region_code": m.fit_to_column(region_code, columns.region_code),
        "template_version": m.fit_to_column(source.template_version if source else None, columns.template_version),
        "framework_version": source.framework_version if source else None,
    }
    upload_id: int = session.execute(insert(UPLOADS).returning(UPLOADS.c.id), values).scalar_one()
    return upload_id


def _issues(session: Session, upload_id: int, issues: Sequence[Issue]) -> None:
    columns = m.ValidationIssue.__table__.c
    if issues:
        session.execute(
            insert(m.ValidationIssue),
            [
                {
                    "upload_id": upload_id,
                    "severity": issue.severity,
                    "code": issue.code,
                    "sheet": m.fit_to_column(issue.sheet, columns.sheet),
                    "cell": m.fit_to_column(issue.cell, columns.cell),
                    "message_nl": m.fit_to_column(issue.message_nl, columns.message_nl),
                    "message_en": m.fit_to_column(issue.message_en, columns.message_en),
                }
                for issue in issues
            ],
        )


def record_rejection(
    session: Session,
    *,
    file: str,
    sha: str,
    size: int,
    round_id: int | None,
    uploader: str | None,
    issues: Sequence[Issue],
    validation: Validation | None,
    region_code: str | None,
    remote_addr: str | None = None,
) -> int:
    """The rejected upload, its issues and one audit entry; nothing else.

    `region_code` is the region the rejection is filed under: the caller passes one within the uploader's scope,
    so a rejected attempt never shows up in (or moves the counters of) a region the uploader may not submit for.
    """
    upload_id = _upload(
        session,
        status="rejected",
        file=file,
        sha=sha,
        size=size,
        round_id=round_id,
        uploader=uploader,
        validation=validation,
        region_code=region_code,
    )
    _issues(session, upload_id, issues)
    errors = sorted({issue.code for issue in issues if issue.severity == "error"})
    record(
        session,
        "upload.rejected",
        actor=uploader,
        detail={"upload_id": upload_id, "file": file, "errors": errors},
        remote_addr=remote_addr,
    )
    return upload_id


def record_duplicate(
    session: Session,
    *,
    file: str,
    sha: str,
    size: int,
    round_id: int,
    uploader: str | None,
    earlier: m.Upload,
    remote_addr: str | None = None,
) -> int:
    """The duplicate upload and one audit entry; nothing else."""
    upload_id = _upload(
        session,
        status="duplicate",
        file=file,
        sha=sha,
        size=size,
        round_id=round_id,
        uploader=uploader,
        region_code=earlier.region_code,
        earlier=earlier,
    )
    record(
        session,
        "upload.duplicate",
        actor=uploader,
        detail={"upload_id": upload_id, "file": file, "duplicate_of": earlier.id},
        remote_addr=remote_addr,
    )
    return upload_id


def load_accepted(
    session: Session,
    validation: Validation,
    *,
    file: str,
    sha: str,
    size: int,
    uploader: str | None,
    stored_path: str,
    remote_addr: str | None = None,
) -> tuple[int, list[int]]:
    """Insert the accepted upload with its submissions and assessments; supersede what they replace."""
    rnd = validation.round
    if rnd is None or validation.framework_version is None or validation.has_errors:
        raise ValueError("only a file that passed validation is loaded")
    upload_id = _upload(
        session,
        status="accepted",
        file=file,
        sha=sha,
        size=size,
        round_id=rnd.id,
        uploader=uploader,
        validation=validation,
        region_code=validation.region_code,
        stored_path=stored_path,
    )
    _issues(session, upload_id, validation.issues)
    codes = [r.code for r in validation.returns]
    in_file = {"round": rnd.id, "codes": codes}
    previous: dict[str, int] = {code: submission_id for code, submission_id in session.execute(PREVIOUS, in_file)}
    submission_ids = _insert_submissions(session, upload_id, rnd.id, validation.framework_version, codes)
    new_ids = dict(zip(codes, submission_ids, strict=True))
    _supersede(session, {old_id: new_ids[code] for code, old_id in previous.items()})
    superseded = session.execute(RETIRE_CURRENT, in_file)
    replaced = cast("CursorResult[Any]", superseded).rowcount  # current assessments of these municipalities before
    rows = [
        (
            new_ids[r.code],
            rnd.id,
            r.code,
            validation.framework_version,
            point.number,
            point.status,
            point.not_applicable,
            point.comment,
            True,
        )
        for r in validation.returns
        for point in r.points
    ]
    insert_assessments(session, rows)
    if validation.counting is None:
        refresh_round(session, rnd.id, codes)
    else:  # the rows just written are the current assessments of these municipalities: count them here
        current = ((row[2], row[4], row[5], row[6]) for row in rows)
        # no current assessment was replaced: these municipalities have no stored counts to delete
        store_counts(session, rnd.id, codes, current, validation.counting, replace=replaced != 0)
    record(
        session,
        "upload",
        actor=uploader,
        detail={
            "upload_id": upload_id,
            "file": file,
            "round": rnd.label,
            "municipalities": codes,
            "superseded_submissions": sorted(previous.values()),
        },
        remote_addr=remote_addr,
    )
    return upload_id, submission_ids


UPLOADS = m.Base.metadata.tables[m.Upload.__tablename__]
SUBMISSIONS = m.Base.metadata.tables[m.Submission.__tablename__]  # the Table (`__table__` is typed as any FROM)
ASSESSMENTS = m.Base.metadata.tables[m.Assessment.__tablename__]
# Built once (a statement built per file cost more than running it): the accepted submissions of the file's
# municipalities in its round, and their current assessments made history.
PREVIOUS = select(SUBMISSIONS.c.municipality_code, SUBMISSIONS.c.id).where(
    SUBMISSIONS.c.round_id == bindparam("round"),
    SUBMISSIONS.c.status == "accepted",
    SUBMISSIONS.c.municipality_code.in_(bindparam("codes", expanding=True)),
)
RETIRE_CURRENT = (
    update(ASSESSMENTS)
    .where(
        ASSESSMENTS.c.round_id == bindparam("round"),
        ASSESSMENTS.c.municipality_code.in_(bindparam("codes", expanding=True)),
        ASSESSMENTS.c.is_current,
    )
    .values(is_current=False)
)
# The assessment columns every loader writes, in this order (the id comes from the database).
ASSESSMENT_COLUMNS = (
    "submission_id",
    "round_id",
    "municipality_code",
    "framework_version",
    "point_number",
    "status",
    "not_applicable",
    "comment",
    "is_current",
)


def _insert_submissions(
    session: Session, upload_id: int, round_id: int, framework_version: str, codes: Sequence[str]
) -> list[int]:
    """One accepted submission per municipality, in one statement; their ids in the order of `codes`.

    Each id comes back with its municipality rather than in parameter order: asking for that order made SQLite
    run one INSERT per municipality (418 statements in a national round) instead of one per file."""
    if not codes:
        return []
    if len(set(codes)) != len(codes):
        raise ValueError("a municipality occurs twice in one upload")
    rows = [
        {
            "upload_id": upload_id,
            "round_id": round_id,
            "municipality_code": code,
            "framework_version": framework_version,
            "status": "accepted",
        }
        for code in codes
    ]
    statement = insert(SUBMISSIONS).returning(SUBMISSIONS.c.municipality_code, SUBMISSIONS.c.id)
    ids: dict[str, int] = {code: submission_id for code, submission_id in session.execute(statement, rows)}
    return [ids[code] for code in codes]


def _supersede(session: Session, replaced_by: dict[int, int]) -> None:
    """Mark each old submission superseded by its new one, in one executemany."""
    if replaced_by:
        session.execute(
            update(SUBMISSIONS)
            .where(SUBMISSIONS.c.id == bindparam("old_id"))
            .values(status="superseded", superseded_by_id=bindparam("new_id")),
            [{"old_id": old, "new_id": new} for old, new in replaced_by.items()],
        )


def insert_assessments(session: Session, rows: Sequence[tuple[object, ...]]) -> None:
    """Insert assessment rows (values in :data:`ASSESSMENT_COLUMNS` order) in the caller's transaction, in bulk
    (see :func:`etl.store.bulk.insert_rows`: `COPY` on PostgreSQL, sqlite3's executemany on SQLite)."""
    insert_rows(session, ASSESSMENTS, ASSESSMENT_COLUMNS, rows)
