"""Two coordinators of the same region upload at the same moment through the web app: nothing lost, nothing doubled,
the later return supersedes the earlier one (run on PostgreSQL as in production, and on SQLite)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from corpus.builders import (
    SMALL_REGION,
    add_rounds,
    count,
    current,
    expected,
    filled,
    random_statuses,
    region_municipalities,
)
from corpus.uploads import outcomes, send
from corpus.web import SECRET_KEY, logged_in
from sqlalchemy import Engine, select

from dashboard.web.app import create_app
from etl.admin.users import add_user
from etl.store import models as m
from etl.store.db import session_scope

PASSWORD = "two coordinators, one region"
COORDINATORS = ("eerste@ggd.nl", "tweede@ggd.nl")
WAIT_SECONDS = 120


def test_two_coordinators_of_one_region_uploading_at_once_lose_nothing(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAAK_STORAGE_DIR", str(tmp_path / "returns"))
    add_rounds(engine, "2009")
    with session_scope(engine) as session:
        for email in COORDINATORS:
            add_user(session, email, "coordinator", PASSWORD, regions=(SMALL_REGION,), actor="test")
    app = create_app(engine, secret_key=SECRET_KEY)
    clients = {email: logged_in(app, email, PASSWORD) for email in COORDINATORS}
    codes = region_municipalities(engine, SMALL_REGION)
    values = {email: random_statuses(codes, seed) for seed, email in enumerate(COORDINATORS)}
    files = {
        email: filled(engine, SMALL_REGION, "2009", tmp_path / str(n), values[email])
        for n, email in enumerate(COORDINATORS)
    }
    start, results, errors = threading.Barrier(len(COORDINATORS)), {}, []

    def upload(email: str) -> None:
        try:
            start.wait(WAIT_SECONDS)
            results[email] = outcomes(send(clients[email], [(f"{email}.xlsx", files[email])]))[0].status
        except Exception as exc:  # reported to the test below rather than lost in the thread
            errors.append(repr(exc))

    threads = [threading.Thread(target=upload, args=(email,)) for email in COORDINATORS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_SECONDS)

    assert not errors and results == dict.fromkeys(COORDINATORS, "accepted")
    with session_scope(engine) as session:
        uploads = session.execute(select(m.Upload.id, m.Upload.uploader).order_by(m.Upload.id)).all()
        actors = set(session.scalars(select(m.AuditLog.actor).where(m.AuditLog.action == "upload")))
    assert sorted(uploader for _, uploader in uploads) == sorted(COORDINATORS) and actors == set(COORDINATORS)
    later = uploads[-1].uploader
    assert current(engine, "2009") == {
        (code, n): (*expected(v), None) for code in codes for n, v in values[later][code].items()
    }
    assert count(engine, m.Submission) == 2 * len(codes)
    assert count(engine, m.Submission, m.Submission.status == "superseded") == len(codes)
    assert count(engine, m.Assessment) == 2 * 35 * len(codes)
    assert count(engine, m.Assessment, m.Assessment.is_current) == 35 * len(codes)
