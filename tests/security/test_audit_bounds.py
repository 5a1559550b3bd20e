"""Issue 9 item 5: every text the audit log stores is bounded, and what a person types as e-mail address is only
stored when it is a known user's address.

A crafted upload with an enormous file name made `/beheer` tens of megabytes; a password typed into the e-mail field
was readable there. Both are sent as real requests through the Flask test client.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import dash
import pytest
from corpus.builders import add_rounds, sqlite_only
from corpus.uploads import send
from corpus.web import SECRET_KEY, USERS, Client, add_users, logged_in
from sqlalchemy import Engine, select

from dashboard.web.app import create_app
from dashboard.web.security import FREE_FAILURES_PER_EMAIL
from etl.store import audit
from etl.store import models as m
from etl.store.db import session_scope

LONG_NAME_CHARS = 2_000_000  # far past every bound (the attack used 40 MB; the bound is what matters)
SMALL_PAGE_CHARS = 200_000  # /beheer with its newest audit rows, all bounded
TYPED_PASSWORD = "Zomer2026!MijnGeheimeWachtwoord"


@pytest.fixture
def app(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dash.Dash:
    monkeypatch.setenv("RAAK_STORAGE_DIR", str(tmp_path / "returns"))
    add_rounds(engine, "2009")
    add_users(engine)
    return create_app(engine, secret_key=SECRET_KEY)


def audit_rows(engine: Engine) -> list[m.AuditLog]:
    with session_scope(engine) as session:
        return list(session.scalars(select(m.AuditLog).order_by(m.AuditLog.id)))


def test_an_enormous_file_name_is_stored_bounded_and_beheer_stays_small(app: dash.Dash, engine: Engine) -> None:
    nji = logged_in(app, USERS["nji"][0])
    name = "a" * LONG_NAME_CHARS + ".xlsx"
    response = send(nji, [(name, b"not a workbook")])
    assert response.status_code == 200
    rows = [row for row in audit_rows(engine) if row.action.startswith("upload.")]
    assert rows, "the rejected upload is audited"
    for row in audit_rows(engine):
        assert len(row.detail or "") <= audit.MAX_DETAIL_CHARS
    stored = json.loads(rows[-1].detail)["file"]
    assert len(stored) <= audit.MAX_DETAIL_TEXT and stored.endswith(m.ELLIPSIS)
    with session_scope(engine) as session:
        assert all(len(file) <= 255 for file in session.scalars(select(m.Upload.filename)))
    page = nji.page("/beheer")
    assert len(page) < SMALL_PAGE_CHARS


def test_every_text_recorded_is_bounded_whoever_records_it(engine: Engine) -> None:
    huge = "x" * 100_000
    with session_scope(engine) as session:
        audit.record(
            session,
            "a" * 1000,
            actor=huge,
            remote_addr=huge,
            detail={huge: huge, "list": [huge] * 10_000, "nested": {"deeper": {"deepest": {"x": huge}}}, "n": 3},
        )
    (row,) = audit_rows(engine)
    assert len(row.action) <= 64 and len(row.actor) <= 255 and len(row.remote_addr) <= 64
    assert len(row.detail) <= audit.MAX_DETAIL_CHARS
    json.loads(row.detail)  # still readable JSON on /beheer


@sqlite_only
def test_a_password_typed_as_email_is_not_stored_nor_shown(app: dash.Dash, engine: Engine) -> None:
    stranger = Client(app)
    assert stranger.login(TYPED_PASSWORD, "whatever it was").status_code == 401
    typed = TYPED_PASSWORD.lower()  # the form lower-cases the address
    for row in audit_rows(engine):
        assert typed not in (row.actor or "").lower() and typed not in (row.detail or "").lower()
    (failed,) = [row for row in audit_rows(engine) if row.action == "login.failed"]
    assert re.fullmatch(r"unknown:[0-9a-f]{12}", failed.actor)
    page = logged_in(app, USERS["nji"][0]).page("/beheer")
    assert typed not in page.lower() and failed.actor in page


@sqlite_only
def test_a_known_users_failed_login_keeps_their_address(app: dash.Dash, engine: Engine) -> None:
    assert Client(app).login(USERS["coordinator"][0], "not the password").status_code == 401
    assert [row.actor for row in audit_rows(engine) if row.action == "login.failed"] == [USERS["coordinator"][0]]


@sqlite_only
def test_repeated_failures_for_one_unknown_address_share_an_actor_and_back_off(app: dash.Dash, engine: Engine) -> None:
    client = Client(app)
    for _ in range(FREE_FAILURES_PER_EMAIL):
        assert client.login("nobody@test.nl", "guess").status_code == 401
    assert client.login("nobody@test.nl", "guess").status_code == 429
    actors = {row.actor for row in audit_rows(engine) if row.action in ("login.failed", "login.throttled")}
    assert len(actors) == 1 and "nobody" not in actors.pop()
    assert client.login("somebody-else@test.nl", "guess").status_code == 401  # another address is not held up
