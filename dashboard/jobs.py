"""Background work started from the dashboard: exports (state in a job folder) and the queue uploads run on.

A job runs on this process's export thread, so a long export never holds up a request. Its progress and, when
done, its zip are files under `instance/exports/<job id>/`, so every web worker process (gunicorn) can show the
progress and serve the download, whichever one started it. Job folders older than a day are removed whenever a
new job starts.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine

from dashboard.export import STEP_DONE, ExportRequest, build_export, zip_files
from etl.config import get_settings
from etl.issues import UserError

EXPORTS_FOLDER = "exports"
PROGRESS_FILE = "progress.json"
FILES_FOLDER = "files"
JOB_MAX_AGE = timedelta(days=1)
STALE_AFTER = timedelta(minutes=15)  # a job whose progress has not moved this long died with its process
MAX_RUNNING_EXPORTS = 1  # per process: each export drives its own Chromium; later ones wait their turn
MAX_RUNNING_UPLOADS = 1  # per process: ingests of one round serialise on its lock anyway; later ones wait
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
FAILED_NL = "De export is mislukt; probeer het opnieuw of meld het bij NJi."
FAILED_EN = "The export failed; try again or tell NJi."
STOPPED_NL = "De export is gestopt (de server is herstart); start hem opnieuw."
STOPPED_EN = "The export stopped (the server restarted); start it again."

log = logging.getLogger(__name__)
_executor = ThreadPoolExecutor(max_workers=MAX_RUNNING_EXPORTS, thread_name_prefix="raak-export")


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


def jobs_root() -> Path:
    """The folder holding one folder per export job."""
    return get_settings().instance_dir / EXPORTS_FOLDER


def job_folder(job_id: str) -> Path | None:
    """The folder of job `job_id`, or None when the id is not a UUID (so it can never name another path)."""
    try:
        canonical = str(uuid.UUID(job_id))
    except (ValueError, TypeError, AttributeError):
        return None
    return jobs_root() / canonical if canonical == job_id else None


def _write(folder: Path, status: JobStatus) -> None:
    """Replace progress.json in one step, so a reader in another process never sees half a file."""
    stamped = JobStatus(**{**asdict(status), "updated_at": datetime.now(UTC).isoformat()})
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".progress-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(asdict(stamped), out)
    os.replace(temporary, folder / PROGRESS_FILE)


def job_status(job_id: str) -> JobStatus | None:
    """The state of job `job_id`, or None when there is no such job; a job whose process died counts as failed."""
    folder = job_folder(job_id)
    if folder is None or not (folder / PROGRESS_FILE).is_file():
        return None
    status = JobStatus(**json.loads((folder / PROGRESS_FILE).read_text(encoding="utf-8")))
    updated = datetime.fromisoformat(status.updated_at)
    if not status.finished and datetime.now(UTC) - updated > STALE_AFTER:
        return JobStatus(**{**asdict(status), "state": FAILED, "message_nl": STOPPED_NL, "message_en": STOPPED_EN})
    return status


def zip_path(job_id: str) -> Path | None:
    """The finished zip of job `job_id`, only if it lies inside that job's folder."""
    folder = job_folder(job_id)
    status = job_status(job_id)
    if folder is None or status is None or status.state != DONE or not status.zip_name:
        return None
    path = (folder / status.zip_name).resolve()
    return path if path.parent == folder.resolve() and path.is_file() else None


def remove_old_jobs(root: Path, max_age: timedelta = JOB_MAX_AGE) -> list[Path]:
    """Delete job folders not touched for `max_age`; returns what was removed."""
    if not root.is_dir():
        return []
    cutoff = datetime.now(UTC).timestamp() - max_age.total_seconds()
    removed = []
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def zip_name(request: ExportRequest) -> str:
    """`raak_export_2011_national_nl.zip`."""
    return f"raak_export_{request.stem}_{request.lang}.zip"


def _run(engine: Engine, request: ExportRequest, folder: Path, job_id: str) -> None:
    """Build the export into the job folder, zip it, and record every step in progress.json."""
    name = zip_name(request)

    def progress(done: int, total: int, step: str) -> None:
        _write(folder, JobStatus(job_id, RUNNING, done, total, step, zip_name=name))

    progress(0, 1, "")
    try:
        files = build_export(engine, request, folder / FILES_FOLDER, progress)
        zip_files(files, folder / name)
        shutil.rmtree(folder / FILES_FOLDER, ignore_errors=True)  # the zip holds them
        _write(folder, JobStatus(job_id, DONE, 1, 1, STEP_DONE, zip_name=name))
    except UserError as exc:
        message_en = str(exc)
        message_nl = getattr(exc, "message_nl", message_en)
        _write(folder, JobStatus(job_id, FAILED, message_nl=message_nl, message_en=message_en))
    except Exception:
        log.exception("export job %s failed", job_id)
        _write(folder, JobStatus(job_id, FAILED, message_nl=FAILED_NL, message_en=FAILED_EN))


def start_export(engine: Engine, request: ExportRequest) -> str:
    """Queue an export and return its job id at once; old job folders are cleared first."""
    root = jobs_root()
    remove_old_jobs(root)
    job_id = str(uuid.uuid4())
    folder = root / job_id
    folder.mkdir(parents=True)
    _write(folder, JobStatus(job_id, QUEUED))
    _executor.submit(_run, engine, request, folder, job_id)
    return job_id


# --- the queue uploads run on ----------------------------------------------------------------------------------


class TaskQueue(Protocol):
    """Where background tasks go: `enqueue(task, *args)` with plain-text arguments (ids, URLs), so a shared queue
    (RQ or Celery on Redis, several machines) can take the place of the in-process one without other changes."""

    def enqueue(self, task: Callable[..., None], *args: str) -> None: ...


class ThreadQueue:
    """The default queue: this process's worker threads (a task's state lives in the database, not here)."""

    def __init__(self, workers: int, name: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)

    def enqueue(self, task: Callable[..., None], *args: str) -> None:
        self._executor.submit(_logged, task, *args)


def _logged(task: Callable[..., None], *args: str) -> None:
    try:
        task(*args)
    except Exception:
        log.exception("background task %s%r failed", getattr(task, "__name__", task), args)


_upload_queue: TaskQueue = ThreadQueue(MAX_RUNNING_UPLOADS, "raak-upload")


def upload_queue() -> TaskQueue:
    """The queue upload jobs run on."""
    return _upload_queue


def use_upload_queue(queue: TaskQueue) -> TaskQueue:
    """Run upload jobs on `queue` from now on (a shared queue, or a test's); returns the one it replaces."""
    global _upload_queue
    previous, _upload_queue = _upload_queue, queue
    return previous
