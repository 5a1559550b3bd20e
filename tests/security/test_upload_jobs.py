"""Long work off the request workers (issue 9): an upload request only checks and queues; the files are processed
by a background job whose progress and per-file results live in the database, so a fresh session of the same user
reads them again, and no other user (but NJi) can — on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dash
import pytest
from corpus.builders import ALL_POINTS_3, add_rounds, filled, region_municipalities
from corpus.uploads import job_of, outcomes, poll, start, text_of, wait_for_job
from corpus.web import COORDINATOR_REGION, OTHER_REGION, PASSWORD, SECRET_KEY, USERS, add_users, logged_in, walk
from sqlalchemy import Engine, func, select

from dashboard.web import jobs
from dashboard.web.app import create_app
from dashboard.web.pages import upload
from etl.admin.users import add_user
from etl.store import models as m
from etl.store.db import session_scope

ROUND = "2009"
OTHER_COORDINATOR = "amsterdam@ggd.nl"
RELEASE_SECONDS = 120  # a bound so a broken test fails instead of hanging


class HeldQueue:
    """The in-process queue with a gate: every task waits for `release` before it runs (on its own thread)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.queued: list[str] = []
        self.threads: list[threading.Thread] = []

    def enqueue(self, task: Callable[..., None], *args: str) -> None:
        self.queued.append(args[0])

        def held() -> None:
            if self.release.wait(RELEASE_SECONDS):
                task(*args)

        thread = threading.Thread(target=held, daemon=True)
        thread.start()
        self.threads.append(thread)


@pytest.fixture
def held_queue() -> Iterator[HeldQueue]:
    queue = HeldQueue()
    previous = jobs.use_upload_queue(queue)
    yield queue
    queue.release.set()
    for thread in queue.threads:
        thread.join(RELEASE_SECONDS)
    jobs.use_upload_queue(previous)


@pytest.fixture
def app(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dash.Dash:
    monkeypatch.setenv("RAAK_STORAGE_DIR", str(tmp_path / "returns"))
    add_rounds(engine, ROUND)
    add_users(engine)
    with session_scope(engine) as session:
        add_user(session, OTHER_COORDINATOR, "coordinator", PASSWORD, regions=(OTHER_REGION,), actor="test")
    return create_app(engine, secret_key=SECRET_KEY)


def valid_return(engine: Engine, folder: Path, status: int | str = 3) -> bytes:
    codes = region_municipalities(engine, COORDINATOR_REGION)
    return filled(engine, COORDINATOR_REGION, ROUND, folder, {c: dict.fromkeys(ALL_POINTS_3, status) for c in codes})


def upload_count(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(m.Upload)) or 0


def answer(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]


def component(tree: Any, ident: str) -> dict[str, Any] | None:
    return next((c for c in walk(tree) if c.get("props", {}).get("id") == ident), None)


def test_an_upload_answers_with_a_job_before_any_file_is_processed(
    engine: Engine, app: dash.Dash, held_queue: HeldQueue, tmp_path: Path
) -> None:
    coordinator = logged_in(app, USERS["coordinator"][0])
    files = [("den_haag.xlsx", valid_return(engine, tmp_path / "a")), ("fout.xlsx", b"geen werkmap")]

    response = start(coordinator, files)

    job_id = job_of(response)
    assert job_id is not None and held_queue.queued == [job_id]
    assert upload_count(engine) == 0  # the request ingested nothing itself
    waiting = answer(poll(coordinator, job_id))
    assert waiting[upload.INTERVAL]["disabled"] is False and waiting[upload.FILES]["children"] == []
    assert "wachtrij" in waiting[upload.STATUS]["children"]

    held_queue.release.set()
    finished = wait_for_job(coordinator, job_id)

    assert [outcome.status for outcome in outcomes(finished)] == ["accepted", "rejected"]
    done = answer(finished)
    assert (done[upload.PROGRESS]["value"], done[upload.PROGRESS]["max"]) == ("2", "2")
    assert done[upload.STATUS]["children"] == "Klaar. 1 geaccepteerd, 1 afgewezen, 0 al ontvangen."
    assert upload_count(engine) == 2


def test_a_fresh_session_of_the_same_user_reads_the_results_and_the_annotated_copy(
    engine: Engine, app: dash.Dash, tmp_path: Path
) -> None:
    first = logged_in(app, USERS["coordinator"][0])
    files = [
        ("den_haag.xlsx", valid_return(engine, tmp_path / "a")),
        ("fout.xlsx", valid_return(engine, tmp_path / "b", "ja")),
    ]
    job_id = job_of(start(first, files))
    assert job_id is not None
    wait_for_job(first, job_id)  # the first browser has gone: a new log-in asks again

    again = logged_in(app, USERS["coordinator"][0])
    results = outcomes(poll(again, job_id))

    assert [(r.status, r.component["props"]["id"]) for r in results] == [
        ("accepted", "upload-result-0"),
        ("rejected", "upload-result-1"),
    ]
    assert "'s-Gravenhage (GM0518)" in results[0].text and "'ja' is geen geldige status" in results[1].text
    link = component(results[1].component, "upload-annotated-1")
    assert link is not None and link["props"]["download"] == "fout.annotated.xlsx"
    download = again.http.get(link["props"]["href"])
    assert download.status_code == 200 and download.data[:2] == b"PK"
    page = answer(again.route("/upload", f"?{upload.JOB_PARAM}={job_id}"))["page"]["children"]
    assert component(page, upload.JOB)["props"]["data"] == job_id
    assert f"{upload.JOB_PARAM}={job_id}" in str(component(page, upload.RECENT))
    with session_scope(engine) as session:
        recorded = session.execute(
            select(m.UploadJobFile.position, m.UploadJobFile.state, m.Upload.status, m.UploadJobFile.content)
            .join(m.Upload, m.Upload.id == m.UploadJobFile.upload_id)
            .where(m.UploadJobFile.job_id == job_id)
            .order_by(m.UploadJobFile.position)
        ).all()
    assert [tuple(row) for row in recorded] == [(0, "accepted", "accepted", None), (1, "rejected", "rejected", None)]


def test_another_user_cannot_read_an_upload_job_but_nji_can(engine: Engine, app: dash.Dash, tmp_path: Path) -> None:
    owner = logged_in(app, USERS["coordinator"][0])
    job_id = job_of(start(owner, [("fout.xlsx", valid_return(engine, tmp_path, "ja"))]))
    assert job_id is not None
    [rejected] = outcomes(wait_for_job(owner, job_id))
    href = component(rejected.component, "upload-annotated-0")["props"]["href"]
    assert owner.http.get(href).status_code == 200

    other = logged_in(app, OTHER_COORDINATOR)
    seen = answer(poll(other, job_id))
    assert seen[upload.FILES]["children"] == [] and seen[upload.INTERVAL]["disabled"] is True
    assert "bestaat niet (meer) of is niet van u" in seen[upload.STATUS]["children"]
    assert other.http.get(href).status_code == 404
    page = answer(other.route("/upload", f"?{upload.JOB_PARAM}={job_id}"))["page"]["children"]
    assert component(page, upload.JOB) is None and job_id not in str(page)
    assert logged_in(app, USERS["steering"][0]).http.get(href).status_code == 403

    nji = logged_in(app, USERS["nji"][0])
    assert [r.status for r in outcomes(poll(nji, job_id))] == ["rejected"]
    assert nji.http.get(href).status_code == 200
    assert "fout.xlsx" in text_of(answer(poll(nji, job_id))[upload.FILES]["children"])


def test_a_job_id_that_is_not_a_uuid_reads_nothing(app: dash.Dash) -> None:
    owner = logged_in(app, USERS["coordinator"][0])
    for job_id in ("../../etc/passwd", "1 OR 1=1", None, 7):
        seen = answer(poll(owner, job_id))  # type: ignore[arg-type]
        assert seen[upload.FILES]["children"] == [] and seen[upload.INTERVAL]["disabled"] is True
    assert owner.http.get("/upload/annotated/not-a-job/0").status_code == 404
