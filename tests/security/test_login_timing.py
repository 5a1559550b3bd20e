"""Issue 9 item 6: every failed log-in costs the same, so timing tells no one which addresses are accounts.

Measured without a clock: the password-hash work (calls to scrypt, which dominate the cost) and the SQL the server
runs for one failed log-in must be identical for an unknown address, a disabled account, a wrong password and an
over-long password.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import dash
import pytest
from corpus.builders import sqlite_only
from corpus.web import PASSWORD, SECRET_KEY, USERS, Client, add_users
from sqlalchemy import Engine, event

from dashboard.web.app import create_app
from etl.admin.users import disable_user
from etl.store.db import session_scope

DISABLED = USERS["steering"][0]
ATTEMPTS = {
    "unknown address": ("nobody@test.nl", PASSWORD),
    "disabled account": (DISABLED, PASSWORD),
    "wrong password": (USERS["nji"][0], "not the password"),
    "over-long password": (USERS["nji"][0], "p" * 5000),
}


@dataclass
class Work:
    """What the server did for one request: scrypt calls and SQL statements (as text, without their values)."""

    hashes: int = 0
    statements: list[str] = field(default_factory=list)


@pytest.fixture
def app(engine: Engine) -> dash.Dash:
    add_users(engine)
    with session_scope(engine) as session:
        disable_user(session, DISABLED, actor="test")
    return create_app(engine, secret_key=SECRET_KEY)


@pytest.fixture
def work(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Work]:
    """Counts every real scrypt computation and every SQL statement on the app's engine while it is active."""
    seen = Work()
    scrypt = hashlib.scrypt

    def counted(*args: Any, **kwargs: Any) -> bytes:
        seen.hashes += 1
        return scrypt(*args, **kwargs)

    def statement(_conn: Any, _cursor: Any, sql: str, *_rest: Any) -> None:
        seen.statements.append(" ".join(sql.split()))

    monkeypatch.setattr(hashlib, "scrypt", counted)
    event.listen(engine, "before_cursor_execute", statement)
    yield seen
    event.remove(engine, "before_cursor_execute", statement)


def failed_login(app: dash.Dash, work: Work, email: str, password: str) -> Work:
    """The work of one failed log-in POST (the form and its CSRF token are fetched before counting starts)."""
    client = Client(app)
    data = {"email": email, "password": password, "csrf_token": client.form_token()}
    work.hashes, work.statements = 0, []
    response = client.http.post("/login", data=data)
    assert response.status_code == 401, response.get_data(as_text=True)[:300]
    return Work(work.hashes, list(work.statements))


@sqlite_only
def test_every_failed_login_does_the_same_work(app: dash.Dash, work: Work) -> None:
    done = {name: failed_login(app, work, email, password) for name, (email, password) in ATTEMPTS.items()}
    assert {name: spent.hashes for name, spent in done.items()} == dict.fromkeys(ATTEMPTS, 1)
    first = done["unknown address"].statements
    assert first, "the statements were counted"
    for name, spent in done.items():
        assert spent.statements == first, name
