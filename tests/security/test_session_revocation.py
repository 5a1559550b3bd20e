"""Issue 9 item 3: a session ends on the server, not only in the browser that logged out.

A copy of the session cookie (taken from a shared computer, a proxy log, a stolen laptop) must stop working as soon
as its user logs out, and every session of a user must end when their password, access, role or regions change,
whichever worker or server answers next (the session lives in the database, so these tests need no second worker).
"""

from __future__ import annotations

from collections.abc import Callable

import dash
import pytest
from click.testing import CliRunner
from corpus.builders import sqlite_only
from corpus.web import CSRF_COOKIE, OTHER_REGION, SECRET_KEY, USERS, Client, add_users, logged_in
from sqlalchemy import Engine

from dashboard.cli import main
from dashboard.web.app import create_app
from dashboard.web.auth import SESSION_COOKIE
from etl.admin.users import disable_user, reset_password, set_role
from etl.store.db import engine_for, session_scope

NEW_PASSWORD = "another long password"


@pytest.fixture
def app(engine: Engine) -> dash.Dash:
    add_users(engine)
    return create_app(engine, secret_key=SECRET_KEY)


def copy_of(app: dash.Dash, client: Client) -> Client:
    """Another browser holding a copy of `client`'s cookies (same address and browser, as a thief would send)."""
    thief = Client(app)
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        cookie = client.http.get_cookie(name)
        assert cookie is not None, name
        thief.http.set_cookie(name, cookie.value)
    return thief


def assert_refused(client: Client) -> None:
    """The session no longer opens a page nor answers a callback."""
    page = client.http.get("/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    callback = client.route("/")
    assert callback.status_code == 401 and callback.get_json()["error"] == "login_required"


@sqlite_only
def test_a_cookie_copied_before_logout_is_refused_after_it(app: dash.Dash) -> None:
    client = logged_in(app, USERS["nji"][0])
    thief = copy_of(app, client)
    assert thief.route("/").status_code == 200  # the copy works while the session is open ...
    response = client.http.post("/logout", data={"csrf_token": client.csrf})
    assert response.status_code == 302
    assert_refused(thief)  # ... and not a moment after log-out
    assert_refused(client)


@sqlite_only
def test_logout_ends_only_the_session_that_logged_out(app: dash.Dash) -> None:
    laptop, phone = logged_in(app, USERS["steering"][0]), logged_in(app, USERS["steering"][0])
    assert laptop.http.post("/logout", data={"csrf_token": laptop.csrf}).status_code == 302
    assert_refused(laptop)
    assert phone.route("/").status_code == 200  # documented choice: log-out ends this browser's session only


def _reset(engine: Engine, email: str) -> None:
    with session_scope(engine) as session:
        reset_password(session, email, NEW_PASSWORD, actor="test")


def _disable(engine: Engine, email: str) -> None:
    with session_scope(engine) as session:
        disable_user(session, email, actor="test")


def _regions(engine: Engine, email: str) -> None:
    with session_scope(engine) as session:
        set_role(session, email, "coordinator", regions=(OTHER_REGION,), actor="test")  # same role, other region


def _role(engine: Engine, email: str) -> None:
    with session_scope(engine) as session:
        set_role(session, email, "steering", actor="test")


@pytest.mark.parametrize("change", [_reset, _disable, _regions, _role], ids=["reset", "disable", "regions", "role"])
def test_a_user_change_ends_every_session_of_that_user(
    app: dash.Dash, engine: Engine, change: Callable[[Engine, str], None]
) -> None:
    email = USERS["coordinator"][0]
    first, second = logged_in(app, email), logged_in(app, email)
    thief = copy_of(app, first)
    bystander = logged_in(app, USERS["nji"][0])
    change(engine, email)
    for client in (first, second, thief):
        assert_refused(client)
    assert bystander.route("/").status_code == 200  # other users keep their sessions


@pytest.mark.parametrize(
    "command",
    [
        ["users", "reset-password", USERS["coordinator"][0], "--generate-password"],
        ["users", "disable", USERS["coordinator"][0]],
        ["users", "set-role", USERS["coordinator"][0], "--role", "nji"],
    ],
    ids=["reset-password", "disable", "set-role"],
)
def test_a_user_change_on_the_command_line_ends_the_users_sessions(use_database: str, command: list[str]) -> None:
    engine = engine_for(use_database)
    add_users(engine)
    app = create_app(engine, secret_key=SECRET_KEY)
    client = logged_in(app, USERS["coordinator"][0])
    thief = copy_of(app, client)
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 0, result.output
    assert_refused(client)
    assert_refused(thief)
