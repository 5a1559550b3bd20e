"""Background work started from the dashboard (exports and uploads) and the queue it runs on.

The queue is RQ on Redis when REDIS_URL is set, so any machine's `raak worker` takes the work; without Redis it is
this process's own threads (the embedded default: `raak demo` stays one command). A task carries only ids (and a
database URL when the app runs on a database other than the configured one), never data or objects.

An export job's request, progress and, when done, its zip live in the exports store (`<job id>/…` in a local folder
or in S3, see :mod:`etl.store.storage`), so every web process on every machine can show the progress and serve the
download, whichever one started it and whichever worker ran it. Jobs older than a day are removed whenever a new
job starts.
"""

from __future__ import annotations

import functools
import json
import logging
import tempfile
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, Protocol

from sqlalchemy import Engine

from dashboard.analytics.report import warm_round
from dashboard.exports.bundle import build_export, zip_files
from dashboard.exports.content import STEP_DONE, ExportRequest
from etl.i18n import both_languages
from etl.ingest import upload_jobs
from etl.store.config import get_settings
from etl.store.db import engine_for, get_engine
from etl.store.issues import UserError
from etl.store.storage import Store, exports_store

PROGRESS_FILE = "progress.json"
REQUEST_FILE = "request.json"
JOB_MAX_AGE = timedelta(days=1)
STALE_AFTER = timedelta(minutes=15)  # a job whose progress has not moved this long died with its process
MAX_RUNNING_EXPORTS = 1  # per process: each export drives its own Chromium; later ones wait their turn
MAX_RUNNING_UPLOADS = 1  # per process: ingests of one round serialise on its lock anyway; later ones wait
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
FAILED_NL, FAILED_EN = both_languages("export.job.failed")
STOPPED_NL, STOPPED_EN = both_languages("export.job.stopped")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobStatus:
    """What progress.json says: state, steps done of total, the current step, a message, the zip's name."""

    job_id: str
    state: str
    done: int = 0
    total: int = 0
    step: str = ""
    message_nl: str = ""
    message_en: str = ""
    zip_name: str = ""
    updated_at: str = ""

    @property
    def finished(self) -> bool:
        """Done or failed: nothing will change any more."""
        return self.state in (DONE, FAILED)


def canonical_id(job_id: Any) -> str | None:
    """The job id if it is a canonical UUID string, else None (so it can never name another path)."""
    try:
        canonical = str(uuid.UUID(job_id))
    except (ValueError, TypeError, AttributeError):
        return None
    return canonical if canonical == job_id else None


def _write(store: Store, status: JobStatus) -> None:
    """Replace the job's progress.json in one step, so a reader on any machine never sees half a file."""
    stamped = JobStatus(**{**asdict(status), "updated_at": datetime.now(UTC).isoformat()})
    store.write(f"{status.job_id}/{PROGRESS_FILE}", json.dumps(asdict(stamped)).encode("utf-8"))


def job_status(job_id: Any) -> JobStatus | None:
    """The state of job `job_id`, or None when there is no such job; a job whose process died counts as failed."""
    canonical = canonical_id(job_id)
    if canonical is None:
        return None
    try:
        status = JobStatus(**json.loads(exports_store().read(f"{canonical}/{PROGRESS_FILE}")))
    except FileNotFoundError:
        return None
    updated = datetime.fromisoformat(status.updated_at)
    if not status.finished and datetime.now(UTC) - updated > STALE_AFTER:
        return JobStatus(**{**asdict(status), "state": FAILED, "message_nl": STOPPED_NL, "message_en": STOPPED_EN})
    return status


def open_zip(job_id: Any) -> tuple[str, IO[bytes]] | None:
    """The name and an open stream of job `job_id`'s finished zip, or None unless it is a finished job's."""
    status = job_status(job_id)
    if status is None or status.state != DONE or not status.zip_name or "/" in status.zip_name:
        return None
    try:
        return status.zip_name, exports_store().open(f"{status.job_id}/{status.zip_name}")
    except FileNotFoundError:
        return None


def remove_old_jobs(store: Store, max_age: timedelta = JOB_MAX_AGE) -> list[str]:
    """Delete jobs none of whose files was written for `max_age`; returns the ids removed."""
    cutoff = datetime.now(UTC).timestamp() - max_age.total_seconds()
    newest: dict[str, float] = {}
    for stored in store.files():
        job_id = stored.relative.split("/", 1)[0]
        newest[job_id] = max(newest.get(job_id, 0.0), stored.modified)
    removed = sorted(job_id for job_id, modified in newest.items() if modified < cutoff)
    for job_id in removed:
        store.delete_folder(job_id)
    return removed


def zip_name(request: ExportRequest) -> str:
    """`raak_export_2011_national_nl.zip`."""
    return f"raak_export_{request.stem}_{request.lang}.zip"


def _build(engine: Engine, request: ExportRequest, store: Store, job_id: str) -> None:
    """Build the export in a scratch folder, zip it, put the zip in the store, and record every step."""
    name = zip_name(request)

    def progress(done: int, total: int, step: str) -> None:
        _write(store, JobStatus(job_id, RUNNING, done, total, step, zip_name=name))

    progress(0, 1, "")
    try:
        with tempfile.TemporaryDirectory(prefix="raak-export-") as scratch:
            files = build_export(engine, request, Path(scratch) / "files", progress)
            zip_files(files, Path(scratch) / name)
            store.upload(f"{job_id}/{name}", Path(scratch) / name)
        _write(store, JobStatus(job_id, DONE, 1, 1, STEP_DONE, zip_name=name))
    except UserError as exc:
        message_en = str(exc)
        message_nl = getattr(exc, "message_nl", message_en)
        _write(store, JobStatus(job_id, FAILED, message_nl=message_nl, message_en=message_en))
    except Exception:
        log.exception("export job %s failed", job_id)
        _write(store, JobStatus(job_id, FAILED, message_nl=FAILED_NL, message_en=FAILED_EN))


def _engine(database_url: str | None) -> Engine:
    """A task's database: the one the web process named, else the configured one."""
    return engine_for(database_url) if database_url else get_engine()


def run_export(job_id: str, database_url: str | None = None) -> None:
    """The queue's task: run export job `job_id` from its stored request (on the configured database unless
    `database_url` names another)."""
    store = exports_store()
    try:
        request = ExportRequest(**_request_fields(json.loads(store.read(f"{job_id}/{REQUEST_FILE}"))))
    except FileNotFoundError:
        log.warning("export job %s has no request (removed?)", job_id)
        return
    _build(_engine(database_url), request, store, job_id)


def run_upload(job_id: str, database_url: str | None = None) -> None:
    """The upload queue's task: process the job, then compute its round's reports once, here, so no web process
    computes them when the first page after the upload is asked for (a failure there costs speed, not the job)."""
    upload_jobs.run_job(job_id, database_url)
    engine = _engine(database_url)
    job = upload_jobs.job_view(engine, job_id, "", sees_all=True)
    files = job.files if job is not None else []
    changed = sorted({f.report.round for f in files if f.report and f.report.status == "accepted" and f.report.round})
    for round_label in changed:
        try:
            warm_round(engine, round_label)
        except Exception:
            log.warning("reports of round %s not computed after upload job %s", round_label, job_id, exc_info=True)


def _request_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "formats": tuple(data.get("formats", ()))}


def task_arguments(engine: Engine, job_id: str) -> tuple[str, ...]:
    """A task's arguments: the job id, and the database URL only when the app runs on another database than the
    configured one (tests, the demo), so a shared queue never carries a password it need not."""
    url = engine.url.render_as_string(hide_password=False)
    return (job_id,) if url == get_settings().database_url else (job_id, url)


def start_export(engine: Engine, request: ExportRequest) -> str:
    """Queue an export and return its job id at once; old jobs are cleared first."""
    store = exports_store()
    remove_old_jobs(store)
    job_id = str(uuid.uuid4())
    store.write(f"{job_id}/{REQUEST_FILE}", json.dumps(asdict(request)).encode("utf-8"))
    _write(store, JobStatus(job_id, QUEUED))
    export_queue().enqueue(run_export, *task_arguments(engine, job_id))
    return job_id


# --- the queues -----------------------------------------------------------------------------------------------


class TaskQueue(Protocol):
    """Where background tasks go: `enqueue(task, *args)` with a module-level function and plain-text arguments
    (ids, URLs), so RQ can name the function and any machine's worker can run it."""

    def enqueue(self, task: Callable[..., None], *args: str) -> None: ...


class ThreadQueue:
    """The embedded queue: this process's worker threads (a task's state lives in the database or the store)."""

    def __init__(self, workers: int, name: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)

    def enqueue(self, task: Callable[..., None], *args: str) -> None:
        self._executor.submit(_logged, task, *args)


def _logged(task: Callable[..., None], *args: str) -> None:
    try:
        task(*args)
    except Exception:
        log.exception("background task %s%r failed", getattr(task, "__name__", task), args)


UPLOADS, EXPORTS = "uploads", "exports"  # uploads first: a worker takes them before a waiting export
TASK_TIMEOUT_SECONDS = 30 * 60  # RQ stops a task that runs longer (a hung Chromium, a stuck database)
RESULT_TTL_SECONDS = 24 * 60 * 60  # how long RQ keeps a finished task's record (the job's own state is elsewhere)


def queue_names() -> list[str]:
    """The RQ queue names, in the order a worker takes them: RAAK_QUEUE_PREFIX (default `raak`) lets several
    installations (or tests) share one Redis."""
    prefix = get_settings().queue_prefix
    return [f"{prefix}-{name}" for name in (UPLOADS, EXPORTS)]


class RedisQueue:
    """An RQ queue on Redis: every machine's `raak worker` takes its tasks."""

    def __init__(self, redis_url: str, name: str) -> None:
        from redis import Redis
        from rq import Queue

        self.redis_url = redis_url
        self._queue = Queue(name, connection=Redis.from_url(redis_url))

    def enqueue(self, task: Callable[..., None], *args: str) -> None:
        self._queue.enqueue(
            task,
            *args,
            job_timeout=TASK_TIMEOUT_SECONDS,
            result_ttl=RESULT_TTL_SECONDS,
            failure_ttl=RESULT_TTL_SECONDS,
        )


_embedded: dict[str, ThreadQueue] = {
    UPLOADS: ThreadQueue(MAX_RUNNING_UPLOADS, "raak-upload"),
    EXPORTS: ThreadQueue(MAX_RUNNING_EXPORTS, "raak-export"),
}
_chosen: dict[str, TaskQueue] = {}  # set by use_*_queue; otherwise chosen from the settings at each use


def _configured(kind: str) -> TaskQueue:
    """RQ when REDIS_URL is set, else the embedded queue of this process."""
    redis_url = get_settings().redis_url
    if not redis_url:
        return _embedded[kind]
    name = dict(zip((UPLOADS, EXPORTS), queue_names(), strict=True))[kind]
    return _redis_queue(redis_url, name)


@functools.cache
def _redis_queue(redis_url: str, name: str) -> RedisQueue:
    """One RQ queue (and connection pool) per URL and name in this process."""
    return RedisQueue(redis_url, name)


def upload_queue() -> TaskQueue:
    """The queue upload jobs run on."""
    return _chosen.get(UPLOADS) or _configured(UPLOADS)


def export_queue() -> TaskQueue:
    """The queue export jobs run on."""
    return _chosen.get(EXPORTS) or _configured(EXPORTS)


def _use(kind: str, queue: TaskQueue | None) -> TaskQueue | None:
    previous = _chosen.pop(kind, None)
    if queue is not None:
        _chosen[kind] = queue
    return previous


def use_upload_queue(queue: TaskQueue | None) -> TaskQueue | None:
    """Run upload jobs on `queue` from now on (a test's), None for the configured one; returns the one it replaces."""
    return _use(UPLOADS, queue)
