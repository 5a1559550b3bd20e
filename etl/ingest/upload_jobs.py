"""Uploads from the dashboard as background jobs whose state lives in the database.

The upload page only checks the request and calls :func:`create_job` (the files' bytes go into `upload_job_files`);
a queue then runs :func:`run_job`, which feeds every file to :func:`etl.ingest.pipeline.ingest` — the function
`raak ingest` uses, one transaction per file — and records each outcome (status, the `uploads` row, issues, the
annotated copy
of a rejected workbook) as soon as that file is done. Because everything is in the database, any web worker on any
machine shows the progress and the results, and a browser that lost its connection finds them again later. Only
the job's owner (and NJi) may read a job.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session, undefer

from etl.ingest.load import take_write_lock
from etl.ingest.pipeline import IngestReport, ingest
from etl.ingest.validate import ReferenceCache
from etl.store import models as m
from etl.store.db import engine_for, get_engine, session_scope
from etl.store.issues import Issue

QUEUED, RUNNING, DONE, FAILED = m.JOB_STATES
PENDING, UNREADABLE, FILE_FAILED = "pending", "unreadable", "failed"
JOB_RETENTION = timedelta(days=30)  # results (and annotated copies) stay readable this long
STALE_AFTER = timedelta(minutes=30)  # a job that has not moved this long died with its process
RECENT_JOBS = 5

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IncomingFile:
    """A file as the upload page received it; `data` is None when the browser sent something undecodable."""

    name: str
    data: bytes | None = field(repr=False)


@dataclass(frozen=True)
class FileOutcome:
    """One file of a job as a page shows it: its state and, once processed, the ingest report."""

    position: int
    filename: str
    state: str
    report: IngestReport | None = None
    has_annotated: bool = False

    @property
    def processed(self) -> bool:
        return self.state != PENDING


@dataclass(frozen=True)
class JobView:
    """A job as its owner sees it; `stopped` when it will never finish (its process died)."""

    job_id: str
    owner: str
    state: str
    round_label: str | None
    created_at: datetime
    files: list[FileOutcome]
    stopped: bool = False

    @property
    def finished(self) -> bool:
        return self.state in (DONE, FAILED)

    @property
    def done(self) -> int:
        return sum(outcome.processed for outcome in self.files)

    @property
    def current(self) -> FileOutcome | None:
        """The file being processed now (the first one still pending)."""
        return next((outcome for outcome in self.files if not outcome.processed), None)

    def count(self, state: str) -> int:
        return sum(outcome.state == state for outcome in self.files)


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive timestamps; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def canonical_id(job_id: Any) -> str | None:
    """The job id if it is a canonical UUID string, else None (so no other text ever reaches a query)."""
    try:
        canonical = str(uuid.UUID(job_id))
    except (ValueError, TypeError, AttributeError):
        return None
    return canonical if canonical == job_id else None


def remove_old_jobs(session: Session, max_age: timedelta = JOB_RETENTION) -> int:
    """Delete jobs older than `max_age` (the uploads they produced stay); returns how many."""
    old = select(m.UploadJob.id).where(m.UploadJob.created_at < _now() - max_age)
    ids = list(session.scalars(old))
    if ids:
        session.execute(delete(m.UploadJobFile).where(m.UploadJobFile.job_id.in_(ids)))
        session.execute(delete(m.UploadJob).where(m.UploadJob.id.in_(ids)))
    return len(ids)


def create_job(
    engine: Engine,
    *,
    owner: str,
    allowed_regions: Collection[str] | None,
    round_label: str | None,
    remote_addr: str | None,
    files: Sequence[IncomingFile],
) -> str:
    """Record a queued job holding the files' bytes; returns its id (old jobs are cleared first)."""
    job_id = str(uuid.uuid4())
    columns = m.UploadJob.__table__.c
    with session_scope(engine) as session:
        take_write_lock(session)  # SQLite: a transaction that reads first could not become the writer later
        remove_old_jobs(session)
        session.add(
            m.UploadJob(
                id=job_id,
                owner=owner,
                allowed_regions=None if allowed_regions is None else json.dumps(sorted(allowed_regions)),
                round_label=m.fit_to_column(round_label, columns.round_label),
                remote_addr=m.fit_to_column(remote_addr, columns.remote_addr),
                state=QUEUED,
            )
        )
        session.flush()
        name_column = m.UploadJobFile.__table__.c.filename
        for position, incoming in enumerate(files):
            session.add(
                m.UploadJobFile(
                    job_id=job_id,
                    position=position,
                    filename=m.shorten(incoming.name, m.column_length(name_column)),
                    state=PENDING if incoming.data is not None else UNREADABLE,
                    content=incoming.data,
                )
            )
    return job_id


def _set_state(engine: Engine, job_id: str, state: str) -> None:
    with session_scope(engine) as session:
        session.execute(update(m.UploadJob).where(m.UploadJob.id == job_id).values(state=state, updated_at=_now()))


def _record(engine: Engine, job_id: str, position: int, report: IngestReport | None) -> None:
    """Store one file's outcome and drop its bytes; the job's clock moves, so it does not look stale."""
    values: dict[str, Any] = {"state": FILE_FAILED, "content": None}
    if report is not None:
        values.update(
            state=report.status,
            upload_id=report.upload_id,
            result=json.dumps(report.to_dict(), ensure_ascii=False),
            annotated=report.annotated,
        )
    with session_scope(engine) as session:
        session.execute(
            update(m.UploadJobFile)
            .where(m.UploadJobFile.job_id == job_id, m.UploadJobFile.position == position)
            .values(**values)
        )
        session.execute(update(m.UploadJob).where(m.UploadJob.id == job_id).values(updated_at=_now()))


def process_job(engine: Engine, job_id: str) -> None:
    """Ingest every pending file of the job, one transaction each, recording each outcome as it is known."""
    with session_scope(engine) as session:
        job = session.get(m.UploadJob, job_id)
        if job is None or job.state in (DONE, FAILED):
            return
        owner, round_label, remote_addr = job.owner, job.round_label, job.remote_addr
        allowed = None if job.allowed_regions is None else json.loads(job.allowed_regions)
        pending = list(
            session.scalars(
                select(m.UploadJobFile.position)
                .where(m.UploadJobFile.job_id == job_id, m.UploadJobFile.state == PENDING)
                .order_by(m.UploadJobFile.position)
            )
        )
    _set_state(engine, job_id, RUNNING)
    reference = ReferenceCache()  # the job's files are one batch: reference data read once, not once per file
    for position in pending:
        with session_scope(engine) as session:
            row = session.get(m.UploadJobFile, (job_id, position), options=[undefer(m.UploadJobFile.content)])
            name, data = (row.filename, row.content) if row is not None else ("", None)
        if data is None:
            continue
        try:
            report = ingest(
                data,
                name,
                round=round_label,
                uploader=owner,
                allowed_regions=allowed,
                engine=engine,
                remote_addr=remote_addr,
                reference=reference,
            )
        except Exception:  # the file's transaction rolled back; say so and go on with the next file
            log.exception("upload job %s: file %d failed", job_id, position)
            report = None
        _record(engine, job_id, position, report)
    _set_state(engine, job_id, DONE)


def run_job(job_id: str, database_url: str | None = None) -> None:
    """The queue's task: process one job (on the configured database unless `database_url` names another)."""
    engine = engine_for(database_url) if database_url else get_engine()
    try:
        process_job(engine, job_id)
    except Exception:
        log.exception("upload job %s failed", job_id)
        _set_state(engine, job_id, FAILED)


def _report(row: m.UploadJobFile) -> IngestReport | None:
    if not row.result:
        return None
    data = json.loads(row.result)
    return IngestReport(
        file=data["file"],
        status=data["status"],
        round=data["round"],
        upload_id=data["upload_id"],
        submission_ids=data["submission_ids"],
        municipalities=data["municipalities"],
        issues=[Issue(**issue) for issue in data["issues"]],
    )


def _may_read(job: m.UploadJob | None, viewer: str, sees_all: bool) -> bool:
    return job is not None and (sees_all or job.owner == viewer)


def _view(session: Session, job: m.UploadJob) -> JobView:
    annotated = set(
        session.scalars(
            select(m.UploadJobFile.position).where(
                m.UploadJobFile.job_id == job.id, m.UploadJobFile.annotated.is_not(None)
            )
        )
    )
    files = [
        FileOutcome(row.position, row.filename, row.state, _report(row), row.position in annotated) for row in job.files
    ]
    stale = job.state not in (DONE, FAILED) and _now() - _aware(job.updated_at) > STALE_AFTER
    return JobView(
        job.id, job.owner, FAILED if stale else job.state, job.round_label, _aware(job.created_at), files, stale
    )


def job_view(engine: Engine, job_id: Any, viewer: str, *, sees_all: bool = False) -> JobView | None:
    """The job `job_id` if `viewer` may read it (its owner, or anyone when `sees_all`), else None."""
    canonical = canonical_id(job_id)
    if canonical is None:
        return None
    with session_scope(engine) as session:
        job = session.get(m.UploadJob, canonical)
        return _view(session, job) if job is not None and _may_read(job, viewer, sees_all) else None


def recent_jobs(engine: Engine, owner: str, limit: int = RECENT_JOBS) -> list[JobView]:
    """The owner's latest jobs, newest first."""
    with session_scope(engine) as session:
        jobs = session.scalars(
            select(m.UploadJob)
            .where(m.UploadJob.owner == owner)
            .order_by(m.UploadJob.created_at.desc(), m.UploadJob.id)
            .limit(limit)
        )
        return [_view(session, job) for job in jobs]


def annotated_copy(
    engine: Engine, job_id: Any, position: int, viewer: str, *, sees_all: bool = False
) -> tuple[str, bytes] | None:
    """The file name and the annotated copy of a rejected file of a job `viewer` may read, else None."""
    canonical = canonical_id(job_id)
    if canonical is None:
        return None
    with session_scope(engine) as session:
        if not _may_read(session.get(m.UploadJob, canonical), viewer, sees_all):
            return None
        row = session.get(m.UploadJobFile, (canonical, position), options=[undefer(m.UploadJobFile.annotated)])
        return (row.filename, row.annotated) if row is not None and row.annotated else None
